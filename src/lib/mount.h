/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Mounting inside a guest's root before it becomes "/": every target is opened with
 * RESOLVE_IN_ROOT (fsutil.h), so a symlink the guest planted cannot redirect a mount
 * to the host, and the mount goes through that fd. Used for a vServer's PID 1
 * (guest.c) and an OCI container's init (src/oci/container.c).
 */
#ifndef WIRT_MOUNT_H
#define WIRT_MOUNT_H

#include <stdbool.h>

#include "error.h"

/* Mounts 'src' (type, flags, data as mount(2)) on 'target', a path inside the root
 * 'root_fd'. A missing target is created, a directory when 'is_dir' else an empty
 * file, with its missing parents. A NULL 'src' with MS_BIND binds the target onto
 * itself. A bind mount with flags (ro, nosuid ...) is remounted with them, as it must be. */
int wirt_mount_in_root(int root_fd, const char *src, const char *target, const char *type,
		       unsigned long flags, const char *data, bool is_dir, struct wirt_error *err);

/* Attaches the detached mount 'mnt_fd' (open_tree's, e.g. idmapped) on 'target'
 * inside the root, made as wirt_mount_in_root makes it when missing. */
int wirt_mount_fd_in_root(int root_fd, int mnt_fd, const char *target, bool is_dir,
			  struct wirt_error *err);

/* Remounts the bind mount at 'path' with 'flags' (MS_RDONLY, MS_NOSUID ...), keeping
 * the flags the kernel locks in a user namespace. Returns mount(2)'s result (errno). */
int wirt_bind_remount(const char *path, unsigned long flags);

/* Creates the symlink 'path' -> 'target' inside the root (an existing one is kept). */
int wirt_symlink_in_root(int root_fd, const char *target, const char *path,
			 struct wirt_error *err);

/* Makes the root 'root_fd' the caller's "/": pivot_root(".", ".") stacks the old root
 * on the new one, and detaching it leaves nothing of the host's tree (the trick runc
 * and lxc use). Ends with the working directory at the new "/". */
int wirt_pivot_root_fd(int root_fd, struct wirt_error *err);

#endif
