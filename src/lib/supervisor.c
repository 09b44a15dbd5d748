/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-vServer supervisor: see supervisor.h. Its memory is what density costs, so
 * it allocates nothing after start-up and runs one poll loop.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "fsutil.h"
#include "guest.h"
#include "lxcfs.h"
#include "paths.h"
#include "state.h"
#include "supervisor.h"
#include "sysinfo.h"
#include "util.h"

struct supervisor {
	const char *root;
	struct wirt_spec spec;
	struct wirt_cgroup cg;
	int ready_fd;	/* to the CLI that started us, until the guest runs */
	int master_fd;	/* console pty */
	int slave_fd;	/* kept open so the master never sees a hangup */
	int log_fd;
	int listen_fd;	/* console.sock */
	int client_fd;	/* the attached `wirt console`, or -1 */
	int signal_fd;
	int sysinfo_fd;	/* the guest's sysinfo(2) listener (sysinfo.h), or -1 */
	char console[64];
	struct wirt_runstate st;
};

/* ---- the user namespace ------------------------------------------------------------ */

static int write_map(pid_t pid, const char *file, uint32_t base, uint32_t count)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	snprintf(map, sizeof(map), "0 %u %u\n", base, count);
	return wirt_write_string(path, map);
}

/* A user namespace mapping ids 0..count-1 to the vServer's range, as an fd. Made by a
 * throwaway child born in it, since only a process can own a namespace. */
static int userns_create(uint32_t base, uint32_t count, struct wirt_error *err)
{
	int sync[2], fd = -1, r;
	char path[64];
	pid_t pid;

	if (pipe2(sync, O_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "create pipe");
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		r = wirt_errorf(err, errno, "create user namespace");
		close(sync[0]);
		close(sync[1]);
		return r;
	}
	if (pid == 0) {
		char c;
		close(sync[1]);
		(void)!read(sync[0], &c, 1); /* until the parent is done with us */
		_exit(0);
	}
	close(sync[0]);
	r = write_map(pid, "uid_map", base, count);
	if (r == 0)
		r = write_map(pid, "gid_map", base, count);
	if (r < 0)
		wirt_errorf(err, -r, "write id map of user namespace");
	if (r == 0) {
		snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = wirt_errorf(err, errno, "open '%s'", path);
	}
	close(sync[1]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return r < 0 ? r : fd;
}

/* ---- the console ------------------------------------------------------------------- */

static int console_open(struct supervisor *s, struct wirt_error *err)
{
	char log[PATH_MAX];
	struct termios tio;

	s->master_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (s->master_fd < 0)
		return wirt_errorf(err, errno, "open console pty");
	if (grantpt(s->master_fd) < 0 || unlockpt(s->master_fd) < 0 ||
	    ptsname_r(s->master_fd, s->console, sizeof(s->console)) != 0)
		return wirt_errorf(err, errno, "unlock console pty");
	s->slave_fd = open(s->console, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s->slave_fd < 0)
		return wirt_errorf(err, errno, "open '%s'", s->console);
	/* Guest root opens it through /dev/console: it must own it in host terms. */
	if (fchown(s->slave_fd, s->spec.id_base, s->spec.id_base + 5) < 0)
		return wirt_errorf(err, errno, "chown '%s'", s->console);
	if (tcgetattr(s->slave_fd, &tio) == 0) {
		tio.c_oflag |= ONLCR;
		tcsetattr(s->slave_fd, TCSANOW, &tio);
	}
	wirt_vserver_file(log, s->root, s->spec.name, "console.log");
	s->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (s->log_fd < 0)
		return wirt_errorf(err, errno, "open '%s'", log);
	return 0;
}

static void log_rotate(struct supervisor *s)
{
	char log[PATH_MAX], old[PATH_MAX];
	struct stat st;

	if (fstat(s->log_fd, &st) < 0 || st.st_size < WIRT_CONSOLE_LOG_MAX)
		return;
	wirt_vserver_file(log, s->root, s->spec.name, "console.log");
	wirt_vserver_file(old, s->root, s->spec.name, "console.log.1");
	if (rename(log, old) < 0)
		return;
	close(s->log_fd);
	s->log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

/* Guest output: to the log, and to the attached client if it keeps up. The
 * supervisor never blocks on a slow client: what does not fit is the client's loss. */
static void console_drain(struct supervisor *s)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(s->master_fd, buf, sizeof(buf))) > 0) {
		if (s->log_fd >= 0) {
			(void)!write(s->log_fd, buf, (size_t)n);
			log_rotate(s);
		}
		if (s->client_fd >= 0 && send(s->client_fd, buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 &&
		    errno != EAGAIN) {
			close(s->client_fd);
			s->client_fd = -1;
		}
	}
}

static void console_input(struct supervisor *s)
{
	char buf[4096];
	ssize_t n = recv(s->client_fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n <= 0) {
		if (n == 0 || errno != EAGAIN) {
			close(s->client_fd);
			s->client_fd = -1;
		}
		return;
	}
	(void)!write(s->master_fd, buf, (size_t)n);
}

static int console_listen(struct supervisor *s, struct wirt_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[PATH_MAX];

	wirt_run_file(path, s->root, s->spec.name, "console.sock");
	if (strlen(path) >= sizeof(addr.sun_path))
		return wirt_errorf(err, ENAMETOOLONG, "console socket '%s'", path);
	strcpy(addr.sun_path, path);
	unlink(path);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0)
		return wirt_errorf(err, errno, "create console socket");
	if (bind(s->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0600) < 0 ||
	    listen(s->listen_fd, 4) < 0)
		return wirt_errorf(err, errno, "listen on '%s'", path);
	return 0;
}

static void console_accept(struct supervisor *s)
{
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	/* One console user at a time; the newest wins, like a serial console. */
	if (s->client_fd >= 0)
		close(s->client_fd);
	s->client_fd = fd;
}

int wirt_console_connect(const char *root, const char *name, struct wirt_error *err)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[PATH_MAX];
	int fd;

	wirt_run_file(path, root, name, "console.sock");
	if (strlen(path) >= sizeof(addr.sun_path))
		return wirt_errorf(err, ENAMETOOLONG, "console socket '%s'", path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return wirt_errorf(err, errno, "create socket");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int r = wirt_errorf(err, errno, "connect to console '%s'", path);
		close(fd);
		return r;
	}
	return fd;
}

/* ---- starting the guest ------------------------------------------------------------ */

/* Stage 1 must inherit only the report pipe and the user namespace: close the rest. */
static void close_all_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	syscall(SYS_close_range, 3, lo - 1, 0);
	if (hi - lo > 1)
		syscall(SYS_close_range, lo + 1, hi - 1, 0);
	syscall(SYS_close_range, hi + 1, ~0U, 0);
}

static void guest_args_fill(const struct supervisor *s, struct wirt_guest_args *a)
{
	memset(a, 0, sizeof(*a));
	a->spec = s->spec;
	a->cg = s->cg;
	wirt_template_rootfs(a->template_rootfs, s->root, s->spec.template_name);
	wirt_vserver_file(a->lower, s->root, s->spec.name, "lower");
	if (s->spec.disk) {
		/* The writable layer inside the vServer's own disk, mounted by stage 1. */
		wirt_vserver_file(a->disk_image, s->root, s->spec.name, "disk.img");
		wirt_vserver_file(a->disk_mnt, s->root, s->spec.name, "disk");
		snprintf(a->upper, sizeof(a->upper), "%s/upper", a->disk_mnt);
		snprintf(a->work, sizeof(a->work), "%s/work", a->disk_mnt);
	} else {
		wirt_vserver_file(a->upper, s->root, s->spec.name, "upper");
		wirt_vserver_file(a->work, s->root, s->spec.name, "work");
	}
	wirt_vserver_file(a->rootfs, s->root, s->spec.name, "rootfs");
	snprintf(a->console, sizeof(a->console), "%s", s->console);
}

/* Runs stages 1 and 2 and collects their reports. On failure nothing of the guest is
 * left running; the cgroup is the caller's to remove. */
/* wirt's helper programs (wirt-supervisor, wirt-network) live beside the running binary
 * (a build tree) or in libexecdir; 'env' names a variable that overrides the path. */
static int helper_path(const char *prog, const char *env_name, char *buf, struct wirt_error *err)
{
	const char *env = getenv(env_name);
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(buf, PATH_MAX, "%s", env);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		char *slash;

		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, PATH_MAX, "%s/%s", self, prog);
			if (access(buf, X_OK) == 0)
				return 0;
		}
	}
	snprintf(buf, PATH_MAX, "%s/%s", WIRT_LIBEXECDIR, prog);
	if (access(buf, X_OK) < 0)
		return wirt_errorf(err, errno, "find '%s'", buf);
	return 0;
}

/* ---- the network ------------------------------------------------------------------ */

/* Runs wirt-network VERB (network.h) with the spec on its stdin and, for up, the
 * guest's network namespace on fd 3; its stderr line becomes err. The supervisor stays
 * small and static: the helper links libmnl and loads libnftables. */
static int network_run(struct supervisor *s, const char *verb, int netns_fd,
		       struct wirt_error *err)
{
	char path[PATH_MAX], line[WIRT_ERROR_MAX];
	int in[2], out[2], status = 0, r;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (s->spec.net.mode == WIRT_NET_NONE)
		return 0;
	r = helper_path("wirt-network", "WIRT_NETWORK_HELPER", path, err);
	if (r < 0)
		return wirt_error_prefix(err, "network %s", verb);
	if (pipe2(in, O_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "create pipe");
	if (pipe2(out, O_CLOEXEC) < 0) {
		r = wirt_errorf(err, errno, "create pipe");
		close(in[0]);
		close(in[1]);
		return r;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 2);
		if (netns_fd >= 0)
			dup2(netns_fd, 3);
		syscall(SYS_close_range, netns_fd >= 0 ? 4 : 3, ~0U, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execl(path, "wirt-network", verb, s->root, s->spec.name, (char *)NULL);
		fprintf(stderr, "run '%s': %s\n", path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		return wirt_errorf(err, errno, "fork");
	}
	/* the spec fits a pipe's buffer: this write does not wait for the reader */
	(void)!write(in[1], &s->spec, sizeof(s->spec));
	close(in[1]);
	while ((n = read(out[0], line + len, sizeof(line) - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
		if (len == sizeof(line) - 1)
			break;
	}
	close(out[0]);
	line[len] = '\0';
	line[strcspn(line, "\n")] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	r = WIFEXITED(status) && WEXITSTATUS(status) != 127 ? WEXITSTATUS(status) : EIO;
	return wirt_error_plain(err, r, "%s", len ? line : "network helper failed");
}

static int network_up(struct supervisor *s, struct wirt_error *err)
{
	char path[64];
	int fd, r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)s->st.init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '%s'", path);
	r = network_run(s, "up", fd, err);
	close(fd);
	return r;
}

static void network_down(struct supervisor *s)
{
	struct wirt_error ignored;

	(void)network_run(s, "down", -1, &ignored);
}

static int guest_start(struct supervisor *s, struct wirt_error *err)
{
	struct wirt_guest_args args;
	struct wirt_msg msg;
	int rep[2], userns_fd, r, fd, status = 0;
	bool failed = false;
	pid_t stage1;

	s->st.init = 0;
	/* stage 2 binds lxcfs's files when it serves them: the same check */
	s->st.lxcfs = wirt_lxcfs_available();
	userns_fd = userns_create(s->spec.id_base, s->spec.id_count, err);
	if (userns_fd < 0)
		return userns_fd;
	/* A socket, not a pipe: stage 2 passes the sysinfo listener over it. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, rep) < 0) {
		close(userns_fd);
		return wirt_errorf(err, errno, "create socket pair");
	}
	guest_args_fill(s, &args);
	args.userns_fd = userns_fd;
	args.report_fd = rep[1];
	stage1 = fork();
	if (stage1 == 0) {
		close_all_but(rep[1], userns_fd);
		wirt_guest_stage1(&args);
	}
	close(rep[1]);
	close(userns_fd);
	if (stage1 < 0) {
		close(rep[0]);
		return wirt_errorf(err, errno, "fork");
	}
	while ((r = wirt_msg_recv_fd(rep[0], &msg, &fd)) > 0) {
		if (msg.type == WIRT_MSG_SYSINFO && fd >= 0) {
			if (s->sysinfo_fd >= 0)
				close(s->sysinfo_fd);
			s->sysinfo_fd = TAKE_FD(fd);
			/* Stage 2's last report: it now waits for its network before it
			 * runs the guest's init. */
			if (!failed && network_up(s, err) < 0) {
				failed = true;
				kill(s->st.init, SIGKILL); /* so the report socket ends */
			} else if (!failed) {
				struct wirt_msg go = { .type = WIRT_MSG_GO };

				(void)wirt_msg_send(rep[0], &go);
			}
		} else if (fd >= 0) {
			close(fd); /* nothing else carries one */
		}
		if (msg.type == WIRT_MSG_PID)
			s->st.init = msg.pid;
		else if (msg.type == WIRT_MSG_STOP_SIGNAL)
			s->st.stop_signal = msg.value;
		else if (msg.type == WIRT_MSG_ERROR && !failed) {
			*err = msg.err;
			failed = true;
		}
	}
	close(rep[0]);
	while (waitpid(stage1, &status, 0) < 0 && errno == EINTR)
		;
	if (!failed && (r < 0 || s->st.init <= 0)) {
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
			/* stage 1 runs in the vServer's cgroup: its memory limit applies */
			wirt_error_plain(err, ENOMEM, "set up guest: killed (out of memory in the "
						      "vServer's cgroup? its memory limit may be too low)");
		else
			wirt_errorf(err, r < 0 ? -r : EPROTO, "set up guest: ended without a report");
		failed = true;
	}
	if (failed) {
		if (s->st.init > 0) {
			kill(s->st.init, SIGKILL);
			while (waitpid(s->st.init, NULL, 0) < 0 && errno == EINTR)
				;
		}
		return -(err->code > 0 ? err->code : EIO);
	}
	s->st.init_starttime = wirt_proc_starttime(s->st.init);
	s->st.started = time(NULL);
	return 0;
}

/* ---- running ----------------------------------------------------------------------- */

static void record_exit(const struct supervisor *s, int status)
{
	char path[PATH_MAX], buf[128];
	int n;

	n = snprintf(buf, sizeof(buf), "exit=%d\nsignal=%d\nstopped=%lld\n",
		     WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		     WIFSIGNALED(status) ? WTERMSIG(status) : 0, (long long)time(NULL));
	wirt_vserver_file(path, s->root, s->spec.name, "last-exit");
	(void)wirt_write_file_atomic(path, buf, (size_t)n, 0644);
}

/* Returns PID 1's wait status once it has ended. */
static int run_loop(struct supervisor *s)
{
	for (;;) {
		struct pollfd p[5] = {
			{ .fd = s->signal_fd, .events = POLLIN },
			{ .fd = s->master_fd, .events = POLLIN },
			{ .fd = s->listen_fd, .events = POLLIN },
			{ .fd = s->client_fd, .events = POLLIN },
			{ .fd = s->sysinfo_fd, .events = POLLIN },
		};

		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			sleep(1);
			continue;
		}
		if (p[1].revents)
			console_drain(s);
		if (s->sysinfo_fd >= 0 && p[4].revents) {
			/* POLLHUP: every process with the filter is gone (a restart comes) */
			if ((p[4].revents & POLLHUP) ||
			    wirt_sysinfo_answer(s->sysinfo_fd, &s->cg, s->st.started) < 0) {
				close(s->sysinfo_fd);
				s->sysinfo_fd = -1;
			}
		}
		if (p[2].revents & POLLIN)
			console_accept(s);
		if (s->client_fd >= 0 && p[3].fd == s->client_fd && p[3].revents)
			console_input(s);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			int status;
			pid_t pid;

			if (read(s->signal_fd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				kill(s->st.init, s->st.stop_signal); /* the host shuts down */
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
				if (pid == s->st.init) {
					console_drain(s);
					return status;
				}
			}
		}
	}
}

/* reboot(2) in a PID namespace kills its init with SIGHUP (restart) or SIGINT (halt,
 * power off): the former means "start me again". */
static bool guest_rebooted(int status)
{
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP;
}

static void cleanup_runtime(struct supervisor *s)
{
	char path[PATH_MAX];

	wirt_run_file(path, s->root, s->spec.name, "console.sock");
	unlink(path);
	wirt_run_file(path, s->root, s->spec.name, "state");
	unlink(path);
	wirt_run_file(path, s->root, s->spec.name, "supervisor.lock");
	unlink(path);
	wirt_run_dir(path, s->root, s->spec.name);
	rmdir(path);
}

static void cleanup_cgroup(struct supervisor *s)
{
	struct wirt_error ignored;

	wirt_cgroup_kill(&s->cg, 5000, &ignored);
	wirt_cgroup_destroy(&s->cg, &ignored);
}

_Noreturn static void supervisor_fail(struct supervisor *s, struct wirt_error *err)
{
	struct wirt_msg msg = { .type = WIRT_MSG_ERROR, .err = *err };

	cleanup_cgroup(s);
	network_down(s);
	cleanup_runtime(s);
	(void)wirt_msg_send(s->ready_fd, &msg);
	_exit(1);
}

static int setup_process(struct supervisor *s, struct wirt_error *err)
{
	char path[PATH_MAX];
	sigset_t mask;
	int null_fd;

	setsid();
	prctl(PR_SET_NAME, "wirt-supervisor");
	/* Orphans of the guest come to us, not to the host's init. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null_fd >= 0) {
		dup2(null_fd, 0);
		dup2(null_fd, 1);
		dup2(null_fd, 2);
		close(null_fd);
	}
	/* The CLI's socket must not reach the guest. */
	fcntl(s->ready_fd, F_SETFD, FD_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	s->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (s->signal_fd < 0)
		return wirt_errorf(err, errno, "create signalfd");

	wirt_run_file(path, s->root, s->spec.name, "supervisor.lock");
	s->st.supervisor = getpid();
	s->st.id_base = s->spec.id_base;
	wirt_runstate_set_boot(&s->st);
	int lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock_fd < 0)
		return wirt_errorf(err, errno, "open '%s'", path);
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return wirt_errorf(err, errno == EWOULDBLOCK ? EBUSY : errno, "lock '%s'", path);
	return 0; /* lock_fd stays open, and locked, until we exit */
}

_Noreturn static void supervisor_main(struct supervisor *s)
{
	struct wirt_msg ready = { .type = WIRT_MSG_READY };
	struct wirt_error err = { 0 };
	int status;

	if (setup_process(s, &err) < 0 || console_open(s, &err) < 0 ||
	    wirt_cgroup_create(&s->cg, s->spec.id_base, &err) < 0 ||
	    wirt_cgroup_apply(&s->cg, &s->spec.resources, &err) < 0 || guest_start(s, &err) < 0 ||
	    console_listen(s, &err) < 0 || wirt_runstate_save(s->root, s->spec.name, &s->st, &err) < 0) {
		if (s->st.init > 0) {
			kill(s->st.init, SIGKILL);
			waitpid(s->st.init, NULL, 0);
		}
		supervisor_fail(s, &err);
	}
	ready.pid = s->st.init;
	(void)wirt_msg_send(s->ready_fd, &ready);
	close(s->ready_fd);

	for (;;) {
		status = run_loop(s);
		record_exit(s, status);
		cleanup_cgroup(s);
		network_down(s);
		if (!guest_rebooted(status))
			break;
		if (wirt_cgroup_create(&s->cg, s->spec.id_base, &err) < 0 ||
		    wirt_cgroup_apply(&s->cg, &s->spec.resources, &err) < 0 || guest_start(s, &err) < 0 ||
		    wirt_runstate_save(s->root, s->spec.name, &s->st, &err) < 0) {
			char line[WIRT_ERROR_MAX + 64];
			int n = snprintf(line, sizeof(line), "\r\nwirt: restart '%s': %s\r\n", s->spec.name,
					 wirt_error_format(&err, line + 64, sizeof(line) - 64) );
			(void)!write(s->log_fd, line, (size_t)n);
			cleanup_cgroup(s);
			break;
		}
	}
	cleanup_runtime(s);
	_exit(0);
}

_Noreturn static void exec_supervisor(const char *path, const char *root, const char *name,
				      int sock)
{
	struct wirt_msg msg = { .type = WIRT_MSG_ERROR };

	if (sock != WIRT_SUPERVISOR_FD) {
		dup2(sock, WIRT_SUPERVISOR_FD);
		close(sock);
	}
	fcntl(WIRT_SUPERVISOR_FD, F_SETFD, 0);
	/* Nothing of the CLI (its vServer lock above all) goes along. */
	syscall(SYS_close_range, WIRT_SUPERVISOR_FD + 1, ~0U, 0);
	execve(path, (char *const[]){ "wirt-supervisor", (char *)root, (char *)name, NULL }, environ);
	wirt_errorf(&msg.err, errno, "run '%s'", path);
	(void)!send(WIRT_SUPERVISOR_FD, &msg, sizeof(msg), MSG_NOSIGNAL);
	_exit(127);
}

int wirt_supervisor_spawn(const char *root, const struct wirt_spec *spec, pid_t *ret_init,
			  struct wirt_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	struct wirt_msg msg;
	int sp[2], r;
	pid_t pid;

	/* a small static program, so that a supervisor costs little memory */
	r = helper_path("wirt-supervisor", "WIRT_SUPERVISOR", path, err);
	if (r < 0)
		return r;
	wirt_path(dir, root, "run", NULL, NULL);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", dir);
	wirt_run_dir(dir, root, spec->name);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", dir);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return wirt_errorf(err, errno, "create socket pair");
	pid = fork();
	if (pid < 0) {
		close(sp[0]);
		close(sp[1]);
		return wirt_errorf(err, errno, "fork supervisor");
	}
	if (pid == 0) {
		close(sp[0]);
		exec_supervisor(path, root, spec->name, sp[1]);
	}
	close(sp[1]);
	/* If the supervisor is already gone, its report (or EOF) below says why. */
	(void)!send(sp[0], spec, sizeof(*spec), MSG_NOSIGNAL);
	r = wirt_msg_recv(sp[0], &msg);
	close(sp[0]);
	if (r == 1 && msg.type == WIRT_MSG_READY) {
		*ret_init = msg.pid;
		return 0;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r == 1 && msg.type == WIRT_MSG_ERROR) {
		*err = msg.err;
		return -(err->code > 0 ? err->code : EIO);
	}
	rmdir(dir);
	return wirt_errorf(err, r < 0 ? -r : EPROTO, "supervisor ended without a report");
}

_Noreturn void wirt_supervisor_main(const char *root, const char *name)
{
	struct supervisor s = {
		.root = root, .ready_fd = WIRT_SUPERVISOR_FD, .master_fd = -1, .slave_fd = -1,
		.log_fd = -1, .listen_fd = -1, .client_fd = -1, .signal_fd = -1, .sysinfo_fd = -1,
	};
	ssize_t n;

	n = recv(WIRT_SUPERVISOR_FD, &s.spec, sizeof(s.spec), 0);
	s.spec.name[sizeof(s.spec.name) - 1] = '\0';
	if (n != (ssize_t)sizeof(s.spec) || strcmp(s.spec.name, name) != 0) {
		struct wirt_msg msg = { .type = WIRT_MSG_ERROR };

		wirt_errorf(&msg.err, EPROTO, "receive the vServer's spec");
		(void)!send(WIRT_SUPERVISOR_FD, &msg, sizeof(msg), MSG_NOSIGNAL);
		_exit(1);
	}
	wirt_cgroup_init(&s.cg, root, s.spec.name);
	supervisor_main(&s);
}
