/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Relaying the caller's stdio to a program inside a vServer (exec, enter) and waiting
 * for it. With a pty the caller's terminal goes raw and window size changes follow;
 * 'escape_char' (or -1) detaches, as Ctrl-] does in telnet.
 *
 * The relay ends when the program ends, after passing on what it wrote: a daemon it
 * started in the background may hold the pipes open for hours, and `wirt exec N --
 * service start` must still return.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "attach.h"
#include "sysinfo.h"
#include "syscalls.h"
#include "cli.h"

static struct termios saved_tio;
static bool tio_saved;

static void tty_restore(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
	tio_saved = false;
}

static void tty_raw(void)
{
	struct termios tio;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	tio = saved_tio;
	cfmakeraw(&tio);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &tio) == 0)
		tio_saved = true;
}

static bool copy_fd(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		off += w;
	}
	return true;
}

static int wait_status(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return WIRT_EXIT_FAILURE;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The program (or what it started) asked sysinfo(2): answer as its vServer. False
 * when the listener is done (every process with the filter is gone). */
static bool answer_sysinfo(struct wirt_attached *at)
{
	struct pollfd p = { .fd = at->sysinfo_fd, .events = POLLIN };

	if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP)) {
		close(at->sysinfo_fd);
		at->sysinfo_fd = -1;
		return false;
	}
	if (wirt_sysinfo_answer(at->sysinfo_fd, &at->cg, at->started) < 0) {
		close(at->sysinfo_fd);
		at->sysinfo_fd = -1;
		return false;
	}
	return true;
}

/* What is left in 'fd' once the program has ended: read without blocking. */
static void drain(int fd, int to)
{
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (copy_fd(fd, to)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
			break;
	}
}

static void relay_pipes(struct wirt_attached *at, int pidfd)
{
	struct pollfd p[5] = {
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = at->stdout_fd, .events = POLLIN },
		{ .fd = at->stderr_fd, .events = POLLIN },
		{ .fd = pidfd, .events = POLLIN },
		{ .fd = at->sysinfo_fd, .events = POLLIN },
	};

	while (p[1].fd >= 0 || p[2].fd >= 0) {
		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && !copy_fd(STDIN_FILENO, at->stdin_fd)) {
			/* stdin ended (or the program closed its stdin): pass the EOF on */
			close(at->stdin_fd);
			at->stdin_fd = -1;
			p[0].fd = -1;
		}
		for (int i = 1; i < 3; i++) {
			if (p[i].fd >= 0 && p[i].revents && !copy_fd(p[i].fd, i)) {
				close(p[i].fd);
				p[i].fd = -1;
			}
		}
		if (p[4].fd >= 0 && p[4].revents && !answer_sysinfo(at))
			p[4].fd = -1;
		if (p[3].fd >= 0 && p[3].revents) {
			for (int i = 1; i < 3; i++)
				if (p[i].fd >= 0)
					drain(p[i].fd, i);
			break;
		}
	}
	for (int i = 1; i < 3; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	if (at->stdin_fd >= 0)
		close(at->stdin_fd);
}

static void relay_pty(struct wirt_attached *at, int escape_char, int pidfd)
{
	sigset_t mask;
	int sfd;

	sigemptyset(&mask);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tty_raw();
	for (;;) {
		struct pollfd p[5] = {
			{ .fd = STDIN_FILENO, .events = POLLIN },
			{ .fd = at->master_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = pidfd, .events = POLLIN },
			{ .fd = at->sysinfo_fd, .events = POLLIN },
		};

		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[4].fd >= 0 && p[4].revents)
			answer_sysinfo(at);
		if (p[2].revents) {
			struct signalfd_siginfo si;
			struct winsize ws;

			(void)!read(sfd, &si, sizeof(si));
			if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
				ioctl(at->master_fd, TIOCSWINSZ, &ws);
		}
		if (p[0].revents) {
			char buf[4096];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

			if (n <= 0)
				break;
			if (escape_char >= 0 && memchr(buf, escape_char, (size_t)n))
				break;
			(void)!write(at->master_fd, buf, (size_t)n);
		}
		/* EIO: the program and everything it started closed the pty */
		if (p[1].revents && !copy_fd(at->master_fd, STDOUT_FILENO))
			break;
		if (p[3].fd >= 0 && p[3].revents) {
			drain(at->master_fd, STDOUT_FILENO);
			break;
		}
	}
	tty_restore();
	if (sfd >= 0)
		close(sfd);
}

int cli_relay(struct wirt_attached *at, int escape_char)
{
	/* -1 (no program, e.g. the console) never polls readable */
	int pidfd = at->pid > 0 ? wirt_sys_pidfd_open(at->pid, 0) : -1;

	if (at->master_fd >= 0) {
		relay_pty(at, escape_char, pidfd);
		close(at->master_fd);
	} else {
		relay_pipes(at, pidfd);
	}
	if (pidfd >= 0)
		close(pidfd);
	/* From now on a sysinfo(2) of what the program left running fails (ENOSYS). */
	if (at->sysinfo_fd >= 0)
		close(at->sysinfo_fd);
	if (at->pid <= 0)
		return 0;
	return wait_status(at->pid);
}
