/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File-tree helpers. Two kinds, never mixed:
 *  - host paths wirt owns (under the root dir): plain paths are fine;
 *  - paths inside a guest or template tree: always opened relative to that tree's root
 *    fd with openat2(RESOLVE_IN_ROOT) (Linux 5.6+), or on older kernels a walk one
 *    component at a time with O_NOFOLLOW that resolves symlinks itself and clamps ".."
 *    at the root. A guest's symlink can never lead out of its tree.
 */
#ifndef WIRT_FSUTIL_H
#define WIRT_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Opens 'path' (absolute or relative: both are taken inside the tree) below the tree
 * whose root is 'root_fd', as openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does.
 * Returns an fd or -errno. WIRT_FORCE_NO_OPENAT2=1 in the environment forces the
 * fallback walk, so tests cover both. */
int wirt_open_in_root(int root_fd, const char *path, int flags, mode_t mode);

/* Like wirt_open_in_root for the parent of 'path', creating missing directories with
 * 'mode'; returns the parent's fd and points *ret_base at the last component. */
int wirt_open_parent_in_root(int root_fd, const char *path, mode_t mode, const char **ret_base);

/* Writes 'len' bytes to 'path' inside the tree (created 0644 or truncated). */
int wirt_write_file_in_root(int root_fd, const char *path, const void *data, size_t len,
			    mode_t mode);

/* mkdir -p for a host path. */
int wirt_mkdir_p(const char *path, mode_t mode);

/* rm -rf for a host path. Does not cross mount points (a vServer's rootfs that is
 * still mounted is left alone and reported as -EBUSY). Missing path is success. */
int wirt_rm_rf(const char *path);

/* Reads a whole small host file into buf (NUL-terminated). Returns length or -errno. */
ssize_t wirt_read_file(const char *path, char *buf, size_t size);

/* Writes a host file atomically: temp file in the same dir, fsync, rename. */
int wirt_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* As wirt_write_file_atomic without the fsyncs: readers see the old or the new text,
 * never a part, but a crash of the host may lose it. For runtime state that a reboot
 * ends anyway (wirt-oci's records under /run). */
int wirt_write_file_replace(const char *path, const void *data, size_t len, mode_t mode);

/* Opens (creating, 0600) and flocks 'path' exclusively, waiting for it; returns the
 * fd that holds the lock, or -errno with err naming the file. */
int wirt_lock_file(const char *path, struct wirt_error *err);

/* Writes a string to an existing file (cgroup and /proc knobs). Returns 0 or -errno. */
int wirt_write_string(const char *path, const char *s);

#endif
