/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain names a vServer may be reached by (docs/edge.md): what goes into a
 * certificate request, the edge's maps and a file name, so checked strictly. Pure
 * functions, unit tested and fuzzed.
 */
#ifndef WIRT_DOMAIN_NAME_H
#define WIRT_DOMAIN_NAME_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define WIRT_DOMAIN_MAX 253

/* Checks 'name' and writes it lower-cased to out (WIRT_DOMAIN_MAX + 1): ASCII labels of
 * [a-z0-9-], 1..63 each, not beginning or ending with '-', at least two labels, at most
 * 253 characters, no trailing dot; an "xn--" label must be a Punycode A-label that
 * decodes to non-ASCII; the last label not all digits (no IPv4 literals; ':' never
 * passes, so no IPv6 ones). "*.rest" only with 'allow_wildcard'. A name with bytes
 * beyond ASCII is refused with a hint to give its A-label. */
int wirt_domain_validate(const char *name, bool allow_wildcard, char *out,
			 struct wirt_error *err);

/* The name of a domain's directory: itself, or "_wildcard.rest" for "*.rest". */
void wirt_domain_dirname(const char *domain, char *out, size_t size);

#endif
