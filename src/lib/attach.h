/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a program inside a running vServer (`wirt exec`, `wirt enter`): a process
 * that joins all of the guest's namespaces and its cgroup, as guest root, under the
 * same capability and seccomp limits as its PID 1.
 *
 * No host file descriptor crosses in, not even the caller's terminal (a guest holding
 * an operator's tty could push keystrokes into it with TIOCSTI): with a terminal the
 * pty is allocated from the guest's own devpts and its master handed out; without,
 * the program gets pipes. The caller relays between those and its own stdio.
 */
#ifndef WIRT_ATTACH_H
#define WIRT_ATTACH_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup.h"
#include "error.h"

struct wirt_attach {
	char *const *argv; /* argv[0] is looked up in the guest's PATH */
	bool tty;
	const char *term;  /* TERM for a tty, or NULL */
	unsigned short rows, cols;
};

struct wirt_attached {
	int sysinfo_fd;	 /* the program's sysinfo(2) listener: answer it with
			  * wirt_sysinfo_answer(sysinfo_fd, &cg, started) while relaying */
	struct wirt_cgroup cg;
	time_t started;	 /* when the vServer started */
	pid_t pid;	 /* a host process that ends with the program's status */
	int master_fd;	 /* tty: the pty master; else -1 */
	int stdin_fd;	 /* pipes: write end of the program's stdin; else -1 */
	int stdout_fd;	 /* pipes: read ends of its stdout and stderr */
	int stderr_fd;
};

/* Starts a->argv in vServer 'name'. Returns 0 when the program runs, -errno when the
 * vServer is not running or the program could not be started (err says why; for a
 * program that does not exist, -ENOENT). */
int wirt_attach_spawn(const char *root, const char *name, const struct wirt_attach *a,
		      struct wirt_attached *ret, struct wirt_error *err);

#endif
