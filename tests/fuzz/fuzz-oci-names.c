/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for wirt-oci's small parsers (src/oci/names.c). The first byte
 * picks the parser, the rest is its text. Beyond "no crash, no sanitizer report" it
 * checks their promises: an id that passes has only the allowed characters, a signal
 * is 1..NSIG-1 or -1, a UID[:GID] that parses prints back to the same text (no
 * leading zeros aside), a systemd path ends in ".scope" and never holds "..".
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const struct wirt_error *err)
{
	if (!memchr(err->msg, '\0', sizeof(err->msg)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wirt_error err = { 0 };
	char text[2048], out[4096];
	uint32_t uid, gid;
	int r;

	if (size < 1 || size > sizeof(text))
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 4) {
	case 0:
		if (oci_id_check(text, &err) == 0) {
			if (!text[0] || strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
						     "VWXYZ0123456789_+-.") != strlen(text) ||
			    strcmp(text, ".") == 0 || strcmp(text, "..") == 0)
				abort();
		} else {
			check_message(&err);
		}
		break;
	case 1:
		r = oci_signal_parse(text);
		if (r != -1 && (r < 1 || r >= NSIG))
			abort();
		break;
	case 2:
		if (oci_user_parse(text, &uid, &gid) == 0) {
			if (uid == UINT32_MAX || gid == UINT32_MAX)
				abort();
			if (text[0] != '0' && !strchr(text, ':')) {
				snprintf(out, sizeof(out), "%u", uid);
				if (strcmp(out, text) != 0)
					abort();
			}
		}
		break;
	case 3:
		if (oci_systemd_cgroup_path(text[0] ? text : NULL, "id", out, sizeof(out), &err) ==
		    0) {
			size_t n = strlen(out);
			if (n < 6 || strcmp(out + n - 6, ".scope") != 0 || strstr(out, "..") ||
			    out[0] == '/')
				abort();
		} else {
			check_message(&err);
		}
		break;
	}
	return 0;
}
