/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Snapshots of a vServer's writable layer: see snapshot.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "fsutil.h"
#include "paths.h"
#include "snapshot.h"
#include "tool.h"
#include "util.h"
#include "validate.h"
#include "vserver.h"

const char *wirt_snapshot_layer(const struct wirt_spec *spec)
{
	return spec->disk ? "disk.img" : "upper";
}

static int snapshot_dir(char *buf, const char *root, const char *name, const char *snap)
{
	char dir[PATH_MAX];

	wirt_vserver_file(dir, root, name, "snapshots");
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, snap ? snap : "") >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int wirt_snapshot_freeze(const char *root, const char *name, pid_t init, struct wirt_cgroup *cg,
			   struct wirt_error *err)
{
	char p[64];
	int fd, r;

	wirt_cgroup_init(cg, root, name);
	r = wirt_cgroup_freeze(cg, true, err);
	if (r < 0)
		return wirt_error_prefix(err, "freeze");
	snprintf(p, sizeof(p), "/proc/%d/root/", (int)init);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0) {
		r = wirt_errorf(err, errno, "sync the vServer's filesystem");
		if (fd >= 0)
			close(fd);
		(void)wirt_cgroup_freeze(cg, false, &(struct wirt_error){ 0 });
		return r;
	}
	close(fd);
	return 0;
}

int wirt_snapshot_copy(const char *root, const struct wirt_spec *spec, const char *dir,
		       struct wirt_error *err)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct wirt_status st;
	struct wirt_cgroup cg;
	bool frozen = false;
	int r;

	r = wirt_vserver_status(root, spec->name, &st, err);
	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0)
		return wirt_errorf(err, errno, "create '%s'", dir);
	if (st.state != WIRT_STATE_STOPPED && st.guest_alive) {
		r = wirt_snapshot_freeze(root, spec->name, st.run.init, &cg, err);
		frozen = r == 0;
	}
	if (r == 0) {
		wirt_vserver_file(from, root, spec->name, wirt_snapshot_layer(spec));
		snprintf(to, sizeof(to), "%s/%s", dir, wirt_snapshot_layer(spec));
		r = wirt_tool_copy(from, to, err);
	}
	if (frozen)
		(void)wirt_cgroup_freeze(&cg, false, &(struct wirt_error){ 0 });
	if (r == 0) {
		wirt_vserver_file(from, root, spec->name, "config");
		snprintf(to, sizeof(to), "%s/config", dir);
		r = wirt_tool_copy(from, to, err);
	}
	if (r < 0)
		(void)wirt_rm_rf(dir);
	return r;
}

int wirt_snapshot_create(const char *root, const char *name, const char *snap, char *ret_name,
			 struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	char auto_name[32], dir[PATH_MAX], tmp[PATH_MAX];
	struct wirt_spec spec;
	int r;

	if (!snap) {
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(auto_name, sizeof(auto_name), "%Y%m%d-%H%M%S", &tm);
		snap = auto_name;
	}
	r = wirt_name_validate("snapshot", snap, err);
	if (r < 0)
		return r;
	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	lock = wirt_vserver_lock(root, name, err);
	if (lock < 0)
		return lock;
	snapshot_dir(dir, root, name, NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", dir);
	snapshot_dir(dir, root, name, snap);
	if (access(dir, F_OK) == 0)
		return wirt_error_plain(err, EEXIST, "snapshot '%s' exists", snap);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%d", dir, (int)getpid());
	r = wirt_snapshot_copy(root, &spec, tmp, err);
	if (r == 0 && rename(tmp, dir) < 0) {
		r = wirt_errorf(err, errno, "rename '%s'", tmp);
		(void)wirt_rm_rf(tmp);
	}
	if (r < 0)
		return r;
	snprintf(ret_name, WIRT_NAME_MAX + 1, "%s", snap);
	return 0;
}

static uint64_t tree_bytes;

static int add_bytes(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)flag, (void)ftw;
	tree_bytes += (uint64_t)st->st_blocks * 512;
	return 0;
}

static int by_created(const void *a, const void *b)
{
	const struct wirt_snapshot *x = a, *y = b;

	return x->created < y->created ? -1 : x->created > y->created ? 1 : strcmp(x->name, y->name);
}

int wirt_snapshot_list(const char *root, const char *name, struct wirt_snapshot **ret,
		       size_t *ret_n, struct wirt_error *err)
{
	char dir[PATH_MAX], p[PATH_MAX];
	struct wirt_snapshot *v = NULL;
	struct wirt_spec spec;
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	snapshot_dir(dir, root, name, NULL);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : wirt_errorf(err, errno, "read '%s'", dir);
	while ((de = readdir(d))) {
		struct wirt_snapshot *nv;
		struct stat st;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp-") ||
		    strlen(de->d_name) > WIRT_NAME_MAX)
			continue;
		snprintf(p, sizeof(p), "%s/%s/config", dir, de->d_name);
		if (stat(p, &st) < 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			closedir(d);
			free(v);
			return wirt_errorf(err, ENOMEM, "list snapshots");
		}
		v = nv;
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].created = st.st_mtime;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		tree_bytes = 0;
		nftw(p, add_bytes, 16, FTW_PHYS);
		v[n].bytes = tree_bytes;
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), by_created);
	*ret = v;
	*ret_n = n;
	return 0;
}

int wirt_snapshot_restore(const char *root, const char *name, const char *snap,
			  struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	char dir[PATH_MAX], from[PATH_MAX], to[PATH_MAX], old[PATH_MAX], path[PATH_MAX];
	struct wirt_spec spec, snap_spec;
	struct wirt_status st;
	int r;

	r = wirt_name_validate("snapshot", snap, err);
	if (r < 0)
		return r;
	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	lock = wirt_vserver_lock(root, name, err);
	if (lock < 0)
		return lock;
	r = wirt_vserver_status(root, name, &st, err);
	if (r < 0)
		return r;
	if (st.state != WIRT_STATE_STOPPED)
		return wirt_error_plain(err, EBUSY, "is %s: restore needs it stopped",
					wirt_state_name(st.state));
	snapshot_dir(dir, root, name, snap);
	snprintf(path, sizeof(path), "%s/config", dir);
	if (access(path, F_OK) < 0)
		return wirt_error_plain(err, ENOENT, "no snapshot '%s'", snap);
	r = wirt_config_load(path, &snap_spec, err);
	if (r < 0)
		return wirt_error_prefix(err, "snapshot '%s'", snap);
	if (!snap_spec.disk != !spec.disk)
		return wirt_error_plain(err, EINVAL, "snapshot '%s' was taken %s a disk of its own",
					snap, snap_spec.disk ? "with" : "without");
	/* A copy next to the layer, then swapped in: a failure leaves the vServer as it was. */
	snprintf(from, sizeof(from), "%s/%s", dir, wirt_snapshot_layer(&spec));
	wirt_vserver_file(path, root, name, wirt_snapshot_layer(&spec));
	snprintf(to, sizeof(to), "%s.restore", path);
	snprintf(old, sizeof(old), "%s.old", path);
	(void)wirt_rm_rf(to);
	(void)wirt_rm_rf(old);
	r = wirt_tool_copy(from, to, err);
	if (r == 0 && rename(path, old) < 0)
		r = wirt_errorf(err, errno, "move '%s' aside", path);
	if (r == 0 && rename(to, path) < 0) {
		r = wirt_errorf(err, errno, "put '%s' in place", to);
		(void)!rename(old, path);
	}
	if (r < 0) {
		(void)wirt_rm_rf(to);
		return r;
	}
	(void)wirt_rm_rf(old);
	if (!spec.disk) {
		/* overlayfs's work dir belongs to the upper dir it was used with */
		wirt_vserver_file(path, root, name, "work");
		(void)wirt_rm_rf(path);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return wirt_errorf(err, errno, "create '%s'", path);
	} else if (snap_spec.disk != spec.disk) {
		/* the image is the snapshot's size again */
		spec.disk = snap_spec.disk;
		r = wirt_config_save(wirt_vserver_file(path, root, name, "config"), &spec, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int wirt_snapshot_delete(const char *root, const char *name, const char *snap,
			 struct wirt_error *err)
{
	char dir[PATH_MAX];
	struct wirt_spec spec;
	int r;

	r = wirt_name_validate("snapshot", snap, err);
	if (r < 0)
		return r;
	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	snapshot_dir(dir, root, name, snap);
	if (access(dir, F_OK) < 0)
		return wirt_error_plain(err, ENOENT, "no snapshot '%s'", snap);
	r = wirt_rm_rf(dir);
	if (r < 0)
		return wirt_errorf(err, -r, "remove '%s'", dir);
	return 0;
}
