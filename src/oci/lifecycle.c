/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Making, starting and destroying a container: see lifecycle.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "fsutil.h"
#include "hooks.h"
#include "lifecycle.h"
#include "names.h"
#include "process.h"
#include "rootfs.h"
#include "util.h"

#define OCI_CGROUP_PARENT "wirt-oci" /* when config.json names no cgroupsPath */

static void now_rfc3339(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%09ldZ", base, ts.tv_nsec);
}

static json_t *annotations_json(const struct wirt_oci_spec *s)
{
	json_t *o = json_object();

	for (size_t i = 0; o && i < s->annotations.n; i++)
		json_object_set_new(o, s->annotations.keys[i], json_string(s->annotations.values[i]));
	return o;
}

/* What every container may use whatever its rules say, as runc adds it after them:
 * creating nodes, the standard devices, ptys, tun. */
static const struct wirt_device_rule default_allowed[] = {
	{ true, 'c', -1, -1, "m" },   { true, 'b', -1, -1, "m" },   { true, 'c', 1, 3, "rwm" },
	{ true, 'c', 1, 5, "rwm" },   { true, 'c', 1, 7, "rwm" },   { true, 'c', 1, 8, "rwm" },
	{ true, 'c', 1, 9, "rwm" },   { true, 'c', 5, 0, "rwm" },   { true, 'c', 5, 1, "rwm" },
	{ true, 'c', 5, 2, "rwm" },   { true, 'c', 136, -1, "rwm" }, { true, 'c', 10, 200, "rwm" },
};

/* linux.resources.devices, then the defaults and the config's own linux.devices. */
static int apply_device_rules(const struct wirt_cgroup *cg, const struct wirt_oci_spec *s,
			      struct wirt_error *err)
{
	size_t n = 0, max = s->n_device_rules + ARRAY_SIZE(default_allowed) + s->n_devices;
	struct wirt_device_rule *rules;
	int r;

	if (s->n_device_rules == 0)
		return 0;
	rules = calloc(max, sizeof(*rules));
	if (!rules)
		return wirt_errorf(err, ENOMEM, "device rules");
	for (size_t i = 0; i < s->n_device_rules; i++)
		rules[n++] = s->device_rules[i];
	for (size_t i = 0; i < ARRAY_SIZE(default_allowed); i++)
		rules[n++] = default_allowed[i];
	for (size_t i = 0; i < s->n_devices; i++) {
		const struct wirt_oci_device *d = &s->devices[i];

		if (d->type == 'p')
			continue;
		rules[n++] = (struct wirt_device_rule){ true, d->type == 'b' ? 'b' : 'c', d->major,
							d->minor, "rwm" };
	}
	r = wirt_cgroup_devices_apply(cg, rules, n, err);
	free(rules);
	return r;
}

int oci_write_pid_file(const char *path, pid_t pid, struct wirt_error *err)
{
	char text[16];
	int r;

	snprintf(text, sizeof(text), "%d", (int)pid);
	r = wirt_write_file_replace(path, text, strlen(text), 0644);
	if (r < 0)
		return wirt_errorf(err, -r, "write pid file '%s'", path);
	return 0;
}

int oci_console_connect(const char *path, struct wirt_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return wirt_error_invalid(err, "--console-socket '%s': path too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return wirt_errorf(err, errno, "console socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		return wirt_errorf(err, e, "connect to console socket '%s'", path);
	}
	return fd;
}

/* Reads the bundle's config.json once: parsed, and kept as it is in the state dir. */
static int read_config(const char *path, char **ret, size_t *ret_len, struct wirt_error *err)
{
	FILE *f = fopen(path, "re");
	size_t cap = 65536, len = 0;
	char *buf;

	if (!f)
		return wirt_errorf(err, errno, "open '%s'", path);
	buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len, f);

		len += n;
		if (n == 0 || len > WIRT_OCI_CONFIG_MAX)
			break;
		if (len == cap) {
			char *b = realloc(buf, cap *= 2);
			if (!b) {
				free(buf);
				buf = NULL;
			}
			buf = b;
		}
	}
	fclose(f);
	if (!buf)
		return wirt_errorf(err, ENOMEM, "read '%s'", path);
	if (len > WIRT_OCI_CONFIG_MAX) {
		free(buf);
		return wirt_error_invalid(err, "'%s': larger than %u bytes", path,
					  WIRT_OCI_CONFIG_MAX);
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

int oci_security_labels(struct oci_cli *cli, struct wirt_oci_process *proc,
			struct wirt_error *err)
{
	/* As runc: a profile is applied where AppArmor is on, else there is none. */
	if (proc->apparmor_profile && !oci_apparmor_enabled()) {
		oci_debug(cli, "process.apparmorProfile '%s': AppArmor is not enabled on this "
			       "host, not applied", proc->apparmor_profile);
		free(proc->apparmor_profile);
		proc->apparmor_profile = NULL;
	}
	/* SELinux: a host without it (Debian's default) has no labels to apply; on a
	 * host with it a label wirt cannot set is refused, not silently dropped. */
	if (proc->selinux_label && access("/sys/fs/selinux/enforce", F_OK) == 0)
		return wirt_error_invalid(err, "process.selinuxLabel '%s': SELinux labels are "
					       "not supported by wirt-oci yet", proc->selinux_label);
	return 0;
}

int oci_lifecycle_config(const struct oci_state *st, struct wirt_oci_spec *spec,
			 struct wirt_error *err)
{
	char path[PATH_MAX];

	return wirt_oci_config_load(oci_state_file(st, "config.json", path), spec, err);
}

/* Everything on the host side, before init: a failure returns with nothing made. */
static int prepare(struct oci_cli *cli, const char *id, const struct oci_create_opts *o,
		   struct wirt_oci_spec *spec, struct oci_state *st, char **config,
		   size_t *config_len, struct wirt_error *err)
{
	char bundle[PATH_MAX], path[PATH_MAX];
	int r;

	r = oci_id_check(id, err);
	if (r < 0)
		return r;
	if (!realpath(o->bundle ? o->bundle : ".", bundle))
		return wirt_errorf(err, errno, "bundle '%s'", o->bundle ? o->bundle : ".");
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	r = read_config(path, config, config_len, err);
	if (r == 0)
		r = wirt_oci_config_parse(*config, *config_len, spec, err);
	if (r < 0)
		return r == -EINVAL ? wirt_error_prefix(err, "%s", path) : r;
	if (!spec->has_process)
		return wirt_error_invalid(err, "%s: process: missing", path);
	if (spec->process.terminal && !o->console_socket)
		return wirt_error_invalid(err, "process.terminal is true: a --console-socket is "
					       "needed to hand the terminal to");
	if (!spec->process.terminal && o->console_socket)
		return wirt_error_invalid(err, "--console-socket given, but process.terminal is "
					       "false");
	r = oci_sysctl_check(spec, err);
	if (r < 0)
		return r;
	r = oci_security_labels(cli, &spec->process, err);
	if (r < 0)
		return r;
	if (spec->mount_label && access("/sys/fs/selinux/enforce", F_OK) == 0)
		return wirt_error_invalid(err, "linux.mountLabel '%s': SELinux labels are not "
					       "supported by wirt-oci yet", spec->mount_label);
	if (spec->has_seccomp && spec->seccomp.listener_path)
		return wirt_error_invalid(err, "linux.seccomp.listenerPath: seccomp notify "
					       "listeners are not supported yet");
	oci_state_init(st, cli->root, id);
	snprintf(st->bundle, sizeof(st->bundle), "%s", bundle);
	snprintf(path, sizeof(path), "%s%s%s", spec->root_path[0] == '/' ? "" : bundle,
		 spec->root_path[0] == '/' ? "" : "/", spec->root_path);
	if (!realpath(path, st->rootfs))
		return wirt_errorf(err, errno, "root.path '%s'", path);
	now_rfc3339(st->created, sizeof(st->created));
	st->annotations = annotations_json(spec);
	st->own_pidns = oci_spec_new_ns(spec, WIRT_OCI_NS_PID);
	if (cli->systemd_cgroup)
		r = oci_systemd_cgroup_path(spec->cgroups_path, id, path, sizeof(path), err);
	else if (spec->cgroups_path)
		r = snprintf(path, sizeof(path), "%s", spec->cgroups_path) < 0 ? -EINVAL : 0;
	else
		r = snprintf(path, sizeof(path), OCI_CGROUP_PARENT "/%s", id) < 0 ? -EINVAL : 0;
	if (r == 0)
		r = wirt_cgroup_init_path(&st->cg, path, err);
	if (r < 0)
		return wirt_error_prefix(err, "linux.cgroupsPath");
	snprintf(spec->spec.name, sizeof(spec->spec.name), "%.*s", WIRT_NAME_MAX, id);
	return 0;
}

int oci_lifecycle_create(struct oci_cli *cli, const char *id, const struct oci_create_opts *o,
			 struct wirt_oci_spec *spec, struct oci_state *st)
{
	struct wirt_error err = { 0 }, ignored;
	struct oci_create c = { .spec = spec, .st = st, .console_sock = -1,
				.preserve_fds = o->preserve_fds, .no_pivot = o->no_pivot,
				.no_new_keyring = o->no_new_keyring };
	char *config = NULL, path[PATH_MAX];
	size_t config_len = 0;
	bool made_dir = false, made_cg = false;
	int r;

	r = prepare(cli, id, o, spec, st, &config, &config_len, &err);
	if (r == 0) {
		r = oci_state_mkdir(st, &err);
		made_dir = r == 0;
	}
	if (r == 0) {
		r = wirt_cgroup_create(&st->cg, 0, &err);
		made_cg = r == 0;
	}
	if (r == 0) {
		st->cg.fresh = true;
		r = wirt_cgroup_apply(&st->cg, &spec->spec.resources, &err);
		st->cg.fresh = false;
	}
	if (r == 0)
		r = apply_device_rules(&st->cg, spec, &err);
	if (r == 0) {
		r = wirt_write_file_replace(oci_state_file(st, "config.json", path), config,
					   config_len, 0600);
		if (r < 0)
			wirt_errorf(&err, -r, "write '%s'", path);
	}
	if (r == 0) {
		oci_state_file(st, "exec.fifo", path);
		if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0)
			r = wirt_errorf(&err, errno, "create '%s'", path);
	}
	if (r == 0 && o->console_socket) {
		c.console_sock = oci_console_connect(o->console_socket, &err);
		r = c.console_sock < 0 ? c.console_sock : 0;
	}
	if (r == 0)
		r = oci_container_create(&c, &err);
	if (c.console_sock >= 0)
		close(c.console_sock);
	if (r == 0)
		r = oci_state_save(st, &err);
	if (r == 0 && o->pid_file)
		r = oci_write_pid_file(o->pid_file, st->pid, &err);
	free(config);
	if (r == 0)
		return 0;
	if (st->pid > 0)
		kill(st->pid, SIGKILL);
	if (made_cg) {
		(void)wirt_cgroup_kill(&st->cg, 1000, &ignored);
		(void)wirt_cgroup_destroy(&st->cg, &ignored);
	}
	if (made_dir)
		(void)oci_state_remove(st, &ignored);
	oci_fail_err(cli, "create", id, &err);
	return r;
}

static char *state_text(const struct oci_state *st, const char *status)
{
	json_t *o = oci_state_hook_json(st, status);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return text;
}

int oci_lifecycle_start(struct oci_cli *cli, struct oci_state *st, const struct wirt_oci_spec *spec)
{
	struct wirt_error err = { 0 };
	char path[PATH_MAX], c = 0;
	int fd, r = 0;

	fd = open(oci_state_file(st, "exec.fifo", path), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return oci_fail(cli, "start %s: open exec.fifo: %s", st->id, strerror(errno));
	/* Init opened the fifo for writing already or is about to: wait for its byte,
	 * and do not hang if it died instead. */
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			break;
		n = read(fd, &c, 1);
		if (n == 1)
			break;
		if (!oci_state_init_alive(st)) {
			r = -ESRCH;
			break;
		}
		if (n == 0 && !(p.revents & POLLIN)) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	close(fd);
	unlink(path);
	if (r < 0)
		return oci_fail(cli, "start %s: the container's init is gone", st->id);
	if (spec->hooks[WIRT_OCI_HOOK_POSTSTART].n) {
		char *state = state_text(st, "running");

		/* The process runs already: a failing poststart hook is only logged. */
		if (state && oci_hooks_run(spec, WIRT_OCI_HOOK_POSTSTART, state, &err) < 0) {
			char buf[WIRT_ERROR_MAX + 64];
			fprintf(stderr, "wirt-oci: start %s: %s\n", st->id,
				wirt_error_format(&err, buf, sizeof(buf)));
		}
		free(state);
	}
	return 0;
}

int oci_lifecycle_destroy(struct oci_cli *cli, struct oci_state *st,
			  const struct wirt_oci_spec *spec)
{
	struct wirt_error err = { 0 };
	int r;

	if (wirt_cgroup_frozen(&st->cg))
		(void)wirt_cgroup_freeze(&st->cg, false, &err);
	if (oci_state_init_alive(st))
		kill(st->pid, SIGKILL);
	r = wirt_cgroup_kill(&st->cg, 5000, &err);
	if (r == 0)
		r = wirt_cgroup_destroy(&st->cg, &err);
	if (r < 0)
		return oci_fail_err(cli, "delete", st->id, &err);
	if (spec && spec->hooks[WIRT_OCI_HOOK_POSTSTOP].n) {
		char *state = state_text(st, "stopped");

		if (state && oci_hooks_run(spec, WIRT_OCI_HOOK_POSTSTOP, state, &err) < 0) {
			char buf[WIRT_ERROR_MAX + 64];
			fprintf(stderr, "wirt-oci: delete %s: %s\n", st->id,
				wirt_error_format(&err, buf, sizeof(buf)));
		}
		free(state);
	}
	r = oci_state_remove(st, &err);
	if (r < 0)
		return oci_fail_err(cli, "delete", st->id, &err);
	return 0;
}


int oci_wait_forwarding(pid_t pid)
{
	sigset_t all, old;
	int status;

	/* Signals to the runtime are for the container: all of them, SIGCHLD too, are
	 * taken synchronously here, passed on, and SIGCHLD ends the wait at once. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	for (;;) {
		struct timespec tick = { 1, 0 }; /* only a safety net: SIGCHLD wakes us */
		siginfo_t si;
		pid_t w = waitpid(pid, &status, WNOHANG);
		int sig;

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = 255 << 8;
			break;
		}
		sig = sigtimedwait(&all, &si, &tick);
		if (sig > 0 && sig != SIGCHLD)
			kill(pid, sig);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
