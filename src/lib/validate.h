/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of the small values operators type: names, hostnames, sizes. Pure
 * functions, unit tested and fuzzed; they fill err with a one-line cause.
 */
#ifndef WIRT_VALIDATE_H
#define WIRT_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A vServer or template name: 1..WIRT_NAME_MAX characters of [A-Za-z0-9_.-], starting
 * with a letter or digit (so never "." or ".."). 'kind' ("vServer", "template") is
 * used in the message: "invalid vServer name 'a/b': ..." */
int wirt_name_validate(const char *kind, const char *name, struct wirt_error *err);

/* A hostname per RFC 1123: dot-separated labels of [A-Za-z0-9-], 1..63 each, not
 * starting or ending with '-', total 1..64. */
int wirt_hostname_validate(const char *hostname, struct wirt_error *err);

/* "512", "64K", "64M", "1.5G", "2T", with an optional "B"/"iB" ("64MiB"): binary
 * units. Rejects empty, negative, overflow and trailing garbage. */
int wirt_size_parse(const char *s, uint64_t *ret_bytes, struct wirt_error *err);

/* A decimal unsigned integer in [min, max], nothing else in s. */
int wirt_uint_parse(const char *s, uint64_t min, uint64_t max, uint64_t *ret,
		    struct wirt_error *err);

/* Renders s for a message: printable ASCII as it is, '\\' doubled, any other byte
 * (control characters, DEL, non-ASCII) as \xNN, so a value never puts raw control
 * characters on a terminal. Writes at most size - 1 bytes; a cut result ends in "...".
 * Returns buf. */
const char *wirt_str_escape(const char *s, char *buf, size_t size);

/* A buffer size for wirt_str_escape that shows a whole name or hostname (4 bytes per
 * escaped byte are shown only as far as they fit). */
#define WIRT_ESCAPE_MAX 96

/* Calls fn for each item of 'list', items separated by commas and/or blanks ("a, b c"),
 * and stops at its first error. An item longer than WIRT_LIST_ITEM_MAX is refused. */
#define WIRT_LIST_ITEM_MAX 63
int wirt_list_each(const char *list, int (*fn)(const char *item, void *data, struct wirt_error *err),
		   void *data, struct wirt_error *err);

/* Thousandths of a CPU as the config writes them: "0.5", "2", "1.25". Returns buf. */
const char *wirt_cpus_format(uint64_t milli, char *buf, size_t size);

#endif
