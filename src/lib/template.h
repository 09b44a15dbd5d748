/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Templates: read-only root filesystem trees in the storage pool that vServers use as
 * the lower layer of their overlay root. Owned by host ids 0..65535 as in the source;
 * each vServer sees them through an idmapped mount shifted to its own range.
 * Builds and imports happen in a temporary directory renamed into place at the end, so
 * a failed or interrupted build leaves nothing (not even a half template).
 */
#ifndef WIRT_TEMPLATE_H
#define WIRT_TEMPLATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct wirt_template_info {
	char name[64];
	char source[64];	/* "busybox", "debian bookworm", "import foo.tar.zst" */
	char created[32];	/* ISO 8601 UTC */
	uint64_t size_bytes;	/* apparent size of the tree */
	unsigned users;		/* vServers of this root dir that use it */
};

/* A template being made: a temporary directory under <root>/templates, renamed into
 * place by commit. wirt_template_build_done() removes it unless committed. */
struct wirt_template_build {
	const char *root;
	const char *name;
	char dir[PATH_MAX]; /* the temporary template dir; "" once renamed or removed */
	int rootfs_fd;	    /* its rootfs/: fill it */
	int build_lock_fd;
};

#define WIRT_TEMPLATE_BUILD_INIT { .rootfs_fd = -1, .build_lock_fd = -1 }

/* -EEXIST when template 'name' exists (checked again by commit). */
int wirt_template_build_begin(const char *root, const char *name, struct wirt_template_build *b,
			      struct wirt_error *err);

/* Records 'source' and 'created' (NULL: now) and renames the tree into place. */
int wirt_template_build_commit(struct wirt_template_build *b, const char *source,
			       const char *created, struct wirt_error *err);

void wirt_template_build_done(struct wirt_template_build *b);

/* Template 'name''s source and creation time (size and users are not counted);
 * -ENOENT "template 'x' does not exist". Together they name one build of a template:
 * a backup carries them to find the same template on another host. */
int wirt_template_info(const char *root, const char *name, struct wirt_template_info *info,
		       struct wirt_error *err);

/* The built-in template: the host's static busybox (busybox-static's /bin/busybox,
 * or $WIRT_BUSYBOX), its applets as symlinks, busybox init with an inittab, an rcS
 * that runs /etc/init.d/S* scripts, httpd serving /var/www on port 80, passwd/group.
 * No network, a second or two. Fails if 'name' exists. */
int wirt_template_build_busybox(const char *root, const char *name, struct wirt_error *err);

/* debootstrap --variant=minbase 'release' (default bookworm) from 'mirror' (NULL:
 * deb.debian.org). Fails cleanly when debootstrap is missing. */
int wirt_template_build_debian(const char *root, const char *name, const char *release,
			       const char *mirror, struct wirt_error *err);

/* Imports a root filesystem tarball (.tar, .tar.gz, .tar.xz, .tar.zst) with libarchive's
 * secure extraction (no "..", no absolute paths, no writes through symlinks),
 * preserving owners, modes, xattrs, hard links and device nodes. */
int wirt_template_import(const char *root, const char *name, const char *tarball,
			 struct wirt_error *err);

/* Deletes a template; -EBUSY with the user's name when a vServer uses it. */
int wirt_template_delete(const char *root, const char *name, struct wirt_error *err);

/* Lists templates sorted by name; *ret is malloc'ed (free it). */
int wirt_template_list(const char *root, struct wirt_template_info **ret, size_t *ret_n,
		       struct wirt_error *err);

/* 0 when template 'name' exists and has /bin/sh (resolved inside the tree), -ENOENT
 * "template 'x' does not exist", -ENOEXEC "template 'x' has no /bin/sh". */
int wirt_template_check(const char *root, const char *name, struct wirt_error *err);

#endif
