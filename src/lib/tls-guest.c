/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A vServer's view of its certificates: see tls-guest.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "tls-guest.h"
#include "util.h"

/* 'name' in 'dir_fd', written whole and renamed into place (a reader sees the old file
 * or the new one). Host root's, with 'gid' and 'mode'. */
static int write_at(int dir_fd, const char *name, const char *data, size_t len, mode_t mode,
		    gid_t gid, struct wirt_error *err)
{
	char tmp[64];
	int fd, r = 0;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
	unlinkat(dir_fd, tmp, 0);
	fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return wirt_errorf(err, errno, "write %s", name);
	if (write(fd, data, len) != (ssize_t)len || fchown(fd, 0, gid) < 0 || fchmod(fd, mode) < 0)
		r = wirt_errorf(err, errno, "write %s", name);
	close(fd);
	if (r == 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
		r = wirt_errorf(err, errno, "rename %s", name);
	if (r < 0)
		unlinkat(dir_fd, tmp, 0);
	return r;
}

int wirt_tls_guest_put_at(int dir_fd, const char *base, const char *cert, size_t cert_len,
		  const char *key, size_t key_len, gid_t gid, struct wirt_error *err)
{
	int sub, r;

	if (mkdirat(dir_fd, base, 0755) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create %s/%s", WIRT_TLS_GUEST_DIR, base);
	sub = openat(dir_fd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sub < 0)
		return wirt_errorf(err, errno, "open %s/%s", WIRT_TLS_GUEST_DIR, base);
	r = write_at(sub, "fullchain.pem", cert, cert_len, 0644, 0, err);
	if (r == 0)
		r = write_at(sub, "privkey.pem", key, key_len, 0640, gid, err);
	close(sub);
	return r;
}

int wirt_tls_guest_fill(const char *host_dir, int dir_fd, gid_t gid, struct wirt_error *err)
{
	_cleanup_closedir_ DIR *d = opendir(host_dir);
	_cleanup_free_ char *cert = malloc(65536), *key = malloc(16384);
	struct dirent *de;
	int r = 0;

	if (!d)
		return errno == ENOENT ? 0 : wirt_errorf(err, errno, "open '%s'", host_dir);
	if (!cert || !key)
		return wirt_errorf(err, ENOMEM, "copy certificates");
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		ssize_t cn, kn;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/fullchain.pem", host_dir, de->d_name);
		cn = wirt_read_file(path, cert, 65536);
		snprintf(path, sizeof(path), "%s/%s/privkey.pem", host_dir, de->d_name);
		kn = wirt_read_file(path, key, 16384);
		if (cn < 0 || kn < 0)
			continue; /* half written by a renewal that failed: the next one mends it */
		r = wirt_tls_guest_put_at(dir_fd, de->d_name, cert, (size_t)cn, key, (size_t)kn, gid, err);
	}
	return r;
}
