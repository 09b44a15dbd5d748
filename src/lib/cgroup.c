/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgroup v1 and v2 backends: see cgroup.h. The v1 backend keeps one directory per
 * controller hierarchy; the v2 backend one directory with the controllers enabled in
 * the parent's cgroup.subtree_control. This file owns the cgroup's life (create,
 * attach, kill, destroy) and the helpers the backends share; resource knobs and stats
 * are in cgroup-v1.c and cgroup-v2.c, each with its knob -> file table.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "cgroup.h"
#include "fsutil.h"
#include "paths.h"
#include "util.h"

/* v1 hierarchies a vServer joins. "systemd" is the named hierarchy systemd guests
 * expect, "unified" the cgroup2 one of a hybrid host, where systemd puts its own
 * scopes; cpuset needs cpus/mems copied from the parent before a task may join. */
static const char *const v1_controllers[] = {
	"cpu", "cpuacct", "cpuset", "memory", "pids", "devices", "freezer", "blkio", "systemd",
	"unified",
};

/* What delegation hands over (see the kernel's cgroup-v2.rst, "Delegation
 * Containment"): the directory, and the files that move processes. */
static const char *const v1_delegated[] = { "", "cgroup.procs", "tasks", "cgroup.clone_children",
					    "notify_on_release" };
static const char *const v2_delegated[] = { "", "cgroup.procs", "cgroup.subtree_control",
					    "cgroup.threads" };

const char *wirt_cgroup_root(void)
{
	const char *r = getenv("WIRT_CGROUP_ROOT");
	return r && *r ? r : "/sys/fs/cgroup";
}

enum wirt_cgroup_mode wirt_cgroup_detect(void)
{
	const char *mode = getenv("WIRT_CGROUP_MODE");
	struct statfs fs;

	if (mode && strcmp(mode, "v1") == 0)
		return WIRT_CGROUP_V1;
	if (mode && strcmp(mode, "v2") == 0)
		return WIRT_CGROUP_V2;
	if (statfs(wirt_cgroup_root(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		return WIRT_CGROUP_V2;
	return WIRT_CGROUP_V1;
}

void wirt_cgroup_init(struct wirt_cgroup *cg, const char *root, const char *name)
{
	uint32_t tag;

	cg->mode = wirt_cgroup_detect();
	if (!wirt_root_tag(root, &tag))
		snprintf(cg->rel, sizeof(cg->rel), "wirt/%s", name);
	else
		snprintf(cg->rel, sizeof(cg->rel), "wirt-%08x/%s", tag, name);
	cg->io_stats = true;
	cg->fresh = false;
}

char *wirt_cgroup_path(const struct wirt_cgroup *cg, const char *controller, char *buf)
{
	if (cg->mode == WIRT_CGROUP_V2 || !controller)
		snprintf(buf, PATH_MAX, "%s/%s", wirt_cgroup_root(), cg->rel);
	else
		snprintf(buf, PATH_MAX, "%s/%s/%s", wirt_cgroup_root(), controller, cg->rel);
	return buf;
}

void wirt_cgroup_parent(const char *path, char *buf)
{
	char *slash;

	snprintf(buf, PATH_MAX, "%s", path);
	slash = strrchr(buf, '/');
	if (slash)
		*slash = '\0';
}

static bool hierarchy_exists_now(const char *controller)
{
	char p[PATH_MAX];
	struct stat st;

	struct statfs sf;

	snprintf(p, sizeof(p), "%s/%s", wirt_cgroup_root(), controller);
	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		return false;
	/* A directory where nothing is mounted (an unmounted cgroup2 of a hybrid host)
	 * is no hierarchy. A fake tree for tests ($WIRT_CGROUP_ROOT) is plain dirs. */
	if (getenv("WIRT_CGROUP_ROOT") || statfs(p, &sf) < 0)
		return true;
	return sf.f_type == CGROUP_SUPER_MAGIC || sf.f_type == CGROUP2_SUPER_MAGIC;
}

/* The host's hierarchies do not change while a command runs: asked once each. */
static bool hierarchy_exists(const char *controller)
{
	static struct {
		const char *name;
		signed char known; /* -1 = not asked yet */
	} cache[16];
	static char root[PATH_MAX];
	static size_t n;

	if (strcmp(root, wirt_cgroup_root()) != 0) {
		/* Another tree ($WIRT_CGROUP_ROOT changed: the unit tests do that). */
		snprintf(root, sizeof(root), "%s", wirt_cgroup_root());
		n = 0;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(cache[i].name, controller) == 0)
			return cache[i].known;
	if (n == ARRAY_SIZE(cache))
		return hierarchy_exists_now(controller);
	cache[n].name = controller;
	cache[n].known = (signed char)hierarchy_exists_now(controller);
	return cache[n++].known;
}

/* cpuset.cpus and cpuset.mems start empty in a new v1 cpuset cgroup, and a cgroup with
 * empty ones refuses tasks: inherit the parent's. */
static int cpuset_inherit(const char *dir, struct wirt_error *err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
	char parent[PATH_MAX], p[PATH_MAX], val[4096];

	wirt_cgroup_parent(dir, parent);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		ssize_t n;
		int r;

		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		n = wirt_read_file(p, val, sizeof(val));
		if (n > 0 && val[0] != '\n')
			continue;
		snprintf(p, sizeof(p), "%s/%s", parent, files[i]);
		n = wirt_read_file(p, val, sizeof(val));
		if (n < 0)
			return wirt_errorf(err, -n, "read '%s'", p);
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		r = wirt_write_string(p, val);
		if (r < 0)
			return wirt_errorf(err, -r, "write '%s'", p);
	}
	return 0;
}

/* Creates 'dir' and the ancestors it lacks (an OCI cgroupsPath may be several levels
 * deep), each a cpuset with its parent's CPUs and memory nodes when 'cpuset'. */
static int mkdir_cgroup(const char *dir, bool cpuset, struct wirt_error *err)
{
	char parent[PATH_MAX];
	struct stat st;
	int r;

	wirt_cgroup_parent(dir, parent);
	if (stat(parent, &st) < 0) {
		if (errno != ENOENT || strlen(parent) <= strlen(wirt_cgroup_root()))
			return wirt_errorf(err, errno, "create cgroup '%s'", parent);
		r = mkdir_cgroup(parent, cpuset, err);
		if (r < 0)
			return r;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create cgroup '%s'", dir);
	if (cpuset)
		return cpuset_inherit(dir, err);
	return 0;
}

/* v2: the controllers a vServer's cgroup gets must be enabled in every ancestor's
 * subtree_control. Controllers the host lacks are skipped, not fatal. */
static void v2_enable_controllers(const char *dir)
{
	static const char *const ctl[] = { "+cpu", "+cpuset", "+memory", "+pids", "+io" };
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", dir);
	for (size_t i = 0; i < ARRAY_SIZE(ctl); i++)
		(void)wirt_write_string(p, ctl[i]);
}

static int delegate(const char *dir, const char *const *files, size_t n, uid_t owner,
		    struct wirt_error *err)
{
	char p[PATH_MAX];

	if (owner == 0)
		return 0; /* root made them: they are root's already */
	for (size_t i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "%s%s%s", dir, files[i][0] ? "/" : "", files[i]);
		if (chown(p, owner, owner) < 0 && errno != ENOENT)
			return wirt_errorf(err, errno, "delegate cgroup '%s'", p);
	}
	return 0;
}

/* v1's blkio.throttle.io_service_* stats count only on disks where blk-throttle is set
 * up, and newer kernels (seen on 6.18; Debian 12's 6.1 sets it up with every disk) do
 * that lazily, at a disk's first rule. A rule of 0 ("no limit") sets it up without
 * limiting anything, so one for every disk makes `wirt stats` count I/O. Best effort:
 * a disk that refuses (no media) is skipped. */
static void v1_blkio_count_io(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir("/sys/block");
	struct wirt_error ignored;
	char p[PATH_MAX], dev[32];
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/block/%s/dev", de->d_name);
		if (wirt_read_file(p, dev, sizeof(dev) - 3) <= 0)
			continue;
		dev[strcspn(dev, "\n")] = '\0';
		strcat(dev, " 0");
		(void)wirt_cgroup_write(dir, "blkio.throttle.read_bps_device", dev, &ignored);
	}
}

const char *const *wirt_cgroup_v1_hierarchies(void)
{
	static const char *present[ARRAY_SIZE(v1_controllers) + 1];
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++)
		if (hierarchy_exists(v1_controllers[i]))
			present[n++] = v1_controllers[i];
	present[n] = NULL;
	return present;
}

static int create_once(const struct wirt_cgroup *cg, uid_t owner, struct wirt_error *err)
{
	struct wirt_error ignored;
	char p[PATH_MAX], parent[PATH_MAX];
	int r;

	if (cg->mode == WIRT_CGROUP_V2) {
		wirt_cgroup_path(cg, NULL, p);
		wirt_cgroup_parent(p, parent);
		v2_enable_controllers(wirt_cgroup_root());
		r = mkdir_cgroup(p, false, err);
		if (r < 0)
			return r;
		v2_enable_controllers(parent);
		r = delegate(p, v2_delegated, ARRAY_SIZE(v2_delegated), owner, err);
		if (r < 0)
			wirt_cgroup_destroy(cg, &ignored);
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		if (!hierarchy_exists(v1_controllers[i]))
			continue;
		wirt_cgroup_path(cg, v1_controllers[i], p);
		r = mkdir_cgroup(p, strcmp(v1_controllers[i], "cpuset") == 0, err);
		if (r == 0 && cg->io_stats && strcmp(v1_controllers[i], "blkio") == 0)
			v1_blkio_count_io(p);
		if (r == 0 && strcmp(v1_controllers[i], "unified") == 0)
			r = delegate(p, v2_delegated, ARRAY_SIZE(v2_delegated), owner, err);
		else if (r == 0)
			r = delegate(p, v1_delegated, ARRAY_SIZE(v1_delegated), owner, err);
		if (r < 0) {
			wirt_cgroup_destroy(cg, &ignored);
			return r;
		}
	}
	return 0;
}

int wirt_cgroup_create(const struct wirt_cgroup *cg, uid_t owner, struct wirt_error *err)
{
	int r;

	/* The parent is shared, and whoever removes the last vServer's cgroup removes it
	 * too: that can happen between our mkdir of the parent and of our own cgroup
	 * (ENOENT). Then we simply make both again. */
	for (int i = 0;; i++) {
		r = create_once(cg, owner, err);
		if (r != -ENOENT || i >= 10)
			return r;
	}
}

/* Joins the first populated cgroup below 'dir' that is a leaf (no controllers
 * enabled for children), depth first, or -EBUSY. */
static int v2_join_populated_leaf(const char *dir, const char *val, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	char p[PATH_MAX], buf[256];
	struct dirent *de;
	uint64_t populated = 0;

	if (depth > 0) {
		ssize_t n = wirt_cgroup_read(dir, "cgroup.subtree_control", buf, sizeof(buf));
		bool leaf = n == 0;

		if (leaf && wirt_cgroup_read_key(dir, "cgroup.events", "populated", &populated) == 0 &&
		    populated == 1) {
			snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
			if (wirt_write_string(p, val) == 0)
				return 0;
		}
	}
	if (depth > 32 || !(d = opendir(dir)))
		return -EBUSY;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (v2_join_populated_leaf(p, val, depth + 1) == 0)
			return 0;
	}
	return -EBUSY;
}

/* v2's "no internal processes" rule: once the guest (systemd inside) enables
 * controllers for its subtree, the vServer's own cgroup takes no process, and
 * cgroup.procs refuses with EBUSY. A process that joins from outside (`wirt exec`)
 * goes where the guest's processes are, as runc does: its PID 1's init.scope when
 * there is one (systemd's name), else the first populated leaf. */
static int v2_attach_leaf(const char *dir, const char *val)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/init.scope/cgroup.procs", dir);
	if (wirt_write_string(p, val) == 0)
		return 0;
	return v2_join_populated_leaf(dir, val, 0);
}

int wirt_cgroup_attach(const struct wirt_cgroup *cg, pid_t pid, struct wirt_error *err)
{
	char p[PATH_MAX], val[32];
	int r;

	snprintf(val, sizeof(val), "%d", pid);
	if (cg->mode == WIRT_CGROUP_V2) {
		wirt_cgroup_path(cg, NULL, p);
		r = wirt_write_string(strncat(p, "/cgroup.procs", sizeof(p) - strlen(p) - 1), val);
		if (r == -EBUSY)
			r = v2_attach_leaf(wirt_cgroup_path(cg, NULL, p), val);
		return r < 0 ? wirt_errorf(err, -r, "join cgroup '%s'", p) : 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		if (!hierarchy_exists(v1_controllers[i]))
			continue;
		wirt_cgroup_path(cg, v1_controllers[i], p);
		strncat(p, "/cgroup.procs", sizeof(p) - strlen(p) - 1);
		r = wirt_write_string(p, val);
		if (r < 0)
			return wirt_errorf(err, -r, "join cgroup '%s'", p);
	}
	return 0;
}

/* The hierarchy whose cgroup.procs tells who is in the vServer: pids on v1 (every
 * task of the guest is there), the unified one on v2. */
static char *procs_dir(const struct wirt_cgroup *cg, char *buf)
{
	return wirt_cgroup_path(cg, cg->mode == WIRT_CGROUP_V2 ? NULL : "pids", buf);
}

/* Signals (sig != 0) and counts the processes in 'dir' and the sub-cgroups the guest
 * made below it: a delegated subtree is the guest's to arrange. */
static int for_each_proc_in(const char *dir, int sig, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	char p[PATH_MAX];
	struct dirent *de;
	int pid, n = 0;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%d", &pid) == 1) {
		if (sig)
			kill(pid, sig);
		n++;
	}
	if (depth > 32 || !(d = opendir(dir)))
		return n;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		n += for_each_proc_in(p, sig, depth + 1);
	}
	return n;
}

static int each_pid_in(const char *dir, int (*fn)(pid_t, void *), void *data, int depth)
{
	_cleanup_closedir_ DIR *d = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	char p[PATH_MAX];
	struct dirent *de;
	int pid, r;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	f = fopen(p, "re");
	while (f && fscanf(f, "%d", &pid) == 1) {
		r = fn(pid, data);
		if (r)
			return r;
	}
	if (depth > 32 || !(d = opendir(dir)))
		return 0;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		r = each_pid_in(p, fn, data, depth + 1);
		if (r)
			return r;
	}
	return 0;
}

int wirt_cgroup_each_pid(const struct wirt_cgroup *cg, int (*fn)(pid_t pid, void *data),
			 void *data)
{
	char p[PATH_MAX];

	return each_pid_in(procs_dir(cg, p), fn, data, 0);
}

static int for_each_proc(const struct wirt_cgroup *cg, int sig)
{
	char p[PATH_MAX];

	return for_each_proc_in(procs_dir(cg, p), sig, 0);
}

int wirt_cgroup_count(const struct wirt_cgroup *cg)
{
	return for_each_proc(cg, 0);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

int wirt_cgroup_kill(const struct wirt_cgroup *cg, int timeout_ms, struct wirt_error *err)
{
	char p[PATH_MAX], freezer[PATH_MAX];
	bool frozen = false;

	if (for_each_proc(cg, 0) == 0)
		return 0; /* nothing to kill: no freezing, no cgroup.kill */
	if (cg->mode == WIRT_CGROUP_V2) {
		wirt_cgroup_path(cg, NULL, p);
		strncat(p, "/cgroup.kill", sizeof(p) - strlen(p) - 1);
		if (access(p, F_OK) == 0)
			(void)wirt_write_string(p, "1");
	} else if (hierarchy_exists("freezer")) {
		/* Frozen tasks cannot fork while we kill them one by one. */
		wirt_cgroup_path(cg, "freezer", freezer);
		strncat(freezer, "/freezer.state", sizeof(freezer) - strlen(freezer) - 1);
		frozen = wirt_write_string(freezer, "FROZEN") == 0;
	}
	for (int waited = 0;; waited += 10) {
		if (for_each_proc(cg, SIGKILL) == 0)
			break;
		if (frozen) {
			/* SIGKILL is delivered once the tasks thaw. */
			(void)wirt_write_string(freezer, "THAWED");
			frozen = false;
		}
		if (waited >= timeout_ms)
			return wirt_errorf(err, EBUSY, "kill processes of cgroup '%s'", cg->rel);
		sleep_ms(10);
	}
	if (frozen)
		(void)wirt_write_string(freezer, "THAWED");
	return 0;
}

int wirt_cgroup_init_path(struct wirt_cgroup *cg, const char *path, struct wirt_error *err)
{
	while (*path == '/')
		path++;
	if (strstr(path, "..") || strlen(path) >= sizeof(cg->rel) || path[0] == '\0')
		return wirt_error_invalid(err, "cgroup path '%s': not a path below the cgroup "
					       "root", path);
	cg->mode = wirt_cgroup_detect();
	cg->io_stats = false;
	cg->fresh = false;
	snprintf(cg->rel, sizeof(cg->rel), "%s", path);
	/* No trailing '/': the parent of "a/b/" would be "a/b". */
	for (size_t n = strlen(cg->rel); n > 0 && cg->rel[n - 1] == '/'; n--)
		cg->rel[n - 1] = '\0';
	return 0;
}

/* v2: cgroup.freeze and the "frozen" line of cgroup.events; v1: freezer.state. */
bool wirt_cgroup_frozen(const struct wirt_cgroup *cg)
{
	char p[PATH_MAX], buf[32];
	uint64_t v;

	if (cg->mode == WIRT_CGROUP_V2)
		return wirt_cgroup_read_key(wirt_cgroup_path(cg, NULL, p), "cgroup.events",
					    "frozen", &v) == 0 && v == 1;
	return wirt_cgroup_read(wirt_cgroup_path(cg, "freezer", p), "freezer.state", buf,
				sizeof(buf)) > 0 && strcmp(buf, "FROZEN") == 0;
}

int wirt_cgroup_freeze(const struct wirt_cgroup *cg, bool frozen, struct wirt_error *err)
{
	char p[PATH_MAX];
	int r;

	if (cg->mode == WIRT_CGROUP_V2)
		r = wirt_cgroup_write(wirt_cgroup_path(cg, NULL, p), "cgroup.freeze",
				      frozen ? "1" : "0", err);
	else
		r = wirt_cgroup_write(wirt_cgroup_path(cg, "freezer", p), "freezer.state",
				      frozen ? "FROZEN" : "THAWED", err);
	if (r < 0)
		return r;
	/* v1 goes through FREEZING, v2 sets "frozen" once every task stopped. */
	for (int waited = 0; wirt_cgroup_frozen(cg) != frozen; waited++) {
		if (waited >= 1000)
			return wirt_errorf(err, ETIMEDOUT, "%s cgroup '%s'",
					   frozen ? "freeze" : "thaw", cg->rel);
		sleep_ms(1);
	}
	return 0;
}

/* Removes 'dir' and the sub-cgroups below it, deepest first. */
static int rmdir_tree(const char *dir, int depth, struct wirt_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char p[PATH_MAX];
	struct dirent *de;
	int r;

	if (depth <= 32 && (d = opendir(dir))) {
		while ((de = readdir(d))) {
			if (de->d_type != DT_DIR || de->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
			r = rmdir_tree(p, depth + 1, err);
			if (r < 0)
				return r;
		}
	}
	/* A cgroup whose last task just died can be briefly busy. */
	for (int i = 0; rmdir(dir) < 0; i++) {
		if (errno == ENOENT)
			break;
		if (errno != EBUSY || i >= 100)
			return wirt_errorf(err, errno, "remove cgroup '%s'", dir);
		sleep_ms(10);
	}
	return 0;
}

static int rmdir_cgroup(const char *dir, struct wirt_error *err)
{
	char parent[PATH_MAX];
	int r;

	r = rmdir_tree(dir, 0, err);
	if (r < 0)
		return r;
	wirt_cgroup_parent(dir, parent);
	(void)rmdir(parent); /* only succeeds when no other vServer is left */
	return 0;
}

int wirt_cgroup_destroy(const struct wirt_cgroup *cg, struct wirt_error *err)
{
	char p[PATH_MAX];
	int r, ret = 0;

	if (cg->mode == WIRT_CGROUP_V2)
		return rmdir_cgroup(wirt_cgroup_path(cg, NULL, p), err);
	for (size_t i = 0; i < ARRAY_SIZE(v1_controllers); i++) {
		if (!hierarchy_exists(v1_controllers[i]))
			continue;
		r = rmdir_cgroup(wirt_cgroup_path(cg, v1_controllers[i], p), err);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int wirt_cgroup_apply(const struct wirt_cgroup *cg, const struct wirt_resources *res,
		      struct wirt_error *err)
{
	if (cg->mode == WIRT_CGROUP_V2)
		return wirt_cgroup_v2_apply(cg, res, err);
	return wirt_cgroup_v1_apply(cg, res, err);
}

int wirt_cgroup_read_stats(const struct wirt_cgroup *cg, struct wirt_cgroup_stats *st,
			   struct wirt_error *err)
{
	if (cg->mode == WIRT_CGROUP_V2)
		return wirt_cgroup_v2_read_stats(cg, st, err);
	return wirt_cgroup_v1_read_stats(cg, st, err);
}

/* --- Helpers of the backends --- */

int wirt_cgroup_apply_knobs(const struct wirt_cgroup *cg, const struct wirt_cgroup_knob *knobs,
			    size_t n, const struct wirt_resources *res, struct wirt_error *err)
{
	char dir[PATH_MAX], val[512];

	for (size_t i = 0; i < n; i++) {
		const struct wirt_cgroup_knob *k = &knobs[i];
		bool set;
		int r;

		wirt_cgroup_path(cg, k->controller, dir);
		/* A missing hierarchy is a controller the host lacks (the knob's own
		 * business); a missing cgroup in one the host has is a stopped vServer. */
		if (access(dir, F_OK) < 0 && (!k->controller || hierarchy_exists(k->controller)))
			return wirt_error_plain(err, ENOENT, "cgroup '%s' does not exist", dir);
		if (k->apply) {
			r = k->apply(dir, res, err);
		} else {
			set = k->format(res, val, sizeof(val));
			/* A new cgroup has the kernel's defaults already. */
			if (!set && cg->fresh)
				continue;
			r = wirt_cgroup_write_knob(k->name, dir, k->file, val, set, err);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

bool wirt_cgroup_has(const char *dir, const char *file)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

int wirt_cgroup_write(const char *dir, const char *file, const char *value,
		      struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	char p[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	/* O_TRUNC does nothing on cgroupfs; on a test's fake tree it makes the file hold
	 * exactly the last value written, as the kernel's would read. */
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return wirt_errorf(err, errno, "write '%s' to '%s'", value, p);
	/* One write(): cgroup files take one value per call. */
	n = write(fd, value, len);
	if (n < 0)
		return wirt_errorf(err, errno, "write '%s' to '%s'", value, p);
	if ((size_t)n != len)
		return wirt_errorf(err, EIO, "write '%s' to '%s'", value, p);
	if (close(TAKE_FD(fd)) < 0)
		return wirt_errorf(err, errno, "write '%s' to '%s'", value, p);
	return 0;
}

int wirt_cgroup_write_knob(const char *knob, const char *dir, const char *file,
			   const char *value, bool set, struct wirt_error *err)
{
	if (!wirt_cgroup_has(dir, file)) {
		if (!set)
			return 0;
		return wirt_error_plain(err, ENOENT, "%s: this host's cgroups have no '%s/%s'",
					knob, dir, file);
	}
	return wirt_cgroup_write(dir, file, value, err);
}

ssize_t wirt_cgroup_read(const char *dir, const char *file, char *buf, size_t size)
{
	char p[PATH_MAX];
	ssize_t n;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	n = wirt_read_file(p, buf, size);
	if (n < 0)
		return n;
	while (n > 0 && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return n;
}

static int parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	while (isspace((unsigned char)*s))
		s++;
	if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || isspace((unsigned char)s[3]))) {
		*ret = WIRT_UNLIMITED;
		return 0;
	}
	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -EINVAL;
	*ret = v;
	return 0;
}

int wirt_cgroup_read_u64(const char *dir, const char *file, uint64_t *ret)
{
	char buf[64];
	ssize_t n;

	n = wirt_cgroup_read(dir, file, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return parse_u64(buf, ret);
}

int wirt_cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *ret)
{
	_cleanup_fclose_ FILE *f = NULL;
	size_t klen = strlen(key);
	char p[PATH_MAX], line[256];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return parse_u64(line + klen + 1, ret);
	}
	return -ENOENT;
}
