/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Mounting inside a guest's root: see mount.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "fsutil.h"
#include "mount.h"
#include "syscalls.h"
#include "util.h"

#define BIND_REMOUNT_FLAGS                                                                   \
	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | \
	 MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC)

int wirt_bind_remount(const char *path, unsigned long flags)
{
	struct statvfs sv;

	/* In a user namespace the flags a mount had when it came from a more privileged
	 * namespace are locked: a remount without them is EPERM. Keep them. */
	if (statvfs(path, &sv) == 0) {
		if (sv.f_flag & ST_NOSUID)
			flags |= MS_NOSUID;
		if (sv.f_flag & ST_NODEV)
			flags |= MS_NODEV;
		if (sv.f_flag & ST_NOEXEC)
			flags |= MS_NOEXEC;
		if (!(flags & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))) {
			if (sv.f_flag & ST_NOATIME)
				flags |= MS_NOATIME;
			if (sv.f_flag & ST_RELATIME)
				flags |= MS_RELATIME;
		}
		if (sv.f_flag & ST_NODIRATIME)
			flags |= MS_NODIRATIME;
	}
	return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | flags, NULL);
}

/* An O_PATH fd of 'target' inside the root, made (a directory or an empty file, with
 * its parents) when it is missing. */
static int open_target(int root_fd, const char *target, bool is_dir, struct wirt_error *err)
{
	int fd = wirt_open_in_root(root_fd, target, O_PATH | O_CLOEXEC, 0);

	if (fd == -ENOENT) {
		const char *base;
		_cleanup_close_ int dir = wirt_open_parent_in_root(root_fd, target, 0755, &base);

		if (dir < 0)
			return wirt_errorf(err, -dir, "create parent of '%s'", target);
		if (is_dir) {
			if (mkdirat(dir, base, 0755) < 0 && errno != EEXIST)
				return wirt_errorf(err, errno, "create '%s'", target);
		} else {
			int f = openat(dir, base, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
			if (f < 0 && errno != EEXIST)
				return wirt_errorf(err, errno, "create '%s'", target);
			if (f >= 0)
				close(f);
		}
		fd = wirt_open_in_root(root_fd, target, O_PATH | O_CLOEXEC, 0);
	}
	if (fd < 0)
		return wirt_errorf(err, -fd, "open '%s' in guest", target);
	return fd;
}

int wirt_mount_fd_in_root(int root_fd, int mnt_fd, const char *target, bool is_dir,
			  struct wirt_error *err)
{
	_cleanup_close_ int fd = open_target(root_fd, target, is_dir, err);

	if (fd < 0)
		return fd;
	if (wirt_sys_move_mount(mnt_fd, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH |
						       MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return wirt_errorf(err, errno, "attach mount on '%s'", target);
	return 0;
}

int wirt_mount_in_root(int root_fd, const char *src, const char *target, const char *type,
			 unsigned long flags, const char *data, bool is_dir, struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	char fdpath[64];

	fd = open_target(root_fd, target, is_dir, err);
	if (fd < 0)
		return fd;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (!src)
		src = fdpath;
	if (mount(src, fdpath, type, flags, data) < 0)
		return wirt_errorf(err, errno, "mount %s on '%s'", type ? type : src, target);
	if ((flags & MS_BIND) && (flags & BIND_REMOUNT_FLAGS)) {
		/* A bind mount ignores these flags until remounted; the fd we hold still
		 * names the dentry below the new mount, so open the target again. */
		close(fd);
		fd = wirt_open_in_root(root_fd, target, O_PATH | O_CLOEXEC, 0);
		if (fd < 0)
			return wirt_errorf(err, -fd, "open '%s' in guest", target);
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		if (wirt_bind_remount(fdpath, flags & ~MS_REC) < 0)
			return wirt_errorf(err, errno, "remount '%s' with its options", target);
	}
	return 0;
}

int wirt_symlink_in_root(int root_fd, const char *target, const char *path,
			   struct wirt_error *err)
{
	const char *base;
	_cleanup_close_ int dir = wirt_open_parent_in_root(root_fd, path, 0755, &base);

	if (dir < 0)
		return wirt_errorf(err, -dir, "open parent of '%s'", path);
	if (symlinkat(target, dir, base) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create symlink '%s'", path);
	return 0;
}

int wirt_pivot_root_fd(int root_fd, struct wirt_error *err)
{
	if (fchdir(root_fd) < 0)
		return wirt_errorf(err, errno, "enter root");
	if (wirt_sys_pivot_root(".", ".") < 0)
		return wirt_errorf(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return wirt_errorf(err, errno, "detach host root");
	if (chdir("/") < 0)
		return wirt_errorf(err, errno, "enter root");
	return 0;
}
