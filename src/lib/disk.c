/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A vServer's own disk, an ext4 image on a loop device: see disk.h. */
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/loop.h>

#include "disk.h"
#include "guest.h"
#include "tool.h"
#include "util.h"

int wirt_disk_create(const char *path, uint64_t size, uid_t owner, struct wirt_error *err)
{
	char out[WIRT_TOOL_OUTPUT_MAX], opts[128], blocks[32];
	_cleanup_close_ int fd = -1;
	int r;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return wirt_errorf(err, errno, "create '%s'", path);
	if (ftruncate(fd, (off_t)size) < 0) {
		r = wirt_errorf(err, errno, "size '%s'", path);
		unlink(path);
		return r;
	}
	close(TAKE_FD(fd));
	/* 4K blocks: the loop device does direct I/O in 4K sectors, and a filesystem block
	 * may not be smaller than a sector. -m 0: no blocks reserved for root (guest root is not root of this filesystem's
	 * host, and the limit is the customer's whole size); lazy init: a 100 GiB image
	 * is made in a moment and stays sparse. */
	snprintf(opts, sizeof(opts), "root_owner=%u:%u,lazy_itable_init=1,lazy_journal_init=1,"
				     "nodiscard", (unsigned)owner, (unsigned)owner);
	snprintf(blocks, sizeof(blocks), "%lluk", (unsigned long long)(size >> 10));
	r = wirt_tool_run((char *const[]){ "mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", "-i", "32768", "-E", opts, "-L",
				      "wirt-disk", (char *)path, blocks, NULL },
		     out, sizeof(out));
	if (r != 0) {
		unlink(path);
		return wirt_errorf(err, r < 0 ? -r : EIO, "make filesystem in '%s'%s%s", path,
				   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
	}
	return 0;
}

/* An exclusive flock on the image's open file: the loop device keeps that very file
 * (LOOP_CONFIGURE takes it) until it is detached, after the last unmount, so the lock
 * lasts exactly as long as the image is in use and one image is never mounted twice
 * (ext4 would not survive that). A guest that just stopped may take a moment to let
 * go: wait up to five seconds. */
static int lock_image(int fd, const char *path, struct wirt_error *err)
{
	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; waited += 50) {
		if (errno != EWOULDBLOCK || waited >= 5000)
			return errno == EWOULDBLOCK
				       ? wirt_error_plain(err, EBUSY, "disk '%s' is in use", path)
				       : wirt_errorf(err, errno, "lock disk '%s'", path);
		usleep(50 * 1000);
	}
	return 0;
}

int wirt_disk_mount(const char *path, const char *mnt, struct wirt_error *err)
{
	/* Direct I/O to the image: the guest's data is cached once (in its own ext4), not
	 * twice (and the image's pages would be charged to nobody's cgroup); blocks of 4K
	 * as the pool's filesystem wants them for O_DIRECT. */
	struct loop_config cfg = { .block_size = 4096,
				   .info = { .lo_flags = LO_FLAGS_AUTOCLEAR | LO_FLAGS_DIRECT_IO } };
	_cleanup_close_ int ctl = -1, img = -1, loop = -1;
	char dev[32];
	int nr, r;

	img = open(path, O_RDWR | O_CLOEXEC);
	if (img < 0)
		return wirt_errorf(err, errno, "open disk '%s'", path);
	r = lock_image(img, path, err);
	if (r < 0)
		return r;
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return wirt_errorf(err, errno, "open '/dev/loop-control'");
	/* Another start may take the same free device between the two calls: EBUSY, then
	 * ask again. */
	for (int tries = 0;; tries++) {
		nr = ioctl(ctl, LOOP_CTL_GET_FREE);
		if (nr < 0)
			return wirt_errorf(err, errno, "find a free loop device");
		snprintf(dev, sizeof(dev), "/dev/loop%d", nr);
		loop = open(dev, O_RDWR | O_CLOEXEC);
		if (loop < 0)
			return wirt_errorf(err, errno, "open '%s'", dev);
		cfg.fd = (unsigned)img;
		if (ioctl(loop, LOOP_CONFIGURE, &cfg) == 0)
			break;
		if (errno == EINVAL && (cfg.info.lo_flags & LO_FLAGS_DIRECT_IO)) {
			/* a pool filesystem without O_DIRECT (tmpfs): buffered then */
			cfg.info.lo_flags &= ~(uint32_t)LO_FLAGS_DIRECT_IO;
			cfg.block_size = 0;
			close(TAKE_FD(loop));
			continue;
		}
		if (errno != EBUSY || tries >= 20)
			return wirt_errorf(err, errno, "attach '%s' to '%s'", path, dev);
		close(TAKE_FD(loop));
	}
	if (mount(dev, mnt, "ext4", MS_NODEV | MS_NOSUID, "discard") < 0) {
		int e = errno;
		ioctl(loop, LOOP_CLR_FD, 0);
		return wirt_errorf(err, e, "mount disk '%s' on '%s'", path, mnt);
	}
	/* The mount holds the device now; with AUTOCLEAR it goes when the mount does. */
	return 0;
}

int wirt_disk_resize(const char *path, uint64_t size, struct wirt_error *err)
{
	char out[WIRT_TOOL_OUTPUT_MAX], blocks[32];
	_cleanup_close_ int lock = -1;
	struct stat st;
	int r;

	if (stat(path, &st) < 0)
		return wirt_errorf(err, errno, "disk '%s'", path);
	/* Not while a loop device still has it (a guest that has only just stopped). */
	lock = open(path, O_RDONLY | O_CLOEXEC);
	if (lock < 0)
		return wirt_errorf(err, errno, "open disk '%s'", path);
	r = lock_image(lock, path, err);
	if (r < 0)
		return r;
	r = wirt_tool_run((char *const[]){ "e2fsck", "-f", "-p", (char *)path, NULL }, out, sizeof(out));
	/* 0: clean, 1: errors fixed; anything else needs a person. */
	if (r != 0 && r != 1)
		return wirt_errorf(err, r < 0 ? -r : EIO, "check disk '%s'%s%s", path,
				   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
	if (size > (uint64_t)st.st_size && truncate(path, (off_t)size) < 0)
		return wirt_errorf(err, errno, "grow '%s'", path);
	snprintf(blocks, sizeof(blocks), "%lluK", (unsigned long long)(size >> 10));
	r = wirt_tool_run((char *const[]){ "resize2fs", (char *)path, blocks, NULL }, out, sizeof(out));
	if (r != 0) {
		if (size > (uint64_t)st.st_size)
			(void)!truncate(path, st.st_size); /* back as it was */
		if (r > 0 && (strstr(out, "smaller than minimum") || strstr(out, "No space left")))
			return wirt_error_plain(err, ENOSPC, "shrink disk to %llu bytes: the data "
							     "does not fit (%s)",
						(unsigned long long)size, wirt_tool_last_line(out));
		return wirt_errorf(err, r < 0 ? -r : EIO, "resize disk '%s'%s%s", path,
				   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
	}
	if (size < (uint64_t)st.st_size && truncate(path, (off_t)size) < 0)
		return wirt_errorf(err, errno, "shrink '%s'", path);
	return 0;
}

int wirt_disk_usage(const char *path, uint64_t *ret_used, uint64_t *ret_size,
		    struct wirt_error *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return wirt_errorf(err, errno, "disk '%s'", path);
	*ret_used = (uint64_t)st.st_blocks * 512;
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

int wirt_disk_run_mounted(const char *image, const char *mnt,
			  int (*fn)(void *ctx, struct wirt_error *err), void *ctx,
			  struct wirt_error *err)
{
	struct wirt_msg msg = { .type = WIRT_MSG_ERROR };
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]), close(pipefd[1]);
		return wirt_errorf(err, errno, "fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (image && (unshare(CLONE_NEWNS) < 0 ||
			      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0))
			wirt_errorf(&msg.err, errno, "private mount namespace");
		else if ((!image || wirt_disk_mount(image, mnt, &msg.err) == 0) &&
			 fn(ctx, &msg.err) == 0)
			_exit(0);
		(void)wirt_msg_send(pipefd[1], &msg);
		_exit(1);
	}
	close(pipefd[1]);
	memset(err, 0, sizeof(*err));
	if (wirt_msg_recv(pipefd[0], &msg) == 1)
		*err = msg.err;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (!err->code)
			wirt_error_plain(err, EIO, "child %s", WIFSIGNALED(status) ?
					 strsignal(WTERMSIG(status)) : "failed");
		return -err->code;
	}
	return 0;
}
