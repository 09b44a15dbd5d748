/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The vServer lifecycle: see vserver.h. Every operation here works from what it finds
 * on the host, not from what the files claim: a state file without a living supervisor
 * is a crash to clean up, not a running vServer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "domain.h"
#include "fsutil.h"
#include "hostconf.h"
#include "idrange.h"
#include "netaddr.h"
#include "netpool.h"
#include "network.h"
#include "paths.h"
#include "settings.h"
#include "supervisor.h"
#include "syscalls.h"
#include "template.h"
#include "util.h"
#include "validate.h"
#include "disk.h"
#include "vserver.h"

const char *wirt_state_name(enum wirt_vserver_state s)
{
	switch (s) {
	case WIRT_STATE_RUNNING:
		return "running";
	case WIRT_STATE_CRASHED:
		return "crashed";
	default:
		return "stopped";
	}
}

static bool vserver_exists(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return wirt_vserver_dir(path, root, name) && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int check_exists(const char *root, const char *name, struct wirt_error *err)
{
	int r = wirt_name_validate("vServer", name, err);

	if (r < 0)
		return r;
	if (!vserver_exists(root, name))
		return wirt_error_plain(err, ENOENT, "no such vServer");
	return 0;
}

int wirt_vserver_load(const char *root, const char *name, struct wirt_spec *spec,
		      struct wirt_error *err)
{
	char path[PATH_MAX];
	int r;

	r = check_exists(root, name, err);
	if (r < 0)
		return r;
	r = wirt_config_load(wirt_vserver_file(path, root, name, "config"), spec, err);
	if (r < 0)
		return r;
	if (strcmp(spec->name, name) != 0)
		return wirt_error_plain(err, EINVAL, "config '%s': [vserver] name: is '%s', not '%s'",
					path, spec->name, name);
	return 0;
}

int wirt_vserver_lock(const char *root, const char *name, struct wirt_error *err)
{
	char path[PATH_MAX];
	int r;

	r = check_exists(root, name, err);
	if (r < 0)
		return r;
	return wirt_lock_file(wirt_vserver_file(path, root, name, "lock"), err);
}

/* ---- create ------------------------------------------------------------------------ */

int wirt_root_lock(const char *root, struct wirt_error *err)
{
	char path[PATH_MAX];

	return wirt_lock_file(wirt_path(path, root, "lock", NULL, NULL), err);
}

static int make_dir(const char *root, const char *name, const char *sub, mode_t mode, uid_t uid,
		    struct wirt_error *err)
{
	char path[PATH_MAX];

	wirt_vserver_file(path, root, name, sub);
	if (mkdir(path, mode) < 0)
		return wirt_errorf(err, errno, "create '%s'", path);
	/* mkdir's mode is masked by the umask; the layout's modes are not optional. */
	if (chmod(path, mode) < 0 || (uid && chown(path, uid, uid) < 0))
		return wirt_errorf(err, errno, "set owner of '%s'", path);
	return 0;
}

static int create_layout(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	char path[PATH_MAX];
	int r;

	/* The writable layer's top is the guest's "/": owned by guest root. With a disk of
	 * its own it lives in the disk's image (disk.h), made here, mounted at start. */
	if (spec->disk) {
		r = make_dir(root, spec->name, "disk", 0755, 0, err);
		if (r == 0)
			r = wirt_disk_create(wirt_vserver_file(path, root, spec->name, "disk.img"),
					     spec->disk, spec->id_base, err);
	} else {
		r = make_dir(root, spec->name, "upper", 0755, spec->id_base, err);
		if (r == 0)
			r = make_dir(root, spec->name, "work", 0700, 0, err);
	}
	if (r == 0)
		r = make_dir(root, spec->name, "lower", 0755, 0, err);
	if (r == 0)
		r = make_dir(root, spec->name, "rootfs", 0755, 0, err);
	if (r == 0)
		r = wirt_config_save(wirt_vserver_file(path, root, spec->name, "config"), spec, err);
	return r;
}

/* Addresses from the host's pools for a vServer created without any, a MAC for a
 * bridged one, and the checks that no other vServer (nor the host) holds them. Under
 * the root's lock, so two creates never pick the same address. */
static int network_choose(const char *root, struct wirt_spec *spec, struct wirt_error *err)
{
	struct wirt_hostconf hc;
	struct wirt_spec check;
	int r;

	r = wirt_hostconf_load(&hc, err);
	if (r == 0)
		r = wirt_network_assign(root, spec, &hc, err);
	if (r < 0)
		return r;
	if (spec->net.mode == WIRT_NET_BRIDGED && !spec->net.has_mac) {
		uint8_t seed[16];

		if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
			return wirt_errorf(err, errno, "make a MAC address");
		wirt_mac_from_seed(seed, sizeof(seed), spec->net.mac);
		spec->net.has_mac = true;
	}
	/* the id range is allocated later */
	check = *spec;
	check.id_base = WIRT_ID_FIRST;
	r = wirt_config_validate(&check, err);
	if (r == 0 && spec->net.mode != WIRT_NET_NONE)
		r = wirt_network_check_conflicts(root, spec, err);
	return r;
}

int wirt_vserver_create(const char *root, struct wirt_spec *spec, struct wirt_error *err)
{
	_cleanup_close_ int root_lock = -1;
	char dir[PATH_MAX];
	int r;

	r = wirt_name_validate("vServer", spec->name, err);
	if (r == 0)
		r = wirt_hostname_validate(spec->hostname, err);
	if (r < 0)
		return r;
	r = wirt_mkdir_p(wirt_path(dir, root, "vservers", NULL, NULL), 0755);
	if (r < 0)
		return wirt_errorf(err, -r, "create '%s'", dir);
	/* <root>/lock: `template delete` holds it while it checks for users, so the
	 * template cannot vanish between our check and our config naming it. */
	root_lock = wirt_root_lock(root, err);
	if (root_lock < 0)
		return root_lock;
	r = wirt_template_check(root, spec->template_name, err);
	if (r == 0)
		r = network_choose(root, spec, err);
	if (r < 0)
		return r;
	wirt_vserver_dir(dir, root, spec->name);
	if (mkdir(dir, 0755) < 0) {
		if (errno == EEXIST)
			return wirt_error_plain(err, EEXIST, "vServer exists");
		return wirt_errorf(err, errno, "create '%s'", dir);
	}
	r = wirt_idrange_alloc(root, spec->name, &spec->id_base, err);
	if (r < 0) {
		wirt_rm_rf(dir);
		return r;
	}
	spec->id_count = WIRT_ID_COUNT;
	r = create_layout(root, spec, err);
	if (r < 0) {
		struct wirt_error ignored;

		wirt_idrange_release(root, spec->name, spec->id_base, &ignored);
		wirt_rm_rf(dir);
		return r;
	}
	return 0;
}

/* ---- status ------------------------------------------------------------------------ */

static void load_last_exit(const char *root, const char *name, struct wirt_status *st)
{
	char path[PATH_MAX], buf[256], *line, *save = NULL;
	long long stopped = 0;

	wirt_vserver_file(path, root, name, "last-exit");
	if (wirt_read_file(path, buf, sizeof(buf)) <= 0)
		return;
	st->has_last_exit = true;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "exit=%d", &st->last_exit) == 1 ||
		    sscanf(line, "signal=%d", &st->last_signal) == 1 ||
		    sscanf(line, "stopped=%lld", &stopped) == 1)
			continue;
	}
	st->last_stopped = (time_t)stopped;
}

int wirt_vserver_status(const char *root, const char *name, struct wirt_status *st,
			struct wirt_error *err)
{
	struct wirt_error ignored;
	struct wirt_cgroup cg;
	bool has_state, supervised;
	int r;

	memset(st, 0, sizeof(*st));
	st->last_exit = -1;
	r = check_exists(root, name, err);
	if (r < 0)
		return r;
	load_last_exit(root, name, st);
	supervised = wirt_runstate_supervised(root, name);
	has_state = wirt_runstate_load(root, name, &st->run, &ignored) == 0;
	if (has_state && !supervised && wirt_runstate_from_earlier_boot(&st->run)) {
		/* The host rebooted: the processes and cgroups it names are gone. The
		 * leftover files are removed by the next start, stop or delete. */
		has_state = false;
		memset(&st->run, 0, sizeof(st->run));
	}
	if (has_state)
		st->guest_alive = wirt_proc_matches(st->run.init, st->run.init_starttime);
	wirt_cgroup_init(&cg, root, name);
	if (supervised)
		st->state = WIRT_STATE_RUNNING;
	else if (has_state || wirt_cgroup_count(&cg) > 0)
		st->state = WIRT_STATE_CRASHED;
	else
		st->state = WIRT_STATE_STOPPED;
	return 0;
}

/* ---- stop -------------------------------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* Waits until the supervisor has let go of its lock: it does so only after PID 1 has
 * ended and the cgroup and runtime state are gone. */
static bool wait_supervisor_gone(const char *root, const char *name, int timeout_ms)
{
	/* Short naps first: a forced stop is over in a few milliseconds. */
	for (int waited = 0, nap = 1; waited <= timeout_ms; waited += nap, nap = nap < 20 ? nap * 2 : 20) {
		if (!wirt_runstate_supervised(root, name))
			return true;
		sleep_ms(nap);
	}
	return false;
}

static int signal_init(const struct wirt_runstate *run, int sig)
{
	_cleanup_close_ int pidfd = -1;

	/* A pidfd pins the process: the pid cannot be reused between check and kill. */
	pidfd = wirt_sys_pidfd_open(run->init, 0);
	if (pidfd < 0)
		return -errno;
	if (!wirt_proc_matches(run->init, run->init_starttime))
		return -ESRCH;
	if (wirt_sys_pidfd_send_signal(pidfd, sig, NULL, 0) < 0)
		return -errno;
	return 0;
}

/* After a crashed supervisor (or a host reboot): kill what is left, remove the cgroup
 * and the runtime state. Mounts need no cleanup: they lived only in the guest's mount
 * namespace, which goes away with its last process. */
static int cleanup_stale(const char *root, const char *name, struct wirt_error *err)
{
	struct wirt_runstate run;
	struct wirt_error ignored;
	struct wirt_cgroup cg;
	struct wirt_spec spec;
	char dir[PATH_MAX];
	bool ran;
	int r;

	ran = wirt_runstate_load(root, name, &run, &ignored) == 0;
	if (ran && !wirt_runstate_from_earlier_boot(&run))
		(void)signal_init(&run, SIGKILL);
	wirt_cgroup_init(&cg, root, name);
	r = wirt_cgroup_kill(&cg, 5000, err);
	if (r == 0)
		r = wirt_cgroup_destroy(&cg, err);
	if (r < 0)
		return r;
	/* The supervisor that would have taken the network down is gone: its veth, proxy
	 * entries and nft elements (the last outlive the host end) are ours to remove. */
	if (ran && wirt_vserver_load(root, name, &spec, &ignored) == 0) {
		r = wirt_network_cleanup(root, &spec, err);
		if (r < 0)
			return r;
	}
	r = wirt_rm_rf(wirt_run_dir(dir, root, name));
	if (r < 0)
		return wirt_errorf(err, -r, "remove '%s'", dir);
	return 0;
}

static int stop_locked(const char *root, const char *name, int timeout, bool force,
		       struct wirt_error *err)
{
	struct wirt_status st;
	struct wirt_spec spec;
	int r;

	r = wirt_vserver_status(root, name, &st, err);
	if (r < 0)
		return r;
	if (st.state == WIRT_STATE_STOPPED)
		return wirt_error_plain(err, EALREADY, "not running");
	if (st.state == WIRT_STATE_CRASHED)
		return cleanup_stale(root, name, err);
	if (timeout < 0) {
		timeout = WIRT_STOP_TIMEOUT_DEFAULT;
		if (wirt_vserver_load(root, name, &spec, err) == 0 && spec.stop_timeout)
			timeout = (int)spec.stop_timeout;
	}
	if (st.run.init <= 0) {
		/* Still starting: whoever started it holds the lock we hold now, so this only
		 * happens when the state file was lost. */
		return wirt_error_plain(err, EAGAIN, "runtime state is missing");
	}
	if (!force && signal_init(&st.run, st.run.stop_signal ? st.run.stop_signal : SIGTERM) == 0 &&
	    wait_supervisor_gone(root, name, timeout * 1000))
		return 0;
	/* SIGKILL to a PID namespace's init ends every process in it. */
	(void)signal_init(&st.run, SIGKILL);
	if (wait_supervisor_gone(root, name, 10000))
		return 0;
	return wirt_error_plain(err, ETIMEDOUT, "supervisor %d did not end after SIGKILL to PID 1",
				st.run.supervisor);
}

int wirt_vserver_stop(const char *root, const char *name, int timeout, bool force,
		      struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;

	lock = wirt_vserver_lock(root, name, err);
	if (lock < 0)
		return lock;
	return stop_locked(root, name, timeout, force, err);
}

/* ---- start ------------------------------------------------------------------------- */

/* The host's nameservers for a vServer that names none of its own. */
static int network_defaults(struct wirt_spec *spec, struct wirt_error *err)
{
	struct wirt_hostconf hc;
	int r;

	if (spec->net.n_resolvers || spec->net.mode == WIRT_NET_NONE)
		return 0;
	r = wirt_hostconf_load(&hc, err);
	if (r < 0)
		return r;
	spec->net.n_resolvers = hc.n_resolvers;
	memcpy(spec->net.resolvers, hc.resolvers, sizeof(hc.resolvers));
	return 0;
}

int wirt_vserver_start(const char *root, const char *name, struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	struct wirt_status st;
	struct wirt_spec spec;
	pid_t init;
	int r;

	lock = wirt_vserver_lock(root, name, err);
	if (lock < 0)
		return lock;
	/* Read under the lock: a `wirt set` just before must be seen. */
	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	r = wirt_vserver_status(root, name, &st, err);
	if (r < 0)
		return r;
	if (st.state == WIRT_STATE_RUNNING)
		return wirt_error_plain(err, EALREADY, "already running");
	/* Stopped may still mean leftovers from before a host reboot: clean them. */
	r = cleanup_stale(root, name, err);
	if (r < 0)
		return wirt_error_prefix(err, "clean up after %s",
					 st.state == WIRT_STATE_CRASHED ? "crash" : "reboot");
	r = wirt_template_check(root, spec.template_name, err);
	if (r == 0)
		/* limits valid when set may no longer fit the host (fewer CPUs, a disk gone) */
		r = wirt_resources_check_host(&spec.resources, err);
	if (r == 0)
		r = network_defaults(&spec, err);
	if (r < 0)
		return r;
	return wirt_supervisor_spawn(root, &spec, &init, err);
}

/* ---- delete ------------------------------------------------------------------------ */

int wirt_vserver_delete(const char *root, const char *name, bool force, struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	struct wirt_error ignored;
	struct wirt_status st;
	struct wirt_spec spec;
	char dir[PATH_MAX];
	bool have_spec;
	int r;

	lock = wirt_vserver_lock(root, name, err);
	if (lock < 0)
		return lock;
	r = wirt_vserver_status(root, name, &st, err);
	if (r < 0)
		return r;
	if (st.state == WIRT_STATE_RUNNING && !force)
		return wirt_error_plain(err, EBUSY, "running (stop it first, or delete --force)");
	if (st.state != WIRT_STATE_STOPPED) {
		r = stop_locked(root, name, 0, true, err);
		if (r < 0)
			return r;
	}
	/* A corrupt config must not make a vServer undeletable: its id range is then
	 * reclaimed as stale by the next allocation. */
	have_spec = wirt_vserver_load(root, name, &spec, &ignored) == 0;
	r = wirt_rm_rf(wirt_vserver_dir(dir, root, name));
	if (r < 0)
		return wirt_errorf(err, -r, "remove '%s'", dir);
	wirt_rm_rf(wirt_run_dir(dir, root, name));
	if (have_spec)
		wirt_idrange_release(root, name, spec.id_base, &ignored);
	/* Its domains go with it; the edge serves the others on (domain.h). */
	(void)wirt_domain_vserver_gone(root, name, &ignored);
	return 0;
}

/* ---- list, autostart --------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int wirt_vserver_list(const char *root, char (**ret)[WIRT_NAME_MAX + 1], size_t *ret_n,
		      struct wirt_error *err)
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	size_t n = 0, cap = 0;
	char dir[PATH_MAX];
	struct dirent *de;

	*ret = NULL;
	*ret_n = 0;
	d = opendir(wirt_path(dir, root, "vservers", NULL, NULL));
	if (!d)
		return errno == ENOENT ? 0 : wirt_errorf(err, errno, "open '%s'", dir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > WIRT_NAME_MAX)
			continue;
		if (n == cap) {
			void *p = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));
			if (!p) {
				free(names);
				return wirt_errorf(err, ENOMEM, "list vServers");
			}
			names = p;
		}
		snprintf(names[n++], sizeof(names[0]), "%s", de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*ret = names;
	*ret_n = n;
	return 0;
}

int wirt_vserver_autostart(const char *root, void (*report)(const char *name, const struct wirt_error *err))
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	struct wirt_error err = { 0 };
	struct wirt_status st;
	struct wirt_spec spec;
	int failed = 0;
	size_t n;

	if (wirt_vserver_list(root, &names, &n, &err) < 0) {
		report(NULL, &err);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (wirt_vserver_load(root, names[i], &spec, &err) < 0) {
			report(names[i], &err);
			failed++;
			continue;
		}
		if (!spec.autostart)
			continue;
		if (wirt_vserver_status(root, names[i], &st, &err) == 0 &&
		    st.state == WIRT_STATE_RUNNING)
			continue;
		if (wirt_vserver_start(root, names[i], &err) < 0) {
			report(names[i], &err);
			failed++;
		}
	}
	free(names);
	return failed;
}
