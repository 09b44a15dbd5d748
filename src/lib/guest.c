/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's namespaces, root filesystem and PID 1: stage 1 and stage 2 of a start,
 * see guest.h. Runs only in forked children: no heap allocation, every failure is sent
 * to the supervisor as a message and ends the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "disk.h"
#include "fsutil.h"
#include "guest.h"
#include "netaddr.h"
#include "init.h"
#include "lxcfs.h"
#include "mount.h"
#include "security.h"
#include "syscalls.h"
#include "tls-guest.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int wirt_msg_send(int fd, const struct wirt_msg *msg)
{
	const char *p = (const char *)msg;
	size_t left = sizeof(*msg);

	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		left -= (size_t)n;
	}
	return 0;
}

int wirt_msg_recv(int fd, struct wirt_msg *msg)
{
	char *p = (char *)msg;
	size_t got = 0;

	while (got < sizeof(*msg)) {
		ssize_t n = read(fd, p + got, sizeof(*msg) - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return got == 0 ? 0 : -EPIPE;
		got += (size_t)n;
	}
	return 1;
}

int wirt_send_fd(int sock, const void *data, size_t len, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

int wirt_msg_send_fd(int sock, const struct wirt_msg *msg, int fd)
{
	return wirt_send_fd(sock, msg, sizeof(*msg), fd);
}

int wirt_msg_recv_fd(int sock, struct wirt_msg *msg, int *ret_fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;

	*ret_fd = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			memcpy(ret_fd, CMSG_DATA(cm), sizeof(int));
	}
	if ((size_t)n != sizeof(*msg)) {
		if (*ret_fd >= 0)
			close(*ret_fd);
		*ret_fd = -1;
		return -EBADMSG;
	}
	return 1;
}

_Noreturn static void fail(const struct wirt_guest_args *args, struct wirt_error *err)
{
	struct wirt_msg msg = { .type = WIRT_MSG_ERROR, .err = *err };

	(void)wirt_msg_send(args->report_fd, &msg);
	_exit(1);
}

/* ---- stage 1: host-side mounts, then the vServer's namespaces ---------------------- */

/* The template, shifted so its host ids 0..65535 appear as the vServer's own range:
 * one tree on disk serves every vServer, whatever its range (Linux 5.12+). */
static int mount_template_idmapped(const struct wirt_guest_args *args, struct wirt_error *err)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV,
		.userns_fd = (unsigned long long)args->userns_fd,
	};
	_cleanup_close_ int fd = -1;

	fd = wirt_sys_open_tree(AT_FDCWD, args->template_rootfs, OPEN_TREE_CLONE | O_CLOEXEC);
	if (fd < 0)
		return wirt_errorf(err, errno, "open template tree '%s'", args->template_rootfs);
	if (wirt_sys_mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0)
		return wirt_errorf(err, errno, "idmap template '%s' (needs Linux 5.12+)",
				   args->template_rootfs);
	if (wirt_sys_move_mount(fd, "", AT_FDCWD, args->lower, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return wirt_errorf(err, errno, "mount template on '%s'", args->lower);
	return 0;
}

/* The vServer's own disk (disk.h), in this private mount namespace like the rest: the
 * writable layer's directories are made in it at the first start, upper owned by
 * guest root as the pool's would be. */
static int mount_disk(const struct wirt_guest_args *args, struct wirt_error *err)
{
	int r;

	if (!args->disk_image[0])
		return 0;
	r = wirt_disk_mount(args->disk_image, args->disk_mnt, err);
	if (r < 0)
		return r;
	if (mkdir(args->upper, 0755) == 0) {
		if (chown(args->upper, args->spec.id_base, args->spec.id_base) < 0)
			return wirt_errorf(err, errno, "set owner of '%s'", args->upper);
	} else if (errno != EEXIST) {
		return wirt_errorf(err, errno, "create '%s'", args->upper);
	}
	if (mkdir(args->work, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", args->work);
	return 0;
}

static int mount_overlay_root(const struct wirt_guest_args *args, struct wirt_error *err)
{
	char opts[3 * PATH_MAX + 64];

	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s", args->lower, args->upper,
		 args->work);
	if (mount("overlay", args->rootfs, "overlay", MS_NODEV, opts) < 0)
		return wirt_errorf(err, errno, "mount overlay on '%s'", args->rootfs);
	return 0;
}

/* The certificates of the vServer's domains at /etc/wirt/tls: a tmpfs of host root,
 * filled from <vserver>/tls (tls-guest.h). Mounted here, before the user namespace,
 * so the guest cannot unmount it. */
static int mount_tls(const struct wirt_guest_args *args, struct wirt_error *err)
{
	char dir[PATH_MAX], *slash;
	struct stat st;
	int root_fd, fd, r;

	snprintf(dir, sizeof(dir), "%s", args->rootfs);
	slash = strrchr(dir, '/');
	if (!slash || (size_t)(slash - dir) + 5 > sizeof(dir))
		return wirt_errorf(err, ENAMETOOLONG, "tls dir of '%s'", args->rootfs);
	strcpy(slash + 1, "tls");
	root_fd = open(args->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return wirt_errorf(err, errno, "open '%s'", args->rootfs);
	r = wirt_mount_in_root(root_fd, "tmpfs", WIRT_TLS_GUEST_DIR, "tmpfs",
			       MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=4m", true, err);
	/* /etc/wirt, if made just now, is the guest root's as the rest of its /etc */
	fd = r == 0 ? wirt_open_in_root(root_fd, "/etc/wirt", O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0)
		    : -1;
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == 0 &&
	    fchown(fd, args->spec.id_base, args->spec.id_base) < 0)
		r = wirt_errorf(err, errno, "set owner of /etc/wirt");
	if (fd >= 0)
		close(fd);
	if (r == 0) {
		fd = wirt_open_in_root(root_fd, WIRT_TLS_GUEST_DIR,
				       O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
		if (fd < 0)
			r = wirt_errorf(err, -fd, "open %s", WIRT_TLS_GUEST_DIR);
		else
			r = wirt_tls_guest_fill(dir, fd, args->spec.id_base, err);
		if (fd >= 0)
			close(fd);
	}
	close(root_fd);
	return r;
}

/* Become root of the vServer's user namespace. setns() keeps our host uid (which has
 * no mapping there), so set the ids explicitly. */
static int enter_userns(const struct wirt_guest_args *args, struct wirt_error *err)
{
	if (setns(args->userns_fd, CLONE_NEWUSER) < 0)
		return wirt_errorf(err, errno, "enter user namespace");
	if (setgroups(0, NULL) < 0)
		return wirt_errorf(err, errno, "clear supplementary groups");
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
		return wirt_errorf(err, errno, "become root of the user namespace");
	return 0;
}

_Noreturn static void stage2(struct wirt_guest_args *args);

_Noreturn void wirt_guest_stage1(struct wirt_guest_args *args)
{
	struct wirt_error err = { 0 };
	struct wirt_msg msg = { .type = WIRT_MSG_PID };
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The supervisor blocks and ignores signals for itself; masks and ignored signals
	 * survive exec, and the guest's init must start as after a boot. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (wirt_cgroup_attach(&args->cg, 0, &err) < 0)
		fail(args, &err);
	if (unshare(CLONE_NEWNS) < 0) {
		wirt_errorf(&err, errno, "create mount namespace");
		fail(args, &err);
	}
	/* Nothing we mount may propagate back to the host's mount table. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		wirt_errorf(&err, errno, "make mounts private");
		fail(args, &err);
	}
	if (mount_template_idmapped(args, &err) < 0 || mount_disk(args, &err) < 0 ||
	    mount_overlay_root(args, &err) < 0 || mount_tls(args, &err) < 0)
		fail(args, &err);
	/* Stage 2 reaches its root through the working directory (which unshare() moves
	 * into the new mount namespace): as guest root it may not be allowed to walk the
	 * path from '/', e.g. through a root dir of mode 0700. */
	if (chdir(args->rootfs) < 0) {
		wirt_errorf(&err, errno, "enter '%s'", args->rootfs);
		fail(args, &err);
	}
	if (enter_userns(args, &err) < 0)
		fail(args, &err);
	close(args->userns_fd);
	/* Created after entering the user namespace, so that it owns them all: guest root
	 * may then set its hostname, configure its network and mount inside. */
	if (unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP |
		    CLONE_NEWPID) < 0) {
		wirt_errorf(&err, errno, "create namespaces");
		fail(args, &err);
	}
	/* CLONE_PARENT: PID 1 becomes the supervisor's child, which reaps it and reads its
	 * exit status; this process is only a stepping stone. */
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		wirt_errorf(&err, errno, "create PID 1");
		fail(args, &err);
	}
	if (pid == 0)
		stage2(args);
	msg.pid = pid; /* stage 2 cannot know its own host pid */
	(void)wirt_msg_send(args->report_fd, &msg);
	_exit(0);
}

/* ---- stage 2: PID 1 inside ---------------------------------------------------------- */

#define NOSUID_NODEV_NOEXEC (MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The device nodes a system needs, bound from the host's (a user namespace may not
 * mknod): harmless character devices only. */
static const char *const guest_devices[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty",
};

static int setup_dev(const struct wirt_guest_args *args, int root_fd, struct wirt_error *err)
{
	int r;

	r = wirt_mount_in_root(root_fd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
			  "mode=755,size=65536k", true, err);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(guest_devices); i++)
		r = wirt_mount_in_root(root_fd, guest_devices[i], guest_devices[i], NULL,
				  MS_BIND | MS_NOSUID | MS_NOEXEC, NULL, false, err);
	if (r == 0)
		r = wirt_mount_in_root(root_fd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
				  "newinstance,ptmxmode=0666,mode=0620,gid=5", true, err);
	if (r == 0)
		r = wirt_symlink_in_root(root_fd, "pts/ptmx", "/dev/ptmx", err);
	if (r == 0)
		r = wirt_mount_in_root(root_fd, args->console, "/dev/console", NULL,
				  MS_BIND | MS_NOSUID | MS_NOEXEC, NULL, false, err);
	if (r == 0)
		r = wirt_mount_in_root(root_fd, "shm", "/dev/shm", "tmpfs", NOSUID_NODEV_NOEXEC,
				  "mode=1777,size=65536k", true, err);
	if (r == 0)
		r = wirt_mount_in_root(root_fd, "mqueue", "/dev/mqueue", "mqueue", NOSUID_NODEV_NOEXEC,
				  NULL, true, err);
	if (r == 0)
		r = wirt_symlink_in_root(root_fd, "/proc/self/fd", "/dev/fd", err);
	if (r == 0)
		r = wirt_symlink_in_root(root_fd, "/proc/self/fd/0", "/dev/stdin", err);
	if (r == 0)
		r = wirt_symlink_in_root(root_fd, "/proc/self/fd/1", "/dev/stdout", err);
	if (r == 0)
		r = wirt_symlink_in_root(root_fd, "/proc/self/fd/2", "/dev/stderr", err);
	return r;
}

/* /proc entries that reveal or change host-global state: hidden behind /dev/null (files)
 * or an empty read-only tmpfs (directories), or made read-only. */
static const char *const masked_files[] = {
	"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug",
	"/proc/latency_stats", "/proc/timer_stats",
};
static const char *const masked_dirs[] = { "/proc/acpi", "/proc/scsi", "/sys/firmware" };
static const char *const readonly_paths[] = {
	"/proc/sys", "/proc/sysrq-trigger", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/asound",
};

static int mask_proc(int root_fd, struct wirt_error *err)
{
	int r = 0;
	int fd;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(masked_files); i++) {
		fd = wirt_open_in_root(root_fd, masked_files[i], O_PATH | O_CLOEXEC, 0);
		if (fd == -ENOENT)
			continue;
		close(fd);
		r = wirt_mount_in_root(root_fd, "/dev/null", masked_files[i], NULL, MS_BIND, NULL,
				  false, err);
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(masked_dirs); i++) {
		fd = wirt_open_in_root(root_fd, masked_dirs[i], O_PATH | O_CLOEXEC, 0);
		if (fd == -ENOENT)
			continue;
		close(fd);
		r = wirt_mount_in_root(root_fd, "tmpfs", masked_dirs[i], "tmpfs",
				  MS_RDONLY | NOSUID_NODEV_NOEXEC, "size=0", true, err);
	}
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(readonly_paths); i++) {
		fd = wirt_open_in_root(root_fd, readonly_paths[i], O_PATH | O_CLOEXEC, 0);
		if (fd == -ENOENT)
			continue;
		close(fd);
		/* NULL source: the guest's own entry, bound onto itself. */
		r = wirt_mount_in_root(root_fd, NULL, readonly_paths[i], NULL,
				  MS_BIND | MS_REC | MS_RDONLY | NOSUID_NODEV_NOEXEC, NULL, true,
				  err);
	}
	return r;
}

/* The guest's own cgroup subtree (its cgroup namespace makes the vServer's cgroup the
 * root of what it sees): cgroup2 on a v2 host; on a v1 host a tmpfs with each
 * hierarchy, the named "systemd" one included, and the unified one where systemd
 * looks for it, so that systemd can boot in the guest. */
static int setup_cgroupfs(const struct wirt_guest_args *args, int root_fd, struct wirt_error *err)
{
	const char *const *h;
	char target[64], opts[64];
	int r;

	if (args->cg.mode == WIRT_CGROUP_V2)
		return wirt_mount_in_root(root_fd, "cgroup2", "/sys/fs/cgroup", "cgroup2",
				     NOSUID_NODEV_NOEXEC, "nsdelegate", true, err);
	r = wirt_mount_in_root(root_fd, "cgroup", "/sys/fs/cgroup", "tmpfs", NOSUID_NODEV_NOEXEC,
			  "mode=755,size=64k", true, err);
	for (h = wirt_cgroup_v1_hierarchies(); r == 0 && *h; h++) {
		if (strcmp(*h, "unified") == 0)
			continue; /* below, whether or not the host has one */
		snprintf(target, sizeof(target), "/sys/fs/cgroup/%s", *h);
		if (strcmp(*h, "systemd") == 0)
			snprintf(opts, sizeof(opts), "none,name=systemd");
		else
			snprintf(opts, sizeof(opts), "%s", *h);
		r = wirt_mount_in_root(root_fd, "cgroup", target, "cgroup", NOSUID_NODEV_NOEXEC, opts,
				  true, err);
	}
	if (r == 0)
		r = wirt_mount_in_root(root_fd, "cgroup2", "/sys/fs/cgroup/unified", "cgroup2",
				  NOSUID_NODEV_NOEXEC, NULL, true, err);
	return r;
}

static int setup_mounts(const struct wirt_guest_args *args, int root_fd, struct wirt_error *err)
{
	int r;

	r = wirt_mount_in_root(root_fd, "proc", "/proc", "proc", NOSUID_NODEV_NOEXEC, NULL, true, err);
	if (r == 0)
		r = wirt_mount_in_root(root_fd, "sysfs", "/sys", "sysfs",
				  MS_RDONLY | NOSUID_NODEV_NOEXEC, NULL, true, err);
	if (r == 0)
		r = setup_cgroupfs(args, root_fd, err);
	if (r == 0)
		r = setup_dev(args, root_fd, err);
	if (r == 0)
		r = mask_proc(root_fd, err);
	if (r == 0)
		r = wirt_lxcfs_mount(root_fd, err);
	if (r == 0)
		r = wirt_mount_in_root(root_fd, "tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
				  "mode=755,size=65536k", true, err);
	return r;
}

/* A fresh network namespace has its loopback down; every guest expects it up. */
static int loopback_up(struct wirt_error *err)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	_cleanup_close_ int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return wirt_errorf(err, errno, "create socket");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		return wirt_errorf(err, errno, "read flags of 'lo'");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		return wirt_errorf(err, errno, "bring up 'lo'");
	return 0;
}

static int open_console(struct wirt_error *err)
{
	int fd;

	if (setsid() < 0)
		return wirt_errorf(err, errno, "create session");
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '/dev/console'");
	if (ioctl(fd, TIOCSCTTY, 0) < 0) {
		close(fd);
		return wirt_errorf(err, errno, "make '/dev/console' the controlling terminal");
	}
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
		close(fd);
		return wirt_errorf(err, errno, "attach console");
	}
	if (fd > 2)
		close(fd);
	return 0;
}

int wirt_guest_stop_signal_for(const char *init_path)
{
	if (strstr(init_path, "systemd"))
		return SIGRTMIN + 4;
	if (strstr(init_path, "busybox"))
		return SIGUSR2;
	return SIGPWR;
}

static char *const init_env[] = {
	"container=wirt",
	"TERM=linux",
	"HOME=/root",
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	NULL,
};

/* ---- the guest's network files ---- */

/* Keeps the lines of 'old' that wirt did not write (those end in "# wirt"). */
static size_t keep_foreign_lines(const char *old, size_t len, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = old; p < old + len;) {
		const char *nl = memchr(p, '\n', (size_t)(old + len - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(old + len - p);
		bool ours = l >= 6 && memcmp(p + l - 6, "# wirt", 6) == 0;

		if (!ours && n + l + 1 < size) {
			memcpy(out + n, p, l);
			out[n + l] = '\n';
			n += l + 1;
		}
		p += l + 1;
	}
	return n;
}

/* Writes a guest file only when its text changes: most boots change nothing, and
 * neither a copy-up nor an fsync then slows the start. */
static void write_if_changed(const char *path, const char *text, size_t n)
{
	char old[12288];
	ssize_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);

	if (fd >= 0) {
		len = read(fd, old, sizeof(old));
		close(fd);
		if (len == (ssize_t)n && memcmp(old, text, n) == 0)
			return;
	}
	(void)wirt_write_file_atomic(path, text, n, 0644);
}

/* /etc/hostname, /etc/hosts (its own lines kept, wirt's marked "# wirt") and, when the
 * config names nameservers, /etc/resolv.conf: written by guest root in the guest's own
 * root, so a symlink there leads nowhere but into the guest. A guest without a
 * writable /etc simply keeps what it has. */
static void write_network_files(const struct wirt_spec *spec)
{
	char old[8192], text[12288], a[WIRT_NETADDR_TEXT_MAX];
	const char *h = spec->hostname;
	size_t n = 0;
	ssize_t len;
	int fd;

	n = (size_t)snprintf(text, sizeof(text), "%s\n", h);
	write_if_changed("/etc/hostname", text, n);

	fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	len = fd >= 0 ? read(fd, old, sizeof(old)) : 0;
	if (fd >= 0)
		close(fd);
	n = len > 0 && (size_t)len < sizeof(old) ? keep_foreign_lines(old, (size_t)len, text, 8192)
						  : 0;
	if (!strstr(text, "localhost") || n == 0) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "127.0.0.1\tlocalhost # wirt\n"
								  "::1\tlocalhost ip6-localhost ip6-loopback # wirt\n");
	}
	for (unsigned i = 0; i < spec->net.n_addrs && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s\t%s # wirt\n",
				      wirt_netaddr_str(&spec->net.addrs[i], a), h);
	if (n < sizeof(text))
		write_if_changed("/etc/hosts", text, n);

	if (!spec->net.n_resolvers)
		return;
	n = (size_t)snprintf(text, sizeof(text), "# written by wirt from the vServer's config "
						 "([network] resolver)\n");
	for (unsigned i = 0; i < spec->net.n_resolvers; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "nameserver %s\n",
				      wirt_netaddr_str(&spec->net.resolvers[i], a));
	write_if_changed("/etc/resolv.conf", text, n);
}

/* Stage 2's last wait: the supervisor brings the network up (its veth needs this
 * namespace to exist) and says go. EOF means the start failed. */
static int wait_network(const struct wirt_guest_args *args, struct wirt_error *err)
{
	struct wirt_msg msg;
	int r = wirt_msg_recv(args->report_fd, &msg);

	if (r == 1 && msg.type == WIRT_MSG_GO)
		return 0;
	return wirt_errorf(err, r < 0 ? -r : EPIPE, "wait for the network");
}

_Noreturn static void stage2(struct wirt_guest_args *args)
{
	struct wirt_error err = { 0 };
	struct wirt_msg msg = { .type = WIRT_MSG_STOP_SIGNAL };
	char init_real[PATH_MAX];
	int root_fd, listener;
	bool has_init;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (sethostname(args->spec.hostname, strlen(args->spec.hostname)) < 0) {
		wirt_errorf(&err, errno, "set hostname '%s'", args->spec.hostname);
		fail(args, &err);
	}
	if (loopback_up(&err) < 0)
		fail(args, &err);
	/* Our own bind of the root: the overlay came from a more privileged mount namespace,
	 * and such mounts are locked, which pivot_root refuses. */
	if (mount(".", ".", NULL, MS_BIND | MS_REC, NULL) < 0) {
		wirt_errorf(&err, errno, "bind root '%s'", args->rootfs);
		fail(args, &err);
	}
	/* "." still names the overlay below the new bind; "../rootfs" crosses into it. */
	root_fd = open("../rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		wirt_errorf(&err, errno, "open root '%s'", args->rootfs);
		fail(args, &err);
	}
	if (setup_mounts(args, root_fd, &err) < 0 || wirt_pivot_root_fd(root_fd, &err) < 0)
		fail(args, &err);
	close(root_fd);

	/* From here on "/" is the guest's own root: paths resolve inside it. */
	write_network_files(&args->spec);
	has_init = realpath("/sbin/init", init_real) != NULL && access(init_real, X_OK) == 0;
	if (!has_init && access("/bin/sh", X_OK) < 0) {
		wirt_errorf(&err, errno, "find '/sbin/init' or '/bin/sh' in the guest");
		fail(args, &err);
	}
	msg.value = args->spec.stop_signal;
	if (!msg.value)
		msg.value = has_init ? wirt_guest_stop_signal_for(init_real) : SIGTERM;
	(void)wirt_msg_send(args->report_fd, &msg);

	if (open_console(&err) < 0 || wirt_caps_apply(&err) < 0)
		fail(args, &err);
	/* No host file descriptor crosses into the guest: only the report pipe is open
	 * above 2 here, and it is close-on-exec like everything else. */
	if (syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
		wirt_errorf(&err, errno, "close descriptors");
		fail(args, &err);
	}
	if (wirt_seccomp_apply(&listener, &err) < 0)
		fail(args, &err);
	/* The supervisor answers the guest's sysinfo(2) calls; no copy stays here. */
	msg.type = WIRT_MSG_SYSINFO;
	if (wirt_msg_send_fd(args->report_fd, &msg, listener) < 0) {
		wirt_errorf(&err, errno, "pass the sysinfo listener");
		fail(args, &err);
	}
	close(listener);
	if (wait_network(args, &err) < 0)
		fail(args, &err);
	/* Set up, the guest no longer depends on its supervisor: if that dies, the
	 * customer's services keep running and `stop` cleans up (see vserver.c). */
	prctl(PR_SET_PDEATHSIG, 0);
	if (!has_init) {
		/* wirt's init: the report pipe closes as it would on exec. */
		close(args->report_fd);
		wirt_init_run(init_env);
	}
	execve("/sbin/init", (char *const[]){ "/sbin/init", NULL }, init_env);
	wirt_errorf(&err, errno, "exec '/sbin/init'");
	fail(args, &err);
}
