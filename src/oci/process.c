/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The last steps of a container process: see process.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include "fsutil.h"
#include "guest.h"
#include "hooks.h"
#include "process.h"
#include "security.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

_Noreturn void oci_fail_child(int report_fd, const struct wirt_error *err)
{
	struct wirt_msg msg = { .type = WIRT_MSG_ERROR, .err = *err };

	(void)wirt_msg_send(report_fd, &msg);
	_exit(1);
}

bool oci_apparmor_enabled(void)
{
	char buf[8];

	return wirt_read_file("/sys/module/apparmor/parameters/enabled", buf, sizeof(buf)) > 0 &&
	       buf[0] == 'Y';
}

/* The profile the program is to run under from its exec on (the kernel's
 * attr/apparmor/exec, or attr/exec on kernels before 5.8). */
static int set_apparmor(const char *profile, struct wirt_error *err)
{
	char text[512];
	int r;

	snprintf(text, sizeof(text), "exec %s", profile);
	r = wirt_write_string("/proc/self/attr/apparmor/exec", text);
	if (r == -ENOENT)
		r = wirt_write_string("/proc/self/attr/exec", text);
	if (r < 0)
		return wirt_errorf(err, -r, "apply AppArmor profile '%s'", profile);
	return 0;
}

/* The master goes to the client as runc sends it: one SCM_RIGHTS message whose
 * payload is a name (containerd and conmon only take the descriptor). */
static int send_master(int sock, int master, struct wirt_error *err)
{
	static const char name[] = "/dev/ptmx";
	int r = wirt_send_fd(sock, name, sizeof(name) - 1, master);

	if (r < 0)
		return wirt_errorf(err, -r, "send the pty to the console socket");
	return 0;
}

int oci_pty_setup(int console_sock, const struct wirt_oci_process *proc, bool bind_console,
		  struct wirt_error *err)
{
	_cleanup_close_ int master = -1, slave = -1;
	int unlock = 0;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return wirt_errorf(err, errno, "open '/dev/ptmx' in the container");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return wirt_errorf(err, errno, "unlock pty");
	slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		return wirt_errorf(err, errno, "open pty slave");
	if (proc->has_console_size) {
		struct winsize ws = { .ws_row = (unsigned short)proc->console_height,
				      .ws_col = (unsigned short)proc->console_width };
		(void)ioctl(slave, TIOCSWINSZ, &ws);
	}
	/* The process's own terminal, as a login would leave it. */
	if (fchown(slave, proc->uid, (gid_t)-1) < 0 && errno != EINVAL)
		return wirt_errorf(err, errno, "give the pty to uid %u", proc->uid);
	if (bind_console) {
		char src[64];
		int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOCTTY | O_CLOEXEC, 0600);

		if (fd < 0 && errno != ENXIO && errno != EIO)
			return wirt_errorf(err, errno, "create '/dev/console'");
		if (fd >= 0)
			close(fd);
		snprintf(src, sizeof(src), "/proc/self/fd/%d", slave);
		if (mount(src, "/dev/console", NULL, MS_BIND, NULL) < 0)
			return wirt_errorf(err, errno, "bind the pty onto '/dev/console'");
	}
	if (send_master(console_sock, master, err) < 0)
		return -EIO;
	if (setsid() < 0 && errno != EPERM)
		return wirt_errorf(err, errno, "create session");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return wirt_errorf(err, errno, "make the pty the controlling terminal");
	if (dup2(slave, 0) < 0 || dup2(slave, 1) < 0 || dup2(slave, 2) < 0)
		return wirt_errorf(err, errno, "attach the pty");
	return 0;
}

static int set_rlimits(const struct wirt_oci_process *proc, struct wirt_error *err)
{
	for (size_t i = 0; i < proc->n_rlimits; i++) {
		const struct wirt_oci_rlimit *l = &proc->rlimits[i];
		struct rlimit rl = { .rlim_cur = l->soft, .rlim_max = l->hard };

		if (setrlimit(l->resource, &rl) < 0)
			return wirt_errorf(err, errno, "set rlimit %d to %llu:%llu (raising a hard "
						       "limit needs CAP_SYS_RESOURCE)",
					   l->resource, (unsigned long long)l->soft,
					   (unsigned long long)l->hard);
	}
	return 0;
}

static int set_personality(const struct wirt_oci_spec *s, struct wirt_error *err)
{
	unsigned long persona = PER_LINUX;

	if (!s || !s->has_personality)
		return 0;
	if (s->personality_domain && strcmp(s->personality_domain, "LINUX32") == 0)
		persona = PER_LINUX32;
	if (personality(persona) < 0)
		return wirt_errorf(err, errno, "set personality %s", s->personality_domain);
	return 0;
}

/* Only --preserve-fds' descriptors (3 .. 3+N-1) and stdio cross into the container:
 * every other one is close-on-exec from here, whoever opened it. */
static int fence_descriptors(unsigned preserve, struct wirt_error *err)
{
	for (unsigned fd = 3; fd < 3 + preserve; fd++) {
		int fl = fcntl((int)fd, F_GETFD);

		if (fl >= 0)
			(void)fcntl((int)fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
	if (syscall(SYS_close_range, 3 + preserve, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "mark descriptors close-on-exec");
	return 0;
}

static int set_user(const struct wirt_oci_process *proc, struct wirt_error *err)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return wirt_errorf(err, errno, "keep capabilities");
	if (setgroups(proc->n_gids, proc->additional_gids) < 0 && errno != EPERM)
		return wirt_errorf(err, errno, "set additional groups");
	if (setresgid(proc->gid, proc->gid, proc->gid) < 0)
		return wirt_errorf(err, errno, "set gid %u", proc->gid);
	if (setresuid(proc->uid, proc->uid, proc->uid) < 0)
		return wirt_errorf(err, errno, "set uid %u", proc->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return wirt_errorf(err, errno, "drop keep-capabilities");
	return 0;
}

/* The working directory, entered as the process's user, must be inside the
 * container: a cwd like /proc/self/fd/N naming a descriptor of the runtime would
 * leave it outside (CVE-2024-21626); getcwd() then has no path from our root. */
static bool same_place(int a, int b)
{
	struct statx x, y;

	if (statx(a, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &x) < 0 ||
	    statx(b, "", AT_EMPTY_PATH, STATX_INO | STATX_MNT_ID, &y) < 0)
		return false;
	return x.stx_ino == y.stx_ino && x.stx_dev_major == y.stx_dev_major &&
	       x.stx_dev_minor == y.stx_dev_minor &&
	       (!(x.stx_mask & y.stx_mask & STATX_MNT_ID) || x.stx_mnt_id == y.stx_mnt_id);
}

/* Whether "." is below "/": its ".." chain reaches our root (same inode on the same
 * mount). Outside, it ends at another top, whose ".." is itself. */
static bool cwd_inside_root(void)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int cur = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	bool inside = false;

	for (int depth = 0; root >= 0 && cur >= 0 && depth < 4096; depth++) {
		int up;

		if (same_place(cur, root)) {
			inside = true;
			break;
		}
		up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0 || same_place(up, cur)) {
			if (up >= 0)
				close(up);
			break; /* a top that is not our root */
		}
		close(cur);
		cur = up;
	}
	if (cur >= 0)
		close(cur);
	if (root >= 0)
		close(root);
	return inside;
}

static int enter_cwd(const char *cwd, struct wirt_error *err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return wirt_errorf(err, errno, "chdir to cwd '%s' set in config.json", cwd);
	/* getcwd() says "(unreachable)" for most ways out; the walk up to "/" catches
	 * the rest (a directory of another mount namespace). */
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/' || !cwd_inside_root())
		return wirt_error_plain(err, EPERM, "cwd '%s' is outside the container's root",
					cwd);
	return 0;
}

static const char *env_get(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; env && *env; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* args[0] as exec.LookPath finds it with the process's own PATH; checked before the
 * wait for `start`, so that `create` reports a missing program, as runc does. */
static int find_program(const struct wirt_oci_process *proc, char *buf, size_t size,
			struct wirt_error *err)
{
	const char *name = proc->args.v[0];
	const char *path = env_get(proc->env.v, "PATH");

	if (strchr(name, '/')) {
		snprintf(buf, size, "%s", name);
		if (access(buf, X_OK) < 0)
			return wirt_errorf(err, errno, "exec '%s'", name);
		return 0;
	}
	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		struct stat st;

		snprintf(buf, size, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", name);
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return 0;
		path += n + (path[n] == ':');
	}
	return wirt_error_plain(err, ENOENT, "exec '%s': executable file not found in $PATH",
				name);
}

/* HOME, when the process's env has none: the user's home in the container's
 * /etc/passwd, else "/", as runc sets it. Returns the env to exec with (a new array
 * when HOME was added; it is never freed: exec follows). */
static char *const *env_with_home(const struct wirt_oci_process *proc)
{
	static char home[PATH_MAX + 8];
	char line[1024];
	size_t n = proc->env.n;
	char **env;
	FILE *f;

	if (env_get(proc->env.v, "HOME"))
		return proc->env.v;
	snprintf(home, sizeof(home), "HOME=/");
	f = fopen("/etc/passwd", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *field[7] = { 0 }, *save = NULL, *p = line;
		int k = 0;

		/* name:pw:uid:gid:gecos:home:shell; empty fields are fields. */
		for (; k < 7 && p; k++) {
			field[k] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		(void)save;
		if (k >= 6 && field[2] && strtoul(field[2], NULL, 10) == proc->uid && field[5][0]) {
			field[5][strcspn(field[5], "\n")] = '\0';
			snprintf(home, sizeof(home), "HOME=%s", field[5]);
			break;
		}
	}
	if (f)
		fclose(f);
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return proc->env.v;
	for (size_t i = 0; i < n; i++)
		env[i] = proc->env.v[i];
	env[n] = home;
	return env;
}

/* Blocks until `start` opens exec.fifo for reading, then tells it we go. */
static int wait_start(int fifo_fd, struct wirt_error *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return wirt_errorf(err, errno, "open exec.fifo");
	if (write(fd, "0", 1) != 1) {
		close(fd);
		return wirt_errorf(err, errno, "write exec.fifo");
	}
	close(fd);
	close(fifo_fd);
	return 0;
}

_Noreturn void oci_process_exec(const struct oci_process *p)
{
	const struct wirt_oci_process *proc = p->proc;
	struct wirt_msg ready = { .type = OCI_MSG_READY };
	struct wirt_error err = { 0 };
	char program[PATH_MAX];
	char *const *env;
	uint64_t caps[WIRT_CAPSETS] = { 0 };
	int listener = -1;

	if (proc->terminal && oci_pty_setup(p->console_sock, proc, p->bind_console, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	if (p->console_sock >= 0)
		close(p->console_sock);
	if (!proc->terminal && p->fifo_fd >= 0 && setsid() < 0 && errno != EPERM) {
		wirt_errorf(&err, errno, "create session");
		oci_fail_child(p->report_fd, &err);
	}
	/* A keyring of its own: keys are not namespaced, and the host's session keyring
	 * must not be the container's. Seccomp may forbid keyctl: then there is none. */
	if (p->new_keyring)
		(void)syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0);
	if (set_rlimits(proc, &err) < 0 || set_personality(p->spec, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	if (p->set_oom_score && proc->has_oom_score_adj) {
		char v[16];
		int r;

		snprintf(v, sizeof(v), "%d", proc->oom_score_adj);
		r = wirt_write_string("/proc/self/oom_score_adj", v);
		if (r < 0) {
			wirt_errorf(&err, -r, "set oom_score_adj %s (lowering it needs "
					      "CAP_SYS_RESOURCE)", v);
			oci_fail_child(p->report_fd, &err);
		}
	}
	if (fence_descriptors(p->preserve_fds, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	/* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: before the drop. */
	if (p->seccomp && !proc->no_new_privileges &&
	    wirt_seccomp_load_profile(p->seccomp, false, &listener, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	if (proc->has_caps)
		memcpy(caps, proc->caps, sizeof(caps));
	if (wirt_caps_bound(caps[WIRT_CAPSET_BOUNDING], &err) < 0 || set_user(proc, &err) < 0 ||
	    wirt_caps_set(caps, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	umask(proc->has_umask ? proc->umask : 022);
	if (enter_cwd(proc->cwd ? proc->cwd : "/", &err) < 0 ||
	    find_program(proc, program, sizeof(program), &err) < 0)
		oci_fail_child(p->report_fd, &err);
	if (proc->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		wirt_errorf(&err, errno, "set no_new_privs");
		oci_fail_child(p->report_fd, &err);
	}
	if (p->fifo_fd >= 0) {
		/* Set up: the runtime's `create` may end now; we outlive it. */
		prctl(PR_SET_PDEATHSIG, 0);
		if (wirt_msg_send(p->report_fd, &ready) < 0)
			_exit(1);
		if (wait_start(p->fifo_fd, &err) < 0)
			_exit(1);
		if (p->spec && p->spec->hooks[WIRT_OCI_HOOK_START_CONTAINER].n &&
		    oci_hooks_run(p->spec, WIRT_OCI_HOOK_START_CONTAINER, p->state_json, &err) < 0) {
			char buf[WIRT_ERROR_MAX + 64];
			dprintf(2, "wirt-oci: %s\n", wirt_error_format(&err, buf, sizeof(buf)));
			_exit(1);
		}
	}
	env = env_with_home(proc);
	if (proc->apparmor_profile && set_apparmor(proc->apparmor_profile, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	if (p->seccomp && proc->no_new_privileges &&
	    wirt_seccomp_load_profile(p->seccomp, true, &listener, &err) < 0)
		oci_fail_child(p->report_fd, &err);
	if (listener >= 0)
		close(listener); /* no listener path to hand it to: refused at create */
	signal(SIGPIPE, SIG_DFL);
	/* The program must outlive the runtime (exec --detach, create): execve keeps a
	 * parent-death signal. */
	prctl(PR_SET_PDEATHSIG, 0);
	execve(program, proc->args.v, env);
	wirt_errorf(&err, errno, "exec '%s'", program);
	if (p->fifo_fd >= 0) {
		/* `create` is gone: say it where the container's output goes, as runc. */
		char buf[WIRT_ERROR_MAX + 64];
		dprintf(2, "wirt-oci: %s\n", wirt_error_format(&err, buf, sizeof(buf)));
		_exit(127);
	}
	oci_fail_child(p->report_fd, &err);
}
