/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Snapshots of a vServer: a copy of its writable layer (the pool's upper directory, or
 * its own disk's image) and of its config, under <root>/vservers/<name>/snapshots/<snap>.
 * The template below is read-only and shared, so the writable layer is the vServer.
 * A running vServer's cgroup is frozen for the copy, after a sync of its filesystem:
 * the snapshot is what a power cut at that moment would leave, which a restart
 * recovers (ext4's journal). Copies are sparse and reflinked where the pool can.
 * docs/storage.md "Snapshots".
 */
#ifndef WIRT_SNAPSHOT_H
#define WIRT_SNAPSHOT_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

struct wirt_snapshot {
	char name[WIRT_NAME_MAX + 1];
	time_t created;
	uint64_t bytes; /* what it holds on the pool */
};

/* Takes snapshot 'snap' of vServer 'name' (NULL: named after the time, YYYYmmdd-HHMMSS).
 * Its name into ret_name (WIRT_NAME_MAX + 1). -EEXIST when it exists. */
int wirt_snapshot_create(const char *root, const char *name, const char *snap, char *ret_name,
			 struct wirt_error *err);

/* Copies the writable layer and config of vServer 'spec' into 'dir' (made here, removed
 * again on failure), frozen and synced for the copy while it runs. The caller holds the
 * vServer's lock. The step of a snapshot, and of an export of a running vServer. */
int wirt_snapshot_copy(const char *root, const struct wirt_spec *spec, const char *dir,
		       struct wirt_error *err);

/* The snapshots of 'name', oldest first; *ret is malloc'ed. */
int wirt_snapshot_list(const char *root, const char *name, struct wirt_snapshot **ret,
		       size_t *ret_n, struct wirt_error *err);

/* Puts the vServer's writable layer back as it was in 'snap' (the snapshot stays).
 * Only while it is stopped. */
int wirt_snapshot_restore(const char *root, const char *name, const char *snap,
			  struct wirt_error *err);

/* The writable layer, the whole of a vServer above its shared template: its own
 * disk's image "disk.img", or the pool's "upper" directory. */
const char *wirt_snapshot_layer(const struct wirt_spec *spec);

/* Freezes running vServer 'name' (PID 1 'init') and writes its dirty data down (its own
 * disk's image holds nothing of what is only in the guest's page cache), so that a copy
 * taken now is one moment of it; the caller thaws 'cg' after the copy. Thawed again
 * when it fails. Used by snapshot and clone. */
int wirt_snapshot_freeze(const char *root, const char *name, pid_t init, struct wirt_cgroup *cg,
			 struct wirt_error *err);

int wirt_snapshot_delete(const char *root, const char *name, const char *snap,
			 struct wirt_error *err);

#endif
