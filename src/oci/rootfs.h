/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The container's filesystem, built by its init (container.c) in its own mount
 * namespace: rootfs propagation, the rootfs bound onto itself, config.json's mounts
 * in order (bind, proc, sysfs, tmpfs with tmpcopyup, cgroup as runc lays it out,
 * anything else by type), /dev's nodes and links, then after pivot_root the console,
 * masked and read-only paths, sysctls and a read-only root. Every target is opened
 * inside the rootfs (mount.h), never by a host path string.
 */
#ifndef WIRT_OCI_ROOTFS_H
#define WIRT_OCI_ROOTFS_H

#include <stdbool.h>

#include "cgroup.h"
#include "config.h"
#include "error.h"

struct oci_rootfs {
	const struct wirt_oci_spec *spec;
	const char *rootfs;	      /* absolute host path */
	const struct wirt_cgroup *cg; /* the container's cgroup (cgroup mounts) */
	bool userns;		      /* in a new user namespace: bind devices, no mknod */
	bool cgroupns;		      /* a cgroup namespace of its own */
	const int *mount_fds;	      /* per mount: its premade tree (container.c), or -1 */
	int root_tree;		      /* open_tree copy of the rootfs (container.c) */
	bool rootfs_is_cwd;	      /* the working directory is the rootfs (else its path) */
};

/* Checks linux.sysctl before anything is made: only sysctls of a namespace the
 * container has apart from the host (net.* with its own network namespace, the IPC
 * ones with its own IPC namespace, kernel.hostname/domainname with its own UTS
 * namespace), as runc allows; any other would change the host's. */
int oci_sysctl_check(const struct wirt_oci_spec *s, struct wirt_error *err);

/* Everything before pivot_root; returns an O_PATH fd of the rootfs in *ret_root_fd
 * (r->root_tree, attached: the caller does not close it twice). */
int oci_rootfs_prepare(const struct oci_rootfs *r, int *ret_root_fd, struct wirt_error *err);

/* Makes root_fd "/" (pivot_root, or with 'no_pivot' a move and chroot). */
int oci_rootfs_enter(int root_fd, bool no_pivot, struct wirt_error *err);

/* After the pivot: masked and read-only paths, sysctls, a read-only root. */
int oci_rootfs_finish(const struct oci_rootfs *r, struct wirt_error *err);

#endif
