/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container's filesystem: see rootfs.h. Runs in the container's init only. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fsutil.h"
#include "mount.h"
#include "rootfs.h"
#include "syscalls.h"
#include "util.h"

#define MOUNT_FLAGS_NO_PROPAGATION (~(unsigned long)(MS_SHARED | MS_SLAVE | MS_PRIVATE | MS_UNBINDABLE))

/* An O_PATH fd of 'path' inside the rootfs, or -errno. */
static int open_target(int root_fd, const char *path)
{
	return wirt_open_in_root(root_fd, path, O_PATH | O_CLOEXEC, 0);
}

static void fd_path(int fd, char *buf, size_t size)
{
	snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* tmpcopyup: what the rootfs has at the mount point is copied into the new tmpfs. */
static int copy_tree(int from, int to, int depth, struct wirt_error *err)
{
	DIR *d;
	struct dirent *de;
	int r = 0, dup_fd = openat(from, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dup_fd < 0 || depth > 32)
		return dup_fd < 0 ? wirt_errorf(err, errno, "tmpcopyup: open") : 0;
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return wirt_errorf(err, errno, "tmpcopyup: read dir");
	}
	while (r == 0 && (de = readdir(d))) {
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int a, b;

			if (mkdirat(to, de->d_name, st.st_mode & 07777) < 0 && errno != EEXIST) {
				r = wirt_errorf(err, errno, "tmpcopyup: mkdir '%s'", de->d_name);
				break;
			}
			a = openat(from, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			b = openat(to, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (a >= 0 && b >= 0)
				r = copy_tree(a, b, depth + 1, err);
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlinkat(from, de->d_name, target, sizeof(target) - 1);

			if (n < 0)
				continue;
			target[n] = '\0';
			if (symlinkat(target, to, de->d_name) < 0 && errno != EEXIST)
				r = wirt_errorf(err, errno, "tmpcopyup: symlink '%s'", de->d_name);
		} else if (S_ISREG(st.st_mode)) {
			char buf[65536];
			ssize_t n;
			int a = openat(from, de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			int b = openat(to, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				       st.st_mode & 07777);

			while (a >= 0 && b >= 0 && (n = read(a, buf, sizeof(buf))) > 0) {
				if (write(b, buf, (size_t)n) != n) {
					r = wirt_errorf(err, errno, "tmpcopyup: write '%s'", de->d_name);
					break;
				}
			}
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else {
			continue; /* devices, fifos, sockets: as runc, not copied */
		}
		if (r == 0 && fchownat(to, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0 &&
		    errno != EINVAL)
			r = wirt_errorf(err, errno, "tmpcopyup: chown '%s'", de->d_name);
	}
	closedir(d);
	return r;
}

/* v1: a tmpfs with each hierarchy, bound from the container's own cgroup on the host
 * (or, in a cgroup namespace of its own, mounted: the namespace shows its root). v2:
 * cgroup2 in its own namespace, else the container's cgroup bound. As runc does. */
static int mount_cgroup(const struct oci_rootfs *r, int root_fd, const struct wirt_oci_mount *m,
			struct wirt_error *err)
{
	unsigned long flags = (m->flags & ~(unsigned long)MS_REC) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	char src[PATH_MAX], target[PATH_MAX], opts[64];
	const char *const *h;
	int ret;

	if (r->cg->mode == WIRT_CGROUP_V2) {
		if (r->cgroupns)
			return wirt_mount_in_root(root_fd, "cgroup2", m->destination, "cgroup2", flags,
						  NULL, true, err);
		return wirt_mount_in_root(root_fd, wirt_cgroup_path(r->cg, NULL, src),
					  m->destination, NULL, MS_BIND | MS_REC | flags, NULL,
					  true, err);
	}
	ret = wirt_mount_in_root(root_fd, "tmpfs", m->destination, "tmpfs",
				 (flags & ~(unsigned long)MS_RDONLY), "mode=755,size=64k", true, err);
	for (h = wirt_cgroup_v1_hierarchies(); ret == 0 && *h; h++) {
		snprintf(target, sizeof(target), "%s/%s", m->destination, *h);
		if (r->cgroupns && strcmp(*h, "unified") != 0) {
			snprintf(opts, sizeof(opts), strcmp(*h, "systemd") == 0 ? "none,name=%s" : "%s",
				 *h);
			ret = wirt_mount_in_root(root_fd, "cgroup", target, "cgroup", flags, opts,
						 true, err);
		} else if (r->cgroupns) {
			ret = wirt_mount_in_root(root_fd, "cgroup2", target, "cgroup2", flags, NULL,
						 true, err);
		} else {
			ret = wirt_mount_in_root(root_fd, wirt_cgroup_path(r->cg, *h, src), target,
						 NULL, MS_BIND | flags, NULL, true, err);
		}
	}
	/* cpu,cpuacct and net_cls,net_prio: the links a v1 host has, so paths work. */
	if (ret == 0) {
		static const char *const links[][2] = {
			{ "cpu,cpuacct", "cpu" }, { "cpuacct", "cpu,cpuacct" }, { "cpu", "cpu,cpuacct" },
		};
		for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
			int fd;

			snprintf(target, sizeof(target), "%s/%s", m->destination, links[i][1]);
			fd = open_target(root_fd, target);
			if (fd < 0)
				continue;
			close(fd);
			snprintf(target, sizeof(target), "%s/%s", m->destination, links[i][0]);
			fd = open_target(root_fd, target);
			if (fd >= 0) {
				close(fd);
				continue;
			}
			(void)wirt_symlink_in_root(root_fd, links[i][1], target, err);
		}
	}
	if (ret == 0 && (m->flags & MS_RDONLY)) {
		int fd = open_target(root_fd, m->destination);

		if (fd < 0)
			return wirt_errorf(err, -fd, "open '%s'", m->destination);
		fd_path(fd, src, sizeof(src));
		if (wirt_bind_remount(src, flags) < 0 &&
		    mount(NULL, src, NULL, MS_REMOUNT | flags, "mode=755,size=64k") < 0)
			ret = wirt_errorf(err, errno, "make '%s' read-only", m->destination);
		close(fd);
	}
	return ret;
}

static int apply_attrs(int root_fd, const struct wirt_oci_mount *m, struct wirt_error *err)
{
	_cleanup_close_ int fd = open_target(root_fd, m->destination);
	char p[64];

	if (fd < 0)
		return wirt_errorf(err, -fd, "open '%s'", m->destination);
	fd_path(fd, p, sizeof(p));
	if (m->propagation && mount(NULL, p, NULL, m->propagation, NULL) < 0)
		return wirt_errorf(err, errno, "set propagation of '%s'", m->destination);
	if (m->rattr_set || m->rattr_clr) {
		struct mount_attr a = { .attr_set = m->rattr_set, .attr_clr = m->rattr_clr };

		/* The atime modes are one field: clearing it first is how one is set. */
		if (a.attr_set & MOUNT_ATTR__ATIME)
			a.attr_clr |= MOUNT_ATTR__ATIME;
		if (wirt_sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
			return wirt_errorf(err, errno, "set recursive options of '%s'",
					   m->destination);
	}
	return 0;
}

static int mount_one(const struct oci_rootfs *r, int root_fd, size_t index,
		     struct wirt_error *err)
{
	const struct wirt_oci_mount *m = &r->spec->mounts[index];
	unsigned long flags = m->flags & MOUNT_FLAGS_NO_PROPAGATION;
	int ret;

	if (r->mount_fds && r->mount_fds[index] >= 0) {
		/* Made by the runtime (container.c: idmapped, or a bind mount of a user
		 * namespace's container): attached here. */
		struct stat st;

		/* The tree's own root says file or directory: no path of the host's to walk
		 * (a root in a user namespace may not). */
		ret = fstat(r->mount_fds[index], &st) < 0 ? -errno : 0;
		if (ret == 0)
			ret = wirt_mount_fd_in_root(root_fd, r->mount_fds[index], m->destination,
						    S_ISDIR(st.st_mode), err);
		else
			wirt_errorf(err, -ret, "bind mount source '%s'", m->source);
	} else if (m->type && strcmp(m->type, "cgroup") == 0 && !(flags & MS_BIND)) {
		ret = mount_cgroup(r, root_fd, m, err);
	} else if (flags & MS_BIND) {
		struct stat st;

		if (stat(m->source, &st) < 0)
			return wirt_errorf(err, errno, "bind mount source '%s'", m->source);
		ret = wirt_mount_in_root(root_fd, m->source, m->destination, NULL, flags, NULL,
					 S_ISDIR(st.st_mode), err);
	} else {
		_cleanup_close_ int below = -1;
		const char *type = m->type ? m->type : "none";

		if (m->tmpcopyup)
			below = wirt_open_in_root(root_fd, m->destination,
						  O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
		ret = wirt_mount_in_root(root_fd, m->source ? m->source : type, m->destination,
					 type, flags, m->data, true, err);
		if (ret == -EPERM && strcmp(type, "sysfs") == 0 && r->userns) {
			/* A user namespace without its own network namespace may not mount
			 * sysfs: the host's, bound read-only, as runc does. */
			ret = wirt_mount_in_root(root_fd, "/sys", m->destination, NULL,
						 MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV |
							 MS_NOEXEC,
						 NULL, true, err);
		}
		if (ret == 0 && below >= 0) {
			_cleanup_close_ int top = wirt_open_in_root(root_fd, m->destination,
								    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
			if (top < 0)
				return wirt_errorf(err, -top, "open '%s'", m->destination);
			ret = copy_tree(below, top, 0, err);
		}
	}
	if (ret == 0)
		ret = apply_attrs(root_fd, m, err);
	if (ret < 0)
		return wirt_error_prefix(err, "mount '%s'", m->destination);
	return 0;
}

/* ---- /dev ---- */

struct dev_node {
	const char *path;
	unsigned major, minor;
};

static const struct dev_node default_devices[] = {
	{ "/dev/null", 1, 3 },	  { "/dev/zero", 1, 5 }, { "/dev/full", 1, 7 },
	{ "/dev/random", 1, 8 }, { "/dev/urandom", 1, 9 }, { "/dev/tty", 5, 0 },
};

/* A device node: made with mknod, or in a user namespace (which may not) the host's
 * node bound onto an empty file, as runc does. */
static int make_device(const struct oci_rootfs *r, int root_fd, const char *path, char type,
		       unsigned major, unsigned minor, mode_t mode, uid_t uid, gid_t gid,
		       struct wirt_error *err)
{
	_cleanup_close_ int dir = -1;
	const char *base;
	mode_t kind = type == 'b' ? S_IFBLK : type == 'p' ? S_IFIFO : S_IFCHR;

	if (r->userns && type != 'p') {
		/* The host's node of the same path, as runc binds it. */
		struct stat st;

		if (stat(path, &st) < 0 || major(st.st_rdev) != major || minor(st.st_rdev) != minor)
			return wirt_error_invalid(err, "device '%s' (%u:%u): in a user namespace it "
						       "is bound from the host's '%s', which is not "
						       "that device", path, major, minor, path);
		return wirt_mount_in_root(root_fd, path, path, NULL, MS_BIND, NULL, false, err);
	}
	dir = wirt_open_parent_in_root(root_fd, path, 0755, &base);
	if (dir < 0)
		return wirt_errorf(err, -dir, "create parent of '%s'", path);
	(void)unlinkat(dir, base, 0);
	if (mknodat(dir, base, kind | (mode & 07777), makedev(major, minor)) < 0)
		return wirt_errorf(err, errno, "create device '%s'", path);
	if (fchmodat(dir, base, mode & 07777, 0) < 0 ||
	    fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return wirt_errorf(err, errno, "set owner and mode of '%s'", path);
	return 0;
}

static bool dev_is_bound_from_host(const struct wirt_oci_spec *s)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (strcmp(s->mounts[i].destination, "/dev") == 0)
			return (s->mounts[i].flags & MS_BIND) != 0;
	}
	return false;
}

static int setup_dev(const struct oci_rootfs *r, int root_fd, struct wirt_error *err)
{
	const struct wirt_oci_spec *s = r->spec;
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },	    { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	};
	int ret = 0;

	if (dev_is_bound_from_host(s))
		return 0;
	for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(default_devices); i++) {
		bool listed = false;

		for (size_t k = 0; k < s->n_devices; k++)
			listed |= strcmp(s->devices[k].path, default_devices[i].path) == 0;
		if (!listed)
			ret = make_device(r, root_fd, default_devices[i].path, 'c',
					  default_devices[i].major, default_devices[i].minor, 0666, 0,
					  0, err);
	}
	for (size_t i = 0; ret == 0 && i < s->n_devices; i++) {
		const struct wirt_oci_device *d = &s->devices[i];

		ret = make_device(r, root_fd, d->path, d->type == 'u' ? 'c' : d->type,
				  d->major < 0 ? 0 : (unsigned)d->major,
				  d->minor < 0 ? 0 : (unsigned)d->minor,
				  d->has_mode ? d->file_mode : 0666, d->has_uid ? d->uid : 0,
				  d->has_gid ? d->gid : 0, err);
	}
	for (size_t i = 0; ret == 0 && i < ARRAY_SIZE(links); i++)
		ret = wirt_symlink_in_root(root_fd, links[i][0], links[i][1], err);
	if (ret == 0) {
		int fd = open_target(root_fd, "/dev/ptmx");

		if (fd >= 0)
			close(fd); /* a node or link of the config's own */
		else
			ret = wirt_symlink_in_root(root_fd, "pts/ptmx", "/dev/ptmx", err);
	}
	return ret;
}

int oci_rootfs_prepare(const struct oci_rootfs *r, int *ret_root_fd, struct wirt_error *err)
{
	const struct wirt_oci_spec *s = r->spec;
	unsigned long prop = MS_SLAVE | MS_REC;
	int root_fd, ret = 0;

	*ret_root_fd = -1;
	if (s->rootfs_propagation && wirt_oci_propagation_flags(s->rootfs_propagation, &prop) < 0)
		return wirt_error_invalid(err, "linux.rootfsPropagation: unknown '%s'",
					  s->rootfs_propagation);
	/* Nothing mounted here may reach the host: slave (the default) lets the host's
	 * mounts in, never ours out. A shared rootfs is made shared below, on its own. */
	if (mount(NULL, "/", NULL, (prop & MS_SHARED) ? MS_SLAVE | MS_REC : prop, NULL) < 0)
		return wirt_errorf(err, errno, "set propagation of '/'");
	/* pivot_root needs the root to be a mount point: the runtime's copy of the rootfs
	 * tree goes onto the rootfs itself, reached as the working directory (which the
	 * first child entered before the mount namespace was made), so a root in a user
	 * namespace needs no way through the host's directories. */
	if (wirt_sys_move_mount(r->root_tree, "", AT_FDCWD, r->rootfs_is_cwd ? "." : r->rootfs,
				MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return wirt_errorf(err, errno, "mount rootfs '%s'", r->rootfs);
	root_fd = r->root_tree; /* now the root of the mount just attached */
	if (prop & MS_SHARED) {
		char p[64];

		fd_path(root_fd, p, sizeof(p));
		if (mount(NULL, p, NULL, prop, NULL) < 0)
			return wirt_errorf(err, errno, "make rootfs '%s' shared", r->rootfs);
	}
	for (size_t i = 0; ret == 0 && i < s->n_mounts; i++)
		ret = mount_one(r, root_fd, i, err);
	if (ret == 0)
		ret = setup_dev(r, root_fd, err);
	if (ret < 0)
		return ret;
	*ret_root_fd = root_fd;
	return 0;
}

int oci_rootfs_enter(int root_fd, bool no_pivot, struct wirt_error *err)
{
	if (!no_pivot)
		return wirt_pivot_root_fd(root_fd, err);
	/* --no-pivot (a ramfs root, where pivot_root does not work): move and chroot. */
	if (fchdir(root_fd) < 0)
		return wirt_errorf(err, errno, "enter rootfs");
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return wirt_errorf(err, errno, "move rootfs to '/'");
	if (chroot(".") < 0 || chdir("/") < 0)
		return wirt_errorf(err, errno, "chroot into rootfs");
	return 0;
}

static int mask_paths(const struct wirt_oci_spec *s, int root_fd, struct wirt_error *err)
{
	int ret = 0;

	for (size_t i = 0; ret == 0 && i < s->masked_paths.n; i++) {
		const char *p = s->masked_paths.v[i];
		struct stat st;
		int fd = open_target(root_fd, p);

		if (fd < 0)
			continue; /* nothing there to mask */
		ret = fstat(fd, &st) < 0 ? -errno : 0;
		close(fd);
		if (ret < 0)
			return wirt_errorf(err, -ret, "mask '%s'", p);
		if (S_ISDIR(st.st_mode))
			ret = wirt_mount_in_root(root_fd, "tmpfs", p, "tmpfs", MS_RDONLY, NULL, true,
						 err);
		else
			ret = wirt_mount_in_root(root_fd, "/dev/null", p, NULL, MS_BIND, NULL, false,
						 err);
	}
	for (size_t i = 0; ret == 0 && i < s->readonly_paths.n; i++) {
		const char *p = s->readonly_paths.v[i];
		int fd = open_target(root_fd, p);

		if (fd < 0)
			continue;
		close(fd);
		ret = wirt_mount_in_root(root_fd, NULL, p, NULL,
					 MS_BIND | MS_REC | MS_RDONLY | MS_NOSUID | MS_NODEV |
						 MS_NOEXEC,
					 NULL, true, err);
	}
	return ret;
}

/* Whether the config gives the container a namespace of 'type' other than ours: a
 * new one, or a path that is not the namespace this runtime is in. */
static bool own_namespace(const struct wirt_oci_spec *s, enum wirt_oci_ns type, const char *name)
{
	for (size_t i = 0; i < s->n_namespaces; i++) {
		struct stat a, b;
		char self[64];

		if (s->namespaces[i].type != type)
			continue;
		if (!s->namespaces[i].path)
			return true;
		snprintf(self, sizeof(self), "/proc/self/ns/%s", name);
		if (stat(s->namespaces[i].path, &a) < 0 || stat(self, &b) < 0)
			return false;
		return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
	}
	return false;
}

int oci_sysctl_check(const struct wirt_oci_spec *s, struct wirt_error *err)
{
	static const char *const ipc[] = {
		"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
		"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
	};

	for (size_t i = 0; i < s->sysctl.n; i++) {
		const char *k = s->sysctl.keys[i];
		bool is_ipc = strncmp(k, "fs.mqueue.", 10) == 0;

		for (size_t j = 0; j < ARRAY_SIZE(ipc); j++)
			is_ipc |= strcmp(k, ipc[j]) == 0;
		if (strchr(k, '/') || strstr(k, ".."))
			return wirt_error_invalid(err, "linux.sysctl[\"%s\"]: not a sysctl name", k);
		if (is_ipc && own_namespace(s, WIRT_OCI_NS_IPC, "ipc"))
			continue;
		if (strncmp(k, "net.", 4) == 0 && own_namespace(s, WIRT_OCI_NS_NETWORK, "net"))
			continue;
		if ((strcmp(k, "kernel.hostname") == 0 || strcmp(k, "kernel.domainname") == 0) &&
		    own_namespace(s, WIRT_OCI_NS_UTS, "uts"))
			continue;
		return wirt_error_invalid(err, "linux.sysctl[\"%s\"]: not in a namespace the "
					       "container has of its own: it would change the host's",
					  k);
	}
	return 0;
}

static int write_sysctls(const struct wirt_oci_spec *s, struct wirt_error *err)
{
	for (size_t i = 0; i < s->sysctl.n; i++) {
		char path[PATH_MAX];
		size_t n = (size_t)snprintf(path, sizeof(path), "/proc/sys/%s", s->sysctl.keys[i]);
		int r;

		if (n >= sizeof(path))
			return wirt_error_invalid(err, "sysctl '%s': name too long", s->sysctl.keys[i]);
		for (char *c = path + 10; *c; c++)
			if (*c == '.')
				*c = '/';
		r = wirt_write_string(path, s->sysctl.values[i]);
		if (r < 0)
			return wirt_errorf(err, -r, "set sysctl '%s' to '%s'", s->sysctl.keys[i],
					   s->sysctl.values[i]);
	}
	return 0;
}

int oci_rootfs_finish(const struct oci_rootfs *r, struct wirt_error *err)
{
	_cleanup_close_ int root_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int ret;

	if (root_fd < 0)
		return wirt_errorf(err, errno, "open '/'");
	/* Sysctls first: /proc/sys is among the read-only paths. */
	ret = write_sysctls(r->spec, err);
	if (ret == 0)
		ret = mask_paths(r->spec, root_fd, err);
	if (ret == 0 && r->spec->root_readonly && wirt_bind_remount("/", MS_RDONLY) < 0)
		ret = wirt_errorf(err, errno, "make the root read-only");
	return ret;
}
