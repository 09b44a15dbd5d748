/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Starting a container's init and exec'd processes: see container.h. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "container.h"
#include "fsutil.h"
#include "guest.h"
#include "hooks.h"
#include "process.h"
#include "rootfs.h"
#include "../lib/state.h"
#include "syscalls.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const int ns_clone_flag[WIRT_OCI_NS_TYPES] = {
	[WIRT_OCI_NS_PID] = CLONE_NEWPID,     [WIRT_OCI_NS_NETWORK] = CLONE_NEWNET,
	[WIRT_OCI_NS_MOUNT] = CLONE_NEWNS,    [WIRT_OCI_NS_IPC] = CLONE_NEWIPC,
	[WIRT_OCI_NS_UTS] = CLONE_NEWUTS,     [WIRT_OCI_NS_USER] = CLONE_NEWUSER,
	[WIRT_OCI_NS_CGROUP] = CLONE_NEWCGROUP, [WIRT_OCI_NS_TIME] = CLONE_NEWTIME,
};

static const char *const ns_proc_name[WIRT_OCI_NS_TYPES] = {
	[WIRT_OCI_NS_PID] = "pid",   [WIRT_OCI_NS_NETWORK] = "net", [WIRT_OCI_NS_MOUNT] = "mnt",
	[WIRT_OCI_NS_IPC] = "ipc",   [WIRT_OCI_NS_UTS] = "uts",	    [WIRT_OCI_NS_USER] = "user",
	[WIRT_OCI_NS_CGROUP] = "cgroup", [WIRT_OCI_NS_TIME] = "time",
};

static const struct wirt_oci_namespace *find_ns(const struct wirt_oci_spec *s,
						enum wirt_oci_ns type)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == type)
			return &s->namespaces[i];
	return NULL;
}

bool oci_spec_new_ns(const struct wirt_oci_spec *s, enum wirt_oci_ns type)
{
	const struct wirt_oci_namespace *ns = find_ns(s, type);

	return ns && !ns->path;
}

static void close_all(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

/* Joins the namespaces in fds (by type; -1 = stay), the user namespace first: once in
 * it we hold capabilities over the namespaces it owns. */
static int join_namespaces(const int fds[WIRT_OCI_NS_TYPES], struct wirt_error *err)
{
	if (fds[WIRT_OCI_NS_USER] >= 0) {
		if (setns(fds[WIRT_OCI_NS_USER], CLONE_NEWUSER) < 0)
			return wirt_errorf(err, errno, "join user namespace");
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			return wirt_errorf(err, errno, "become root of the joined user namespace");
	}
	for (int t = 0; t < WIRT_OCI_NS_TYPES; t++) {
		if (t == WIRT_OCI_NS_USER || fds[t] < 0)
			continue;
		if (setns(fds[t], ns_clone_flag[t]) < 0)
			return wirt_errorf(err, errno, "join %s namespace", ns_proc_name[t]);
	}
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct wirt_oci_idmap *m, size_t n,
		     struct wirt_error *err);

/* A user namespace with these maps: a child born in it (clone with CLONE_NEWUSER)
 * waits while the runtime, still root of the host's, writes its maps and opens it;
 * the namespace outlives the child through the returned fd. */
static int userns_with_maps(const struct wirt_oci_idmap *uid, size_t n_uid,
			    const struct wirt_oci_idmap *gid, size_t n_gid, struct wirt_error *err)
{
	char path[64];
	int hold[2], fd = -1, r;
	pid_t pid;

	if (pipe2(hold, O_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid == 0) {
		char c;

		close(hold[1]);
		(void)!read(hold[0], &c, 1); /* EOF: the runtime has what it needs */
		_exit(0);
	}
	close(hold[0]);
	if (pid < 0) {
		close(hold[1]);
		return wirt_errorf(err, errno, "create user namespace");
	}
	r = write_map(pid, "uid_map", uid, n_uid, err);
	if (r == 0)
		r = write_map(pid, "gid_map", gid, n_gid, err);
	if (r == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = wirt_errorf(err, errno, "open '%s'", path);
	}
	close(hold[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r < 0 ? r : fd;
}

static int recv_go(int sock, pid_t *ret_pid, struct wirt_error *err)
{
	struct wirt_msg msg;
	int r = wirt_msg_recv(sock, &msg);

	if (r != 1 || msg.type != OCI_MSG_GO)
		return wirt_errorf(err, r < 0 ? -r : EPIPE, "wait for the runtime");
	if (ret_pid)
		*ret_pid = msg.pid;
	return 0;
}

static int write_timens_offsets(const struct wirt_oci_spec *s, struct wirt_error *err)
{
	static const char *const clocks[2] = { "monotonic", "boottime" };
	char line[96];

	for (int i = 0; i < 2; i++) {
		int r;

		if (!s->has_time_offsets[i])
			continue;
		snprintf(line, sizeof(line), "%s %lld %u", clocks[i],
			 (long long)s->time_offset_secs[i], s->time_offset_nanosecs[i]);
		r = wirt_write_string("/proc/self/timens_offsets", line);
		if (r < 0)
			return wirt_errorf(err, -r, "set time namespace offset '%s'", line);
	}
	return 0;
}

/* ---- the container's init -------------------------------------------------------- */

struct init_args {
	const struct oci_create *c;
	int sock;
	int userns_fd;	      /* the new user namespace to enter, or -1 */
	int fifo_fd;	      /* O_PATH of exec.fifo: opened by the runtime, since the
			       * container's root may not reach the state dir */
	int root_tree;	      /* open_tree copy of the rootfs, attached by init */
	int rootfs_dir;	      /* O_PATH of the rootfs directory */
	bool rootfs_is_cwd;   /* the first child's working directory is the rootfs */
	const int *mount_fds; /* per config mount: its premade tree, or -1 */
	bool userns, cgroupns;
};

static bool hooks_inside(const struct wirt_oci_spec *s)
{
	return s->hooks[WIRT_OCI_HOOK_PRESTART].n || s->hooks[WIRT_OCI_HOOK_CREATE_RUNTIME].n ||
	       s->hooks[WIRT_OCI_HOOK_CREATE_CONTAINER].n ||
	       s->hooks[WIRT_OCI_HOOK_START_CONTAINER].n;
}

/* The state hooks get on stdin while the container is made: "creating", as runc. */
static char *state_text(const struct oci_create *c, pid_t pid, const char *status)
{
	struct oci_state st = *c->st;
	json_t *o;
	char *text;

	st.pid = pid;
	o = oci_state_hook_json(&st, status);
	text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

_Noreturn static void init_main(const struct init_args *a)
{
	const struct oci_create *c = a->c;
	const struct wirt_oci_spec *s = c->spec;
	struct oci_rootfs rf = { .spec = s, .rootfs = c->st->rootfs, .cg = &c->st->cg,
				 .userns = a->userns, .cgroupns = a->cgroupns,
				 .mount_fds = a->mount_fds, .root_tree = a->root_tree,
				 .rootfs_is_cwd = a->rootfs_is_cwd };
	struct wirt_error err = { 0 };
	struct wirt_msg msg = { .type = OCI_MSG_HOOKS };
	char *state = NULL;
	int root_fd, fifo_fd;
	pid_t host_pid = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (s->spec.hostname[0] && sethostname(s->spec.hostname, strlen(s->spec.hostname)) < 0) {
		wirt_errorf(&err, errno, "set hostname '%s'", s->spec.hostname);
		oci_fail_child(a->sock, &err);
	}
	if (s->domainname && setdomainname(s->domainname, strlen(s->domainname)) < 0) {
		wirt_errorf(&err, errno, "set domainname '%s'", s->domainname);
		oci_fail_child(a->sock, &err);
	}
	fifo_fd = a->fifo_fd;
	if (oci_rootfs_prepare(&rf, &root_fd, &err) < 0)
		oci_fail_child(a->sock, &err);
	if (hooks_inside(s)) {
		if (wirt_msg_send(a->sock, &msg) < 0 || recv_go(a->sock, &host_pid, &err) < 0)
			_exit(1);
		state = state_text(c, host_pid, "creating");
		if (!state) {
			wirt_errorf(&err, ENOMEM, "format state for the hooks");
			oci_fail_child(a->sock, &err);
		}
		if (oci_hooks_run(s, WIRT_OCI_HOOK_CREATE_CONTAINER, state, &err) < 0)
			oci_fail_child(a->sock, &err);
	}
	if (oci_rootfs_enter(root_fd, c->no_pivot, &err) < 0 || oci_rootfs_finish(&rf, &err) < 0)
		oci_fail_child(a->sock, &err);
	close(root_fd);
	oci_process_exec(&(struct oci_process){
		.proc = &s->process,
		.seccomp = s->has_seccomp ? &s->seccomp : NULL,
		.spec = s,
		.state_json = state,
		.report_fd = a->sock,
		.fifo_fd = fifo_fd,
		.console_sock = c->console_sock,
		.bind_console = true,
		.new_keyring = !c->no_new_keyring,
		.set_oom_score = true,
		.preserve_fds = c->preserve_fds,
	});
}

/* The first child: cgroup, namespaces, then init as the runtime's child. */
_Noreturn static void stage1(struct init_args a, const int nsfd[WIRT_OCI_NS_TYPES])
{
	const struct oci_create *c = a.c;
	const struct wirt_oci_spec *s = c->spec;
	int sock = a.sock;
	struct wirt_msg msg = { .type = WIRT_MSG_PID };
	struct wirt_error err = { 0 };
	int flags = 0;
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	wirt_signals_default();
	/* Not dumpable: no process of the container may open our /proc files (our exe
	 * is the runtime's binary) while we are among its namespaces. */
	prctl(PR_SET_DUMPABLE, 0);
	if (wirt_cgroup_attach(&c->st->cg, 0, &err) < 0 || join_namespaces(nsfd, &err) < 0)
		oci_fail_child(sock, &err);
	/* The rootfs as working directory: unshare(CLONE_NEWNS) carries it into the new
	 * mount namespace, where init finds the rootfs without a path (rootfs.c). A
	 * mount namespace joined by path has its own root and cwd: the path it is then. */
	if (oci_spec_new_ns(s, WIRT_OCI_NS_MOUNT)) {
		if (fchdir(a.rootfs_dir) < 0) {
			wirt_errorf(&err, errno, "enter rootfs '%s'", c->st->rootfs);
			oci_fail_child(sock, &err);
		}
		a.rootfs_is_cwd = true;
	}
	/* No descriptor of a host directory may reach init: a cwd of /proc/self/fd/N
	 * would lead through it out of the container (CVE-2024-21626). */
	close(a.rootfs_dir);
	a.rootfs_dir = -1;
	a.userns = find_ns(s, WIRT_OCI_NS_USER) != NULL;
	a.cgroupns = find_ns(s, WIRT_OCI_NS_CGROUP) != NULL;
	/* The new user namespace last: the namespaces joined by path above may be the
	 * host's, and only the host's root may join those. */
	if (a.userns_fd >= 0) {
		if (setns(a.userns_fd, CLONE_NEWUSER) < 0) {
			wirt_errorf(&err, errno, "enter the user namespace");
			oci_fail_child(sock, &err);
		}
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			wirt_errorf(&err, errno, "become root of the user namespace");
			oci_fail_child(sock, &err);
		}
	}
	for (int t = 0; t < WIRT_OCI_NS_TYPES; t++)
		if (t != WIRT_OCI_NS_USER && oci_spec_new_ns(s, (enum wirt_oci_ns)t))
			flags |= ns_clone_flag[t];
	if (flags && unshare(flags) < 0) {
		wirt_errorf(&err, errno, "create namespaces");
		oci_fail_child(sock, &err);
	}
	if ((flags & CLONE_NEWTIME) && write_timens_offsets(s, &err) < 0)
		oci_fail_child(sock, &err);
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		wirt_errorf(&err, errno, "create the container's init");
		oci_fail_child(sock, &err);
	}
	if (pid == 0)
		init_main(&a);
	msg.pid = pid;
	(void)wirt_msg_send(sock, &msg);
	_exit(0);
}

static int write_map(pid_t pid, const char *file, const struct wirt_oci_idmap *m, size_t n,
		     struct wirt_error *err)
{
	char path[64], text[4096];
	size_t len = 0;
	int r;

	for (size_t i = 0; i < n && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	if (len >= sizeof(text))
		return wirt_error_invalid(err, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	r = wirt_write_string(path, text);
	if (r < 0)
		return wirt_errorf(err, -r, "write %s", file);
	return 0;
}

static int open_ns_paths(const struct wirt_oci_spec *s, int fds[WIRT_OCI_NS_TYPES],
			 struct wirt_error *err)
{
	for (int t = 0; t < WIRT_OCI_NS_TYPES; t++)
		fds[t] = -1;
	for (size_t i = 0; i < s->n_namespaces; i++) {
		const struct wirt_oci_namespace *ns = &s->namespaces[i];

		if (!ns->path)
			continue;
		fds[ns->type] = open(ns->path, O_RDONLY | O_CLOEXEC);
		if (fds[ns->type] < 0) {
			int e = errno;
			close_all(fds, WIRT_OCI_NS_TYPES);
			return wirt_errorf(err, e, "linux.namespaces[%zu]: open '%s'", i, ns->path);
		}
	}
	return 0;
}

/* A mount's mappings as the kernel's idmapped mounts take them: an id k of the source
 * filesystem shows as the id the mount's user namespace maps k to, and the container
 * is to see hostID as containerID, that is the host id its own user namespace maps
 * containerID to (itself without one). So each range (c, h, n) becomes (h, H(c), n). */
static int compose_maps(const struct wirt_oci_idmap *m, size_t n, const struct wirt_oci_idmap *ct,
			size_t n_ct, bool userns, struct wirt_oci_idmap *out, struct wirt_error *err)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t host = m[i].container_id;

		if (userns) {
			size_t k;

			for (k = 0; k < n_ct; k++) {
				if (m[i].container_id >= ct[k].container_id &&
				    (uint64_t)m[i].container_id + m[i].size <=
					    (uint64_t)ct[k].container_id + ct[k].size)
					break;
			}
			if (k == n_ct)
				return wirt_error_invalid(err, "containerID %u..%llu is not in one range "
							       "of the container's own mappings",
							  m[i].container_id,
							  (unsigned long long)m[i].container_id +
								  m[i].size - 1);
			host = ct[k].host_id + (m[i].container_id - ct[k].container_id);
		}
		out[i] = (struct wirt_oci_idmap){ .container_id = m[i].host_id,
						  .host_id = (uint32_t)host, .size = m[i].size };
	}
	return 0;
}

static int mount_userns(const struct wirt_oci_spec *s, const struct wirt_oci_mount *m,
			struct wirt_error *err)
{
	bool userns = find_ns(s, WIRT_OCI_NS_USER) != NULL;
	struct wirt_oci_idmap *u = calloc(m->n_uid_mappings + 1, sizeof(*u));
	struct wirt_oci_idmap *g = calloc(m->n_gid_mappings + 1, sizeof(*g));
	int r = u && g ? 0 : wirt_errorf(err, ENOMEM, "mappings");

	if (r == 0)
		r = compose_maps(m->uid_mappings, m->n_uid_mappings, s->uid_mappings,
				 s->n_uid_mappings, userns, u, err);
	if (r == 0)
		r = compose_maps(m->gid_mappings, m->n_gid_mappings, s->gid_mappings,
				 s->n_gid_mappings, userns, g, err);
	if (r == 0)
		r = userns_with_maps(u, m->n_uid_mappings, g, m->n_gid_mappings, err);
	free(u);
	free(g);
	return r;
}

/* Bind mounts made here, in the host's mount and user namespace, as detached trees
 * that init attaches (rootfs.c): the idmapped ones (only the host's root may idmap a
 * mount of the host's filesystems: shifted by the mount's own mappings, or else by
 * the container's user namespace), and in a container with a user namespace of its
 * own every bind mount, whose source its root may not be able to reach. Each with
 * its ro/nosuid/nodev/noexec. */
static int premade_mounts(const struct wirt_oci_spec *s, int userns_fd, int *fds,
			  struct wirt_error *err)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct wirt_oci_mount *m = &s->mounts[i];
		struct mount_attr attr = { 0 };
		unsigned rec = (m->flags & MS_REC) ? AT_RECURSIVE : 0;
		int uns = -1, r = 0;

		if (!m->idmap && !(userns_fd >= 0 && (m->flags & MS_BIND)))
			continue;
		if (m->idmap && m->n_uid_mappings) {
			uns = mount_userns(s, m, err);
			if (uns < 0)
				return wirt_error_prefix(err, "mounts[%zu]", i);
		} else if (m->idmap && userns_fd < 0) {
			return wirt_error_invalid(err, "mounts[%zu]: idmap without uidMappings "
						       "needs a user namespace of the container", i);
		}
		if (m->idmap) {
			attr.attr_set = MOUNT_ATTR_IDMAP;
			attr.userns_fd = (uint64_t)(uns >= 0 ? uns : userns_fd);
		}
		if (m->flags & MS_RDONLY)
			attr.attr_set |= MOUNT_ATTR_RDONLY;
		if (m->flags & MS_NOSUID)
			attr.attr_set |= MOUNT_ATTR_NOSUID;
		if (m->flags & MS_NODEV)
			attr.attr_set |= MOUNT_ATTR_NODEV;
		if (m->flags & MS_NOEXEC)
			attr.attr_set |= MOUNT_ATTR_NOEXEC;
		fds[i] = wirt_sys_open_tree(AT_FDCWD, m->source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
								   rec);
		if (fds[i] < 0)
			r = wirt_errorf(err, errno, "mounts[%zu]: open '%s'", i, m->source);
		else if (attr.attr_set && wirt_sys_mount_setattr(fds[i], "", AT_EMPTY_PATH | rec, &attr,
								 sizeof(attr)) < 0)
			r = wirt_errorf(err, errno, "mounts[%zu]: %s '%s'%s", i,
					m->idmap ? "idmap" : "set options of", m->source,
					m->idmap ? " (Linux 5.12+, and a filesystem that supports "
						   "it)" : "");
		if (uns >= 0)
			close(uns);
		if (r < 0)
			return r;
	}
	return 0;
}

static void reap(pid_t pid)
{
	while (pid > 0 && waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

int oci_container_create(const struct oci_create *c, struct wirt_error *err)
{
	const struct wirt_oci_spec *s = c->spec;
	struct init_args a = { .c = c, .sock = -1, .userns_fd = -1, .fifo_fd = -1,
			       .root_tree = -1, .rootfs_dir = -1 };
	char fifo[PATH_MAX];
	int nsfd[WIRT_OCI_NS_TYPES], sv[2], r = 0, *mount_fds;
	pid_t child = 0, init = 0;
	bool ready = false;

	if (oci_spec_new_ns(s, WIRT_OCI_NS_USER) && (!s->n_uid_mappings || !s->n_gid_mappings))
		return wirt_error_invalid(err, "linux.uidMappings: a new user namespace needs "
					       "uidMappings and gidMappings");
	r = open_ns_paths(s, nsfd, err);
	if (r < 0)
		return r;
	a.mount_fds = mount_fds = calloc(s->n_mounts + 1, sizeof(*mount_fds));
	if (!mount_fds) {
		close_all(nsfd, WIRT_OCI_NS_TYPES);
		return wirt_errorf(err, ENOMEM, "mounts");
	}
	for (size_t i = 0; i < s->n_mounts; i++)
		mount_fds[i] = -1;
	if (oci_spec_new_ns(s, WIRT_OCI_NS_USER)) {
		a.userns_fd = userns_with_maps(s->uid_mappings, s->n_uid_mappings, s->gid_mappings,
					       s->n_gid_mappings, err);
		r = a.userns_fd < 0 ? a.userns_fd : 0;
	}
	if (r == 0)
		r = premade_mounts(s, a.userns_fd, mount_fds, err);
	if (r == 0) {
		a.fifo_fd = open(oci_state_file(c->st, "exec.fifo", fifo), O_PATH | O_CLOEXEC);
		if (a.fifo_fd < 0)
			r = wirt_errorf(err, errno, "open '%s'", fifo);
	}
	if (r == 0) {
		a.rootfs_dir = open(c->st->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		a.root_tree = wirt_sys_open_tree(AT_FDCWD, c->st->rootfs,
						 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (a.rootfs_dir < 0 || a.root_tree < 0)
			r = wirt_errorf(err, errno, "open rootfs '%s'", c->st->rootfs);
	}
	if (r == 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		r = wirt_errorf(err, errno, "create socket");
	if (r == 0 && (child = fork()) < 0) {
		r = wirt_errorf(err, errno, "fork");
		close(sv[0]);
		close(sv[1]);
	}
	if (r < 0) {
		close_all(nsfd, WIRT_OCI_NS_TYPES);
		close_all(mount_fds, s->n_mounts);
		free(mount_fds);
		if (a.userns_fd >= 0)
			close(a.userns_fd);
		if (a.fifo_fd >= 0)
			close(a.fifo_fd);
		if (a.root_tree >= 0)
			close(a.root_tree);
		if (a.rootfs_dir >= 0)
			close(a.rootfs_dir);
		return r;
	}
	if (child == 0) {
		close(sv[0]);
		a.sock = sv[1];
		stage1(a, nsfd);
	}
	close(sv[1]);
	close_all(nsfd, WIRT_OCI_NS_TYPES);
	close_all(mount_fds, s->n_mounts);
	free(mount_fds);
	if (a.userns_fd >= 0)
		close(a.userns_fd);
	close(a.fifo_fd);
	close(a.root_tree);
	close(a.rootfs_dir);
	while (r == 0 && !ready) {
		struct wirt_msg msg;
		int got = wirt_msg_recv(sv[0], &msg);

		if (got <= 0) {
			r = wirt_errorf(err, got < 0 ? -got : EPIPE,
					"the container's init ended before it was ready");
			break;
		}
		switch (msg.type) {
		case WIRT_MSG_PID:
			init = msg.pid;
			reap(child);
			child = 0;
			break;
		case OCI_MSG_HOOKS: {
			char *state = state_text(c, init, "creating");

			r = state ? 0 : wirt_errorf(err, ENOMEM, "format state for the hooks");
			if (r == 0)
				r = oci_hooks_run(s, WIRT_OCI_HOOK_PRESTART, state, err);
			if (r == 0)
				r = oci_hooks_run(s, WIRT_OCI_HOOK_CREATE_RUNTIME, state, err);
			free(state);
			msg = (struct wirt_msg){ .type = OCI_MSG_GO, .pid = init };
			if (r == 0)
				r = wirt_msg_send(sv[0], &msg);
			break;
		}
		case OCI_MSG_READY:
			ready = true;
			break;
		case WIRT_MSG_ERROR:
			*err = msg.err;
			r = -(err->code ? err->code : EIO);
			break;
		default:
			r = wirt_errorf(err, EPROTO, "unexpected message %d from init", msg.type);
		}
	}
	close(sv[0]);
	if (child > 0) {
		if (r < 0)
			kill(child, SIGKILL);
		reap(child);
	}
	if (r < 0) {
		if (init > 0) {
			kill(init, SIGKILL);
			reap(init);
		}
		return r;
	}
	c->st->pid = init;
	c->st->pid_start = wirt_proc_starttime(init);
	return 0;
}

/* ---- exec ------------------------------------------------------------------------ */

int oci_container_exec(const struct oci_exec *x, pid_t *ret_pid, struct wirt_error *err)
{
	const struct wirt_oci_spec *s = x->spec;
	int nsfd[WIRT_OCI_NS_TYPES], sv[2], r = 0;
	pid_t child, pid = 0;

	for (int t = 0; t < WIRT_OCI_NS_TYPES; t++)
		nsfd[t] = -1;
	/* Every namespace the container's init is in that the config names (new or
	 * joined), taken from init itself. */
	for (size_t i = 0; i < s->n_namespaces; i++) {
		enum wirt_oci_ns t = s->namespaces[i].type;
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)x->st->pid, ns_proc_name[t]);
		nsfd[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd[t] < 0) {
			r = wirt_errorf(err, errno, "open '%s'", path);
			close_all(nsfd, WIRT_OCI_NS_TYPES);
			return r;
		}
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		close_all(nsfd, WIRT_OCI_NS_TYPES);
		return wirt_errorf(err, errno, "create socket");
	}
	child = fork();
	if (child < 0) {
		r = wirt_errorf(err, errno, "fork");
		close(sv[0]), close(sv[1]);
		close_all(nsfd, WIRT_OCI_NS_TYPES);
		return r;
	}
	if (child == 0) {
		struct wirt_msg msg = { .type = WIRT_MSG_PID };
		struct wirt_error e = { 0 };

		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		wirt_signals_default();
		prctl(PR_SET_DUMPABLE, 0);
		if (wirt_cgroup_attach(&x->st->cg, 0, &e) < 0 || join_namespaces(nsfd, &e) < 0)
			oci_fail_child(sv[1], &e);
		pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
		if (pid < 0) {
			wirt_errorf(&e, errno, "create the process");
			oci_fail_child(sv[1], &e);
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			oci_process_exec(&(struct oci_process){
				.proc = x->proc,
				.seccomp = s->has_seccomp ? &s->seccomp : NULL,
				.report_fd = sv[1],
				.fifo_fd = -1,
				.console_sock = x->console_sock,
				.new_keyring = false,
				.preserve_fds = x->preserve_fds,
			});
		}
		msg.pid = pid;
		(void)wirt_msg_send(sv[1], &msg);
		_exit(0);
	}
	close(sv[1]);
	close_all(nsfd, WIRT_OCI_NS_TYPES);
	for (;;) {
		struct wirt_msg msg;
		int got = wirt_msg_recv(sv[0], &msg);

		if (got == 0)
			break; /* the process exec'd: its end of the socket closed */
		if (got < 0) {
			r = wirt_errorf(err, -got, "read from the process");
			break;
		}
		if (msg.type == WIRT_MSG_PID) {
			pid = msg.pid;
		} else if (msg.type == WIRT_MSG_ERROR) {
			*err = msg.err;
			r = -(err->code ? err->code : EIO);
			break;
		}
	}
	close(sv[0]);
	reap(child);
	if (r == 0 && pid <= 0)
		r = wirt_errorf(err, EPIPE, "the process ended before it ran");
	if (r < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			reap(pid);
		}
		return r;
	}
	*ret_pid = pid;
	return 0;
}
