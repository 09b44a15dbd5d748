/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for wirt_oci_config_parse (config.json). Beyond "no crash, no leak,
 * no sanitizer report" it checks that an error message holds no raw control byte
 * (every value and map key is escaped), that it names a place, and that what parses
 * keeps the promises of config.h: args not empty, namespace types distinct, absolute
 * paths where the spec wants them.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *msg)
{
	if (!memchr(msg, '\0', WIRT_ERROR_MAX) || !strstr(msg, ": "))
		abort();
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			fprintf(stderr, "raw byte 0x%02x in message: %s\n", *p, msg);
			abort();
		}
	}
}

static void check_absolute(const char *path)
{
	if (!path || path[0] != '/') {
		fprintf(stderr, "not absolute: %s\n", path ? path : "(null)");
		abort();
	}
}

static void check_spec(const struct wirt_oci_spec *s)
{
	if (!s->oci_version || !s->root_path || !s->root_path[0])
		abort();
	if (s->has_process) {
		if (s->process.args.n == 0 || !s->process.args.v[0] ||
		    s->process.args.v[s->process.args.n])
			abort();
		check_absolute(s->process.cwd);
	}
	for (size_t i = 0; i < s->n_namespaces; i++)
		for (size_t j = 0; j < i; j++)
			if (s->namespaces[i].type == s->namespaces[j].type)
				abort();
	for (size_t i = 0; i < s->n_mounts; i++)
		check_absolute(s->mounts[i].destination);
	for (size_t i = 0; i < s->masked_paths.n; i++)
		check_absolute(s->masked_paths.v[i]);
	if (strlen(s->spec.hostname) >= sizeof(s->spec.hostname))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wirt_oci_spec spec;
	struct wirt_error err = { 0 };

	if (wirt_oci_config_parse((const char *)data, size, &spec, &err) < 0)
		check_message(err.msg);
	else
		check_spec(&spec);
	wirt_oci_spec_free(&spec);
	return 0;
}
