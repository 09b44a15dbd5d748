/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * File-tree helpers (see fsutil.h): opening paths inside a guest or template tree
 * without ever leaving it (openat2(RESOLVE_IN_ROOT) or a safe walk of our own), and
 * the host-side basics wirt needs for its own files: mkdir -p, an rm -rf that stops at
 * mount points, atomic writes, small reads.
 */
#include <errno.h>
#include <sys/file.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsutil.h"
#include "syscalls.h"
#include "util.h"

#ifndef STATX_ATTR_MOUNT_ROOT
#define STATX_ATTR_MOUNT_ROOT 0x00002000
#endif

/* Linux's own limit (MAXSYMLINKS): the fallback walk gives up where the kernel would. */
#define WALK_MAX_LINKS 40

/* ---- opening inside a tree ---------------------------------------------------------- */

static bool openat2_forced_off(void)
{
	const char *v = getenv("WIRT_FORCE_NO_OPENAT2");

	return v && strcmp(v, "1") == 0;
}

/* openat2 arrived in 5.6; seccomp profiles of some container hosts answer ENOSYS or
 * EPERM for it, and a kernel that knows the syscall but not a RESOLVE_ flag answers
 * EINVAL. One probe with a path that must work tells those apart from a caller's bad
 * flags, so a real EINVAL is never hidden by the fallback. */
static bool openat2_works(void)
{
	static int state; /* 0 unknown, 1 works, -1 unusable */
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (state == 0) {
		fd = wirt_sys_openat2(AT_FDCWD, "/", &how, sizeof(how));
		if (fd >= 0)
			close(fd);
		state = fd >= 0 ? 1 : -1;
	}
	return state > 0;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Replaces the path still to walk with "<target>/<rest>": how a symlink is expanded.
 * 'slash': the link's name was followed by a slash, which must survive ("x/" with x a
 * link to a file is ENOTDIR, as in open(2)). */
static int splice_link(char *buf, size_t size, const char *target, const char *rest, bool slash)
{
	char tmp[PATH_MAX];
	int n;

	n = snprintf(tmp, sizeof(tmp), "%s%s%s", target, slash ? "/" : "", rest);
	if (n < 0 || (size_t)n >= sizeof(tmp) || (size_t)n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, tmp, (size_t)n + 1);
	return 0;
}

/* Reads the symlink 'fd' (an O_PATH fd of the link itself) into 'target'. */
static int read_link_fd(int fd, char *target, size_t size)
{
	ssize_t n;

	n = readlinkat(fd, "", target, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	if (n == 0)
		return -ENOENT;
	target[n] = '\0';
	return 0;
}

/* Moves *cur one level up unless it is the tree's root: ".." never leaves the tree.
 * The walk only ever descends from the root, so the parent of any directory it holds
 * (other than the root) is inside the tree too. Unlike openat2, this cannot see a
 * directory being renamed out of the tree during the walk; such a rename needs write
 * access outside the tree, which a guest does not have. */
static int walk_up(int *cur, const struct stat *root_st)
{
	struct stat st;
	int fd;

	if (fstat(*cur, &st) < 0)
		return -errno;
	if (same_inode(&st, root_st))
		return 0;
	fd = openat(*cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(*cur);
	*cur = fd;
	return 0;
}

/* The fallback for kernels without openat2: one component at a time, each opened with
 * O_NOFOLLOW; symlinks are read and expanded here, absolute ones from the tree's root.
 * Links are only ever read as text, so a /proc "magic" link cannot jump anywhere. */
static int walk_open(int root_fd, const char *path, int flags, mode_t mode)
{
	_cleanup_close_ int cur = -1;
	struct stat root_st, st;
	char buf[PATH_MAX], target[PATH_MAX];
	unsigned links = 0;
	char *p = buf;
	int r;

	if (!*path)
		return -ENOENT;
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	if (fstat(root_fd, &root_st) < 0)
		return -errno;
	cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;

	for (;;) {
		char *name;
		bool last, follow;
		int fd;

		while (*p == '/')
			p++;
		if (!*p) {
			/* The path ended at a directory ("/", "a/.", "dir/"). */
			fd = openat(cur, ".", flags | O_CLOEXEC, mode);
			return fd < 0 ? -errno : fd;
		}
		name = p;
		/* A name followed by a slash, even a trailing one, must be a directory:
		 * only a name at the very end is opened with the caller's flags. */
		p = strchr(name, '/');
		last = !p;
		if (p)
			*p++ = '\0';
		else
			p = name + strlen(name);

		if (strcmp(name, ".") == 0)
			continue;
		if (strcmp(name, "..") == 0) {
			r = walk_up(&cur, &root_st);
			if (r < 0)
				return r;
			continue;
		}

		if (last) {
			follow = !(flags & O_NOFOLLOW);
			if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				if (errno != ENOENT || !(flags & O_CREAT))
					return -errno;
			} else if (S_ISLNK(st.st_mode) && follow && !(flags & O_EXCL)) {
				goto symlink;
			}
			/* O_NOFOLLOW: if a symlink appeared since fstatat, fail (ELOOP,
			 * ENOTDIR) rather than follow it. */
			fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			return fd < 0 ? -errno : fd;
		}

		fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* "new/" with O_CREAT: open(2) says EISDIR, it creates no file. */
			if (errno == ENOENT && (flags & O_CREAT) && !p[strspn(p, "/")])
				return -EISDIR;
			return -errno;
		}
		if (fstat(fd, &st) < 0) {
			r = -errno;
			close(fd);
			return r;
		}
		if (S_ISDIR(st.st_mode)) {
			close(cur);
			cur = fd;
			continue;
		}
		close(fd);
		if (!S_ISLNK(st.st_mode))
			return -ENOTDIR;
symlink:
		if (++links > WALK_MAX_LINKS)
			return -ELOOP;
		fd = openat(cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = read_link_fd(fd, target, sizeof(target));
		close(fd);
		if (r < 0)
			return r;
		/* 'p' points into buf; splice_link copies before it writes. */
		r = splice_link(buf, sizeof(buf), target, p, !last);
		if (r < 0)
			return r;
		p = buf;
		if (target[0] == '/') {
			close(cur);
			cur = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (cur < 0)
				return -errno;
		}
	}
}

int wirt_open_in_root(int root_fd, const char *path, int flags, mode_t mode)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		/* glibc's __O_TMPFILE includes O_DIRECTORY: test the whole of O_TMPFILE */
		.mode = ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) ? mode : 0,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	if (!openat2_forced_off() && openat2_works()) {
		/* RESOLVE_IN_ROOT answers EAGAIN when a rename or mount raced with a ".."
		 * in the path; trying again is what the kernel asks for. */
		for (int i = 0; i < 16; i++) {
			fd = wirt_sys_openat2(root_fd, path, &how, sizeof(how));
			if (fd >= 0 || errno != EAGAIN)
				break;
		}
		return fd < 0 ? -errno : fd;
	}
	return walk_open(root_fd, path, flags, mode);
}

int wirt_open_parent_in_root(int root_fd, const char *path, mode_t mode, const char **ret_base)
{
	char prefix[PATH_MAX];
	const char *base, *p;
	int parent = -1, fd;
	size_t len;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	if ((size_t)(base - path) >= sizeof(prefix))
		return -ENAMETOOLONG;

	/* Each prefix is resolved from the tree's root again, so a symlink among the
	 * parents is followed the way the guest would see it, never out of the tree. */
	parent = openat(root_fd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (parent < 0)
		return -errno;
	p = path;
	while (p < base) {
		const char *end = strchr(p, '/');

		len = (size_t)(end - p);
		memcpy(prefix, path, (size_t)(end - path));
		prefix[end - path] = '\0';
		if (len == 0 || (len == 1 && p[0] == '.')) {
			p = end + 1;
			continue;
		}
		fd = wirt_open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, 0);
		if (fd == -ENOENT) {
			char name[NAME_MAX + 1];

			if (len > NAME_MAX) {
				close(parent);
				return -ENAMETOOLONG;
			}
			memcpy(name, p, len);
			name[len] = '\0';
			/* mkdirat never follows a symlink in its last component. */
			if (mkdirat(parent, name, mode) < 0 && errno != EEXIST) {
				fd = -errno;
				close(parent);
				return fd;
			}
			fd = wirt_open_in_root(root_fd, prefix, O_PATH | O_DIRECTORY, 0);
		}
		close(parent);
		if (fd < 0)
			return fd;
		parent = fd;
		p = end + 1;
	}
	*ret_base = base;
	return parent;
}

static int write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int wirt_write_file_in_root(int root_fd, const char *path, const void *data, size_t len,
			    mode_t mode)
{
	_cleanup_close_ int parent = -1;
	_cleanup_close_ int fd = -1;
	const char *base;
	int r;

	parent = wirt_open_parent_in_root(root_fd, path, 0755, &base);
	if (parent < 0)
		return parent;
	fd = wirt_open_in_root(root_fd, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return fd;
	/* The umask must not decide a guest file's mode. */
	if (fchmod(fd, mode) < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r < 0)
		return r;
	if (close(TAKE_FD(fd)) < 0)
		return -errno;
	return 0;
}

/* ---- host paths --------------------------------------------------------------------- */

int wirt_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	struct stat st;
	char *p, c;

	if (!*path)
		return -EINVAL;
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (p = buf + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(buf, mode) < 0) {
			if (errno != EEXIST)
				return -errno;
			if (stat(buf, &st) < 0)
				return -errno;
			if (!S_ISDIR(st.st_mode))
				return -ENOTDIR;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

/* Stats 'name' in 'dir_fd' without following it and tells whether it is the root of a
 * mount: another st_dev than its parent's, or (Linux 5.8+) flagged by statx, which
 * also catches a bind mount from the same filesystem. */
static int stat_mount_at(int dir_fd, const char *name, dev_t parent_dev, mode_t *ret_mode,
			 bool *ret_mount)
{
	struct statx stx;

	if (statx(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT,
		  STATX_TYPE | STATX_MODE, &stx) < 0)
		return -errno;
	*ret_mode = stx.stx_mode;
	*ret_mount = makedev(stx.stx_dev_major, stx.stx_dev_minor) != parent_dev ||
		     ((stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
		      (stx.stx_attributes & STATX_ATTR_MOUNT_ROOT));
	return 0;
}

/* Walks the directory 'dir_fd' (which it closes); with 'remove' unset it only looks
 * for mount points, so rm_rf can refuse before it has removed anything. */
static int rm_tree_at(int dir_fd, dev_t dev, bool remove)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r = 0;

	d = fdopendir(dir_fd);
	if (!d) {
		r = -errno;
		close(dir_fd);
		return r;
	}
	while ((errno = 0, de = readdir(d))) {
		mode_t mode;
		bool mnt;
		int fd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		r = stat_mount_at(dirfd(d), de->d_name, dev, &mode, &mnt);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		/* Files can be mount points too (a bind-mounted resolv.conf). */
		if (mnt)
			return -EBUSY;
		if (!S_ISDIR(mode)) {
			if (remove && unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
				return -errno;
			continue;
		}
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		r = rm_tree_at(fd, dev, remove);
		if (r < 0)
			return r;
		if (remove && unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT)
			return -errno;
	}
	if (errno)
		return -errno;
	return 0;
}

int wirt_rm_rf(const char *path)
{
	char parent[PATH_MAX];
	struct stat st, pst;
	mode_t mode;
	bool mnt;
	int fd, r;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;

	/* Never empty a mounted directory: a vServer's rootfs still mounted there. */
	if (snprintf(parent, sizeof(parent), "%s/..", path) >= (int)sizeof(parent))
		return -ENAMETOOLONG;
	if (stat(parent, &pst) < 0)
		return -errno;
	r = stat_mount_at(AT_FDCWD, path, pst.st_dev, &mode, &mnt);
	if (r < 0)
		return r;
	if (mnt)
		return -EBUSY;

	/* First pass only looks: a mount anywhere below means nothing is removed. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = rm_tree_at(fd, st.st_dev, false);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = rm_tree_at(fd, st.st_dev, true);
	if (r < 0)
		return r;
	if (rmdir(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

ssize_t wirt_read_file(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = -1;
	size_t len = 0;
	char extra;

	if (size == 0)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	while (len < size - 1) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	/* A file that does not fit is an error, not a silently cut value. */
	if (len == size - 1 && read(fd, &extra, 1) > 0)
		return -EFBIG;
	return (ssize_t)len;
}

static int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			      bool durable);

int wirt_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_file_replace(path, data, len, mode, true);
}

int wirt_write_file_replace(const char *path, const void *data, size_t len, mode_t mode)
{
	return write_file_replace(path, data, len, mode, false);
}

static int write_file_replace(const char *path, const void *data, size_t len, mode_t mode,
			      bool durable)
{
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int dir_fd = -1;
	char tmp[PATH_MAX], dir[PATH_MAX];
	const char *slash, *base;
	int r;

	slash = strrchr(path, '/');
	if (slash)
		r = snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		r = snprintf(dir, sizeof(dir), ".");
	if (r < 0 || (size_t)r >= sizeof(dir))
		return -ENAMETOOLONG;
	if (!dir[0])
		strcpy(dir, "/");
	/* ".<name>.XXXXXX", or ".tmp.XXXXXX" where that would pass NAME_MAX */
	base = slash ? slash + 1 : path;
	if (strlen(base) + 8 > NAME_MAX)
		base = "tmp";
	r = snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, base);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	/* fsync before rename: after a crash the name points at old or new data, never
	 * at an empty file. */
	if (r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	if (!durable)
		return 0;
	dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd >= 0)
		fsync(dir_fd);
	return 0;
}

int wirt_write_string(const char *path, const char *s)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(s);
	ssize_t n;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* One write(): cgroup and /proc knobs take a value per write call. */
	n = write(fd, s, len);
	if (n < 0)
		return -errno;
	if ((size_t)n != len)
		return -EIO;
	if (close(TAKE_FD(fd)) < 0)
		return -errno;
	return 0;
}

int wirt_lock_file(const char *path, struct wirt_error *err)
{
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return wirt_errorf(err, errno, "open lock '%s'", path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int r = wirt_errorf(err, errno, "lock '%s'", path);
			close(fd);
			return r;
		}
	}
	return fd;
}
