/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for a backup's manifest (backup-manifest.c), the first thing an
 * import reads from an archive anyone may hand the operator. What it accepts must
 * format and parse back to the same; every message must be one line of printable text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wirt_backup_manifest m, again;
	struct wirt_error err = { 0 };
	char buf[WIRT_BACKUP_MANIFEST_MAX];
	int n;

	if (wirt_backup_manifest_parse((const char *)data, size, &m, &err) < 0) {
		for (const unsigned char *p = (const unsigned char *)err.msg; *p; p++)
			if (*p < 0x20 || *p >= 0x7f) {
				fprintf(stderr, "raw byte 0x%02x in message: %s\n", *p, err.msg);
				abort();
			}
		if (!err.msg[0])
			abort();
		return 0;
	}
	n = wirt_backup_manifest_format(&m, buf, sizeof(buf));
	if (n < 0 || wirt_backup_manifest_parse(buf, (size_t)n, &again, &err) < 0 ||
	    memcmp(&m, &again, sizeof(m)) != 0) {
		fprintf(stderr, "accepted, but does not format and parse back: %s\n", err.msg);
		abort();
	}
	return 0;
}
