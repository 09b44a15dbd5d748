/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Changing a running vServer's view of its certificates: see tls-guest.h. Apart from
 * tls-guest.c, whose filling at start is linked into the static supervisor. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "fsutil.h"
#include "tls-guest.h"
#include "vserver.h"

/* The running guest's tmpfs, opened inside its root; -ENOENT when it does not run. */
static int open_guest_dir(const char *root, const char *name, struct wirt_error *err)
{
	struct wirt_status st;
	struct statfs sfs;
	struct stat sb;
	char proc[64];
	int root_fd, fd;

	if (wirt_vserver_status(root, name, &st, err) < 0)
		return -err->code;
	if (st.state == WIRT_STATE_STOPPED || !st.guest_alive)
		return -ENOENT;
	snprintf(proc, sizeof(proc), "/proc/%d/root", (int)st.run.init);
	root_fd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		return wirt_errorf(err, errno, "open '%s'", proc);
	fd = wirt_open_in_root(root_fd, WIRT_TLS_GUEST_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	close(root_fd);
	if (fd < 0)
		return wirt_errorf(err, -fd, "open %s in vServer '%s'", WIRT_TLS_GUEST_DIR, name);
	/* ours, not something the guest put there: the tmpfs of host root */
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != TMPFS_MAGIC || fstat(fd, &sb) < 0 ||
	    sb.st_uid != 0) {
		close(fd);
		return wirt_error_plain(err, EPERM, "%s in vServer '%s' is not wirt's",
					WIRT_TLS_GUEST_DIR, name);
	}
	return fd;
}

int wirt_tls_guest_put(const char *root, const char *name, const char *base, const char *cert,
		       size_t cert_len, const char *key, size_t key_len, gid_t gid,
		       struct wirt_error *err)
{
	int fd = open_guest_dir(root, name, err), r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	r = wirt_tls_guest_put_at(fd, base, cert, cert_len, key, key_len, gid, err);
	close(fd);
	return r;
}

int wirt_tls_guest_remove(const char *root, const char *name, const char *base,
			  struct wirt_error *err)
{
	int fd = open_guest_dir(root, name, err), sub;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	sub = openat(fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub >= 0) {
		unlinkat(sub, "fullchain.pem", 0);
		unlinkat(sub, "privkey.pem", 0);
		close(sub);
		unlinkat(fd, base, AT_REMOVEDIR);
	}
	close(fd);
	return 0;
}
