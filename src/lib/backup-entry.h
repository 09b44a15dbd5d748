/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Moving an archive entry's ids between a vServer's host range and the guest's own
 * (backup.h): owner, group, the ids of ACL entries and the root id of file
 * capabilities; overlayfs's host-bound "origin" xattr is dropped.
 */
#ifndef WIRT_BACKUP_ENTRY_H
#define WIRT_BACKUP_ENTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "archive-dl.h"
#include "error.h"

struct wirt_id_shift {
	uint32_t from;      /* ids [from, from + WIRT_ID_COUNT) ... */
	uint32_t to;        /* ... become [to, ...) */
	int64_t outside;    /* what an id outside becomes; -1: refused */
	bool caps_v2_to_v3; /* a v2 capability becomes v3 of 'to' (import) */
};

int wirt_backup_shift_entry(struct archive_entry *e, const struct wirt_id_shift *s,
                            struct wirt_error *err);

#endif
