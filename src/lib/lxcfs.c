/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's own view of /proc through lxcfs, see lxcfs.h: whether lxcfs serves its
 * files, and in stage 2 the binds of its files over the guest's /proc and /sys entries.
 * lxcfs answers each read for the cgroup of the process that reads, so one mount serves
 * every vServer. Runs after clone(): no heap allocation here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "fsutil.h"
#include "lxcfs.h"
#include "util.h"

#ifndef FUSE_SUPER_MAGIC
#define FUSE_SUPER_MAGIC 0x65735546
#endif

/* What lxcfs 5 (Debian 12) virtualizes; a file an older lxcfs lacks is skipped. */
static const char *const lxcfs_files[] = {
	"proc/meminfo",	  "proc/cpuinfo", "proc/stat",	  "proc/uptime",
	"proc/diskstats", "proc/swaps",	  "proc/loadavg", "sys/devices/system/cpu/online",
};

static const char *lxcfs_dir(void)
{
	const char *d = getenv("WIRT_LXCFS_DIR");

	return d && *d ? d : WIRT_LXCFS_DIR;
}

/* Two syscalls, no read: statfs() of a FUSE mount whose daemon died fails with
 * ENOTCONN, so a dead lxcfs does not count; a plain directory (lxcfs never started) has
 * another f_type; access() is answered by the daemon itself. */
bool wirt_lxcfs_available(void)
{
	char p[4096];
	struct statfs sf;
	const char *dir = lxcfs_dir();

	if (statfs(dir, &sf) < 0 || (unsigned long)sf.f_type != FUSE_SUPER_MAGIC)
		return false;
	if (snprintf(p, sizeof(p), "%s/proc/meminfo", dir) >= (int)sizeof(p))
		return false;
	return access(p, R_OK) == 0;
}

/* Binds the host file 'src' over 'target' inside the guest (the same safe pattern as
 * guest.c's mounts: the target is opened with RESOLVE_IN_ROOT, so a guest symlink
 * cannot send the mount to the host, and mounted through /proc/self/fd), then makes the
 * bind read-only, keeping the flags lxcfs's mount locks (nosuid, nodev). A target the
 * guest lacks is left alone (returns 0). */
static int bind_in_root(int root_fd, const char *src, const char *target, struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	char fdpath[64];

	/* The guest's kernel entry must exist: a bind over nothing would need a file
	 * created in the guest's tree (a /sys without cpu/online, say). */
	fd = wirt_open_in_root(root_fd, target, O_PATH | O_CLOEXEC, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return wirt_errorf(err, -fd, "open '%s' in guest", target);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (mount(src, fdpath, NULL, MS_BIND, NULL) < 0)
		return wirt_errorf(err, errno, "bind '%s' on '%s'", src, target);
	/* The fd still names the file below the new mount: open the target again. */
	close(fd);
	fd = wirt_open_in_root(root_fd, target, O_PATH | O_CLOEXEC, 0);
	if (fd < 0)
		return wirt_errorf(err, -fd, "open '%s' in guest", target);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (mount(NULL, fdpath, NULL,
		  MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return wirt_errorf(err, errno, "make '%s' read-only", target);
	return 0;
}

int wirt_lxcfs_mount(int root_fd, struct wirt_error *err)
{
	const char *dir = lxcfs_dir();
	char src[4096], target[256];
	int r;

	if (!wirt_lxcfs_available())
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(lxcfs_files); i++) {
		if (snprintf(src, sizeof(src), "%s/%s", dir, lxcfs_files[i]) >= (int)sizeof(src))
			return wirt_errorf(err, ENAMETOOLONG, "lxcfs dir '%s'", dir);
		if (access(src, F_OK) < 0)
			continue;
		snprintf(target, sizeof(target), "/%s", lxcfs_files[i]);
		r = bind_in_root(root_fd, src, target, err);
		if (r < 0)
			return wirt_error_prefix(err, "lxcfs");
	}
	return 0;
}
