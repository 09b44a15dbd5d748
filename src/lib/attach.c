/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Joining a running guest: see attach.h. Two forks: the first joins the namespaces
 * (setns on a pidfd, Linux 5.8+, all at once), the second is the first process that is
 * really inside the PID namespace; the first waits for it and passes on its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "attach.h"
#include "cgroup.h"
#include "guest.h"
#include "security.h"
#include "state.h"
#include "syscalls.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define ALL_NAMESPACES                                                                             \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |                \
	 CLONE_NEWCGROUP | CLONE_NEWPID)

struct attach_ctx {
	const struct wirt_attach *a;
	struct wirt_cgroup cg;
	int pidfd;
	int sock;	/* SOCK_SEQPACKET to the caller: errors and the pty master */
	int pipes[3][2];
};

_Noreturn static void child_fail(int sock, struct wirt_error *err, int status)
{
	struct wirt_msg msg = { .type = WIRT_MSG_ERROR, .err = *err };

	(void)!send(sock, &msg, sizeof(msg), MSG_NOSIGNAL);
	_exit(status);
}

/* The program's terminal: a pty of the guest's own devpts instance. */
static int setup_tty(const struct attach_ctx *c, struct wirt_error *err)
{
	struct winsize ws = { .ws_row = c->a->rows, .ws_col = c->a->cols };
	char slave[64];
	int master, fd;

	master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return wirt_errorf(err, errno, "open '/dev/ptmx' in guest");
	if (unlockpt(master) < 0 || ptsname_r(master, slave, sizeof(slave)) != 0)
		return wirt_errorf(err, errno, "unlock pty");
	if (ws.ws_row && ws.ws_col)
		ioctl(master, TIOCSWINSZ, &ws);
	fd = open(slave, O_RDWR | O_NOCTTY);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '%s'", slave);
	if (wirt_msg_send_fd(c->sock, &(struct wirt_msg){ .type = WIRT_MSG_PTY }, master) < 0)
		return wirt_errorf(err, errno, "pass pty");
	close(master);
	if (setsid() < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
		return wirt_errorf(err, errno, "make '%s' the controlling terminal", slave);
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		return wirt_errorf(err, errno, "attach '%s'", slave);
	if (fd > 2)
		close(fd);
	return 0;
}

static int setup_pipes(const struct attach_ctx *c, struct wirt_error *err)
{
	if (dup2(c->pipes[0][0], 0) < 0 || dup2(c->pipes[1][1], 1) < 0 ||
	    dup2(c->pipes[2][1], 2) < 0)
		return wirt_errorf(err, errno, "attach pipes");
	setsid();
	return 0;
}

_Noreturn static void run_program(struct attach_ctx *c)
{
	struct wirt_error err = { 0 };
	char term[128];
	int listener;
	char *env[] = {
		"container=wirt",
		"HOME=/root",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"USER=root",
		"LOGNAME=root",
		NULL,
		NULL,
	};

	if (c->a->term) {
		snprintf(term, sizeof(term), "TERM=%s", c->a->term);
		env[5] = term;
	}
	if ((c->a->tty ? setup_tty(c, &err) : setup_pipes(c, &err)) < 0)
		child_fail(c->sock, &err, 126);
	if (chdir("/root") < 0 && chdir("/") < 0) {
		wirt_errorf(&err, errno, "enter '/'");
		child_fail(c->sock, &err, 126);
	}
	if (wirt_caps_apply(&err) < 0)
		child_fail(c->sock, &err, 126);
	syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (wirt_seccomp_apply(&listener, &err) < 0)
		child_fail(c->sock, &err, 126);
	/* Our caller answers this program's sysinfo(2) while it runs (sysinfo.h). */
	if (wirt_msg_send_fd(c->sock, &(struct wirt_msg){ .type = WIRT_MSG_SYSINFO }, listener) < 0) {
		wirt_errorf(&err, errno, "pass the sysinfo listener");
		child_fail(c->sock, &err, 126);
	}
	close(listener);
	environ = env;
	execvp(c->a->argv[0], c->a->argv);
	wirt_errorf(&err, errno, "run '%s'", c->a->argv[0]);
	child_fail(c->sock, &err, errno == ENOENT ? 127 : 126);
}

/* In the first child: join, fork the program, pass its status on. */
_Noreturn static void join_and_run(struct attach_ctx *c)
{
	struct wirt_error err = { 0 };
	int status;
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* The caller may ignore SIGPIPE or block signals for itself. */
	wirt_signals_default();
	if (wirt_cgroup_attach(&c->cg, 0, &err) < 0)
		child_fail(c->sock, &err, 126);
	if (setns(c->pidfd, ALL_NAMESPACES) < 0) {
		/* EINVAL: a kernel that takes no pidfd here (before 5.8) */
		wirt_errorf(&err, errno, errno == EINVAL ? "join namespaces (needs Linux 5.8+)"
							: "join namespaces");
		child_fail(c->sock, &err, 126);
	}
	if (setgroups(0, NULL) < 0 || setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		wirt_errorf(&err, errno, "become guest root");
		child_fail(c->sock, &err, 126);
	}
	pid = fork();
	if (pid < 0) {
		wirt_errorf(&err, errno, "fork");
		child_fail(c->sock, &err, 126);
	}
	if (pid == 0)
		run_program(c);
	close(c->sock);
	for (int i = 0; i < 3; i++) {
		if (c->pipes[i][0] >= 0) {
			close(c->pipes[i][0]);
			close(c->pipes[i][1]);
		}
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			_exit(126);
	}
	if (WIFSIGNALED(status))
		_exit(128 + WTERMSIG(status));
	_exit(WEXITSTATUS(status));
}

static void close_pipes(struct attach_ctx *c)
{
	for (int i = 0; i < 3; i++) {
		for (int j = 0; j < 2; j++) {
			if (c->pipes[i][j] >= 0)
				close(c->pipes[i][j]);
			c->pipes[i][j] = -1;
		}
	}
}

static int find_init(const char *root, const char *name, int *ret_pidfd, time_t *ret_started,
		     struct wirt_error *err)
{
	struct wirt_runstate run;
	int pidfd;

	if (!wirt_runstate_supervised(root, name) || wirt_runstate_load(root, name, &run, err) < 0)
		return wirt_error_plain(err, ESRCH, "not running");
	pidfd = wirt_sys_pidfd_open(run.init, 0);
	if (pidfd < 0 || !wirt_proc_matches(run.init, run.init_starttime)) {
		if (pidfd >= 0)
			close(pidfd);
		return wirt_error_plain(err, ESRCH, "not running (its PID 1 is gone)");
	}
	*ret_pidfd = pidfd;
	*ret_started = run.started;
	return 0;
}

int wirt_attach_spawn(const char *root, const char *name, const struct wirt_attach *a,
		      struct wirt_attached *ret, struct wirt_error *err)
{
	struct attach_ctx c = { .a = a, .pidfd = -1 };
	int sp[2], master = -1, listener = -1, fd, r;
	time_t started = 0;
	struct wirt_msg msg;
	pid_t pid;

	*ret = (struct wirt_attached){ .pid = -1, .master_fd = -1, .stdin_fd = -1, .stdout_fd = -1,
				       .stderr_fd = -1, .sysinfo_fd = -1 };
	memset(c.pipes, -1, sizeof(c.pipes));
	r = find_init(root, name, &c.pidfd, &started, err);
	if (r < 0)
		return r;
	wirt_cgroup_init(&c.cg, root, name);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		r = wirt_errorf(err, errno, "create socket pair");
		close(c.pidfd);
		return r;
	}
	for (int i = 0; !a->tty && i < 3; i++) {
		if (pipe2(c.pipes[i], O_CLOEXEC) < 0) {
			r = wirt_errorf(err, errno, "create pipe");
			goto fail;
		}
	}
	c.sock = sp[1];
	pid = fork();
	if (pid < 0) {
		r = wirt_errorf(err, errno, "fork");
		goto fail;
	}
	if (pid == 0) {
		close(sp[0]);
		join_and_run(&c);
	}
	close(sp[1]);
	sp[1] = -1;
	close(c.pidfd);
	c.pidfd = -1;
	/* Until exec closes the child's end: the pty master, the sysinfo listener, or why
	 * it failed. */
	while ((r = wirt_msg_recv_fd(sp[0], &msg, &fd)) > 0) {
		if (msg.type == WIRT_MSG_PTY && fd >= 0 && master < 0)
			master = TAKE_FD(fd);
		else if (msg.type == WIRT_MSG_SYSINFO && fd >= 0 && listener < 0)
			listener = TAKE_FD(fd);
		if (fd >= 0)
			close(fd);
		if (msg.type == WIRT_MSG_ERROR) {
			*err = msg.err;
			r = -(err->code > 0 ? err->code : EIO);
			waitpid(pid, NULL, 0);
			if (master >= 0)
				close(master);
			if (listener >= 0)
				close(listener);
			goto fail;
		}
	}
	close(sp[0]);
	ret->pid = pid;
	ret->master_fd = master;
	ret->sysinfo_fd = listener;
	ret->cg = c.cg;
	ret->started = started;
	if (!a->tty) {
		ret->stdin_fd = c.pipes[0][1];
		ret->stdout_fd = c.pipes[1][0];
		ret->stderr_fd = c.pipes[2][0];
		close(c.pipes[0][0]);
		close(c.pipes[1][1]);
		close(c.pipes[2][1]);
	}
	return 0;
fail:
	close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	if (c.pidfd >= 0)
		close(c.pidfd);
	close_pipes(&c);
	return r;
}
