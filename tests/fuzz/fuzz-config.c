/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for wirt_config_parse. Beyond "no crash, no sanitizer report" it
 * checks two properties: an error message never holds a raw control character (every
 * value is escaped), and a config that parses formats back to text that parses to the
 * same spec.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *msg)
{
	if (!memchr(msg, '\0', WIRT_ERROR_MAX))
		abort();
	for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			fprintf(stderr, "raw byte 0x%02x in message: %s\n", *p, msg);
			abort();
		}
	}
}

static void check_same(const struct wirt_spec *a, const struct wirt_spec *b)
{
	if (strcmp(a->name, b->name) != 0 || strcmp(a->template_name, b->template_name) != 0 ||
	    strcmp(a->hostname, b->hostname) != 0 || a->id_base != b->id_base ||
	    a->id_count != b->id_count || a->autostart != b->autostart ||
	    a->stop_signal != b->stop_signal || a->stop_timeout != b->stop_timeout) {
		fprintf(stderr, "round trip changed the spec\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wirt_spec spec, back;
	struct wirt_error err = { 0 };
	char text[16384];
	int n;

	if (size > 64 * 1024) /* what wirt_config_load reads at most */
		return 0;
	if (wirt_config_parse((const char *)data, size, &spec, &err) < 0) {
		check_message(err.msg);
		return 0;
	}
	if (wirt_config_validate(&spec, &err) < 0) {
		fprintf(stderr, "parsed spec does not validate: %s\n", err.msg);
		abort();
	}
	n = wirt_config_format(&spec, text, sizeof(text));
	if (n < 0)
		abort();
	if (wirt_config_parse(text, (size_t)n, &back, &err) < 0) {
		fprintf(stderr, "formatted text does not parse: %s\n%s", err.msg, text);
		abort();
	}
	check_same(&spec, &back);
	return 0;
}
