/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vServer's own disk (`--disk SIZE`): its writable layer lives in a sparse ext4
 * image, <root>/vservers/<name>/disk.img, mounted through a loop device while it runs.
 * Why an image: it works on any host filesystem (these hosts' plain ext4 has no project
 * quotas enabled, and enabling them needs the filesystem unmounted); the limit is the
 * filesystem's size, so a full disk is ENOSPC inside and nothing next door; `df /`
 * inside shows the vServer's own size and use (overlayfs reports its upper layer's
 * filesystem); mounted with `discard`, space the guest frees is punched out of the
 * sparse image and returns to the pool. The template stays shared below the overlay.
 * docs/storage.md has the details.
 */
#ifndef WIRT_DISK_H
#define WIRT_DISK_H

#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define WIRT_DISK_MIN (32ull << 20) /* ext4 with a journal and room for a system */

/* Makes the image 'path' of 'size' bytes (sparse) with an ext4 filesystem whose root
 * is owned by 'owner' (guest root). Fails if it exists. */
int wirt_disk_create(const char *path, uint64_t size, uid_t owner, struct wirt_error *err);

/* Attaches the image to a free loop device (detached again once unmounted) and mounts
 * it on 'mnt' (nodev, nosuid, discard). For a guest's private mount namespace: the
 * mount goes with it. */
int wirt_disk_mount(const char *path, const char *mnt, struct wirt_error *err);

/* Resizes the filesystem and the image of a stopped vServer to 'size': growing always
 * works while the host has room; shrinking fails ("the data does not fit") when the
 * files need more. The filesystem is checked first (e2fsck), as resize2fs asks. */
int wirt_disk_resize(const char *path, uint64_t size, struct wirt_error *err);

/* Runs fn(ctx, err) in a child process with 'image' mounted on 'mnt' in a mount
 * namespace of its own (nothing reaches the host's mount table; the mount goes with
 * the child); image NULL: no namespace, no mount. The child's error comes back in err.
 * For work on a stopped vServer's files: clone, export, import. */
int wirt_disk_run_mounted(const char *image, const char *mnt,
			  int (*fn)(void *ctx, struct wirt_error *err), void *ctx,
			  struct wirt_error *err);

/* What the image holds on the host's pool (its allocated blocks) and its size. */
int wirt_disk_usage(const char *path, uint64_t *ret_used, uint64_t *ret_size,
		    struct wirt_error *err);

#endif
