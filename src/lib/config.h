/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vServer's configuration file (INI, <root>/vservers/NAME/config) to and from
 * struct wirt_spec. Parsing and validation are separate passes: the parser fills the
 * spec from "[section] key = value" lines, validation names the field that is wrong
 * ("[vserver] hostname: ...").
 */
#ifndef WIRT_CONFIG_H
#define WIRT_CONFIG_H

#include <stddef.h>

#include "error.h"
#include "spec.h"

/* Parses 'len' bytes of INI text into spec (which it initialises first) and validates
 * it. Unknown sections or keys, duplicate keys and bad values are errors naming the
 * line or field. Returns 0 or -EINVAL. */
int wirt_config_parse(const char *text, size_t len, struct wirt_spec *spec,
		      struct wirt_error *err);

/* The validation pass alone, for a spec filled by other means (`wirt create`, `wirt set`):
 * checks every field and names the first wrong one ("[vserver] hostname: invalid
 * hostname 'a..b': empty label"). Returns 0 or -EINVAL. */
int wirt_config_validate(const struct wirt_spec *spec, struct wirt_error *err);

/* Formats spec as INI text into buf. Returns the length, or -ENOSPC. The spec should
 * be valid: the text of an invalid one may not parse back. */
int wirt_config_format(const struct wirt_spec *spec, char *buf, size_t size);

/* Reads and parses the file 'path'. The error names the file. */
int wirt_config_load(const char *path, struct wirt_spec *spec, struct wirt_error *err);

/* Writes spec to 'path' atomically (temporary file, fsync, rename), mode 0644. An
 * invalid spec is refused (-EINVAL) rather than written. */
int wirt_config_save(const char *path, const struct wirt_spec *spec, struct wirt_error *err);

/* Sets one key of spec from text, as the config file's "[section] key = value" line
 * would (`wirt set` and the CLI's create flags use it): "memory", "cpu-weight", ...
 * Looks the key up in every section when 'section' is NULL. Validates only the
 * value; call wirt_config_validate for the whole spec. */
int wirt_config_set_key(struct wirt_spec *spec, const char *section, const char *key,
			const char *value, struct wirt_error *err);

/* An interface name (a bridge's): 1..15 of [A-Za-z0-9_.-], not "." or "..". */
int wirt_ifname_validate(const char *name, struct wirt_error *err);

/* A port forward as `wirt port add` takes it: "tcp"|"udp", host port, guest port. */
int wirt_port_parse(const char *proto, const char *host_port, const char *guest_port,
		    struct wirt_net_port *ret, struct wirt_error *err);

#endif
