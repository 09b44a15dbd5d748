/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for domain names (domain-name.c: labels, A-labels through the
 * Punycode decoder, wildcards) and a domain's state file (domain.c). A name accepted
 * is the input lower-cased and is accepted again as it is; a state accepted formats
 * and parses back to the same; every message is one line of printable text.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct wirt_error *err)
{
	if (!err->msg[0])
		abort();
	for (const unsigned char *p = (const unsigned char *)err->msg; *p; p++)
		if (*p < 0x20 || *p >= 0x7f) {
			fprintf(stderr, "raw byte 0x%02x in message: %s\n", *p, err->msg);
			abort();
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[512], out[WIRT_DOMAIN_MAX + 1], again[WIRT_DOMAIN_MAX + 1], buf[8192];
	struct wirt_domain d, d2;
	struct wirt_error err = { 0 };
	size_t n = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	int len;

	memcpy(name, data, n);
	name[n] = '\0';
	for (int wild = 0; wild < 2; wild++) {
		memset(&err, 0, sizeof(err));
		if (wirt_domain_validate(name, wild, out, &err) < 0) {
			check_message(&err);
			continue;
		}
		if (strlen(out) != strlen(name))
			abort();
		for (size_t i = 0; name[i]; i++)
			if (tolower((unsigned char)name[i]) != out[i])
				abort();
		if (wirt_domain_validate(out, wild, again, &err) < 0 || strcmp(out, again) != 0)
			abort();
		if (!wild && out[0] == '*')
			abort();
	}

	memset(&err, 0, sizeof(err));
	if (wirt_domain_parse((const char *)data, size, &d, &err) < 0) {
		check_message(&err);
		return 0;
	}
	len = wirt_domain_format(&d, buf, sizeof(buf));
	if (len < 0 || wirt_domain_parse(buf, (size_t)len, &d2, &err) < 0 ||
	    memcmp(&d, &d2, sizeof(d)) != 0) {
		fprintf(stderr, "accepted, but does not format and parse back: %s\n", err.msg);
		abort();
	}
	return 0;
}
