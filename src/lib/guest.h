/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building a running guest, the steps after the supervisor forks (see supervisor.c):
 *
 *  stage 1 (host root, in a private mount namespace of its own):
 *     join the vServer's cgroup; mount the template idmapped to the vServer's id range
 *     and the overlay root on top of it; enter the vServer's user namespace; create the
 *     UTS, IPC, network, cgroup, mount and PID namespaces, all owned by that user
 *     namespace; clone stage 2 as a child of the supervisor; exit.
 *  stage 2 (PID 1 of the new PID namespace, root only inside):
 *     hostname; proc, sys (read-only), a minimal /dev, devpts, the console; masked
 *     /proc paths; pivot_root; capability and seccomp limits; exec the guest's init (or
 *     run wirt's tiny init when the guest has none).
 *
 * Every mount that stage 1 makes lives only in its own mount namespace and in the
 * guest's copy: none reaches the host's mount table, so a crash leaks no mount.
 * Failures go to the supervisor as a struct wirt_msg on the report pipe; the pipe is
 * close-on-exec, so EOF after a PID message means PID 1 is running its program.
 */
#ifndef WIRT_GUEST_H
#define WIRT_GUEST_H

#include <limits.h>
#include <sys/types.h>

#include "cgroup.h"
#include "error.h"
#include "spec.h"

enum wirt_msg_type {
	WIRT_MSG_PID = 1,     /* stage 1: pid = host pid of PID 1 */
	WIRT_MSG_STOP_SIGNAL, /* stage 2: value = the signal that powers the guest off */
	WIRT_MSG_ERROR,	      /* err: why the guest could not start */
	WIRT_MSG_READY,	      /* supervisor to CLI: running; pid = PID 1 */
	WIRT_MSG_SYSINFO,     /* carries the guest's sysinfo(2) listener (sysinfo.h) */
	WIRT_MSG_PTY,	      /* attach: carries the master of the program's pty */
	WIRT_MSG_GO,	      /* supervisor to stage 2: the network is up, run init */
};

struct wirt_msg {
	int type;
	pid_t pid;
	int value;
	struct wirt_error err;
};

struct wirt_guest_args {
	struct wirt_spec spec;
	struct wirt_cgroup cg;
	char template_rootfs[PATH_MAX];
	char lower[PATH_MAX];  /* where the idmapped template is mounted */
	char upper[PATH_MAX];
	char work[PATH_MAX];
	char disk_image[PATH_MAX]; /* the vServer's own disk (disk.h), or "" */
	char disk_mnt[PATH_MAX];   /* where stage 1 mounts it; upper and work are in it */
	char rootfs[PATH_MAX]; /* where the overlay is mounted */
	char console[64];      /* host path of the console pty's slave */
	int userns_fd;	       /* the vServer's user namespace */
	int report_fd;	       /* our end of the report socket (SOCK_SEQPACKET) */
};

/* Stage 1, in a freshly forked child of the supervisor. Never returns. */
_Noreturn void wirt_guest_stage1(struct wirt_guest_args *args);

/* Writes a message to fd (a pipe: one write, atomic below PIPE_BUF... the struct is
 * larger, so the reader loops). Returns 0 or -errno. */
int wirt_msg_send(int fd, const struct wirt_msg *msg);

/* Reads one message; 0 on EOF, 1 on a message, -errno on error. */
int wirt_msg_recv(int fd, struct wirt_msg *msg);

/* Sends 'len' bytes with the descriptor 'fd' over a unix socket (SCM_RIGHTS). */
int wirt_send_fd(int sock, const void *data, size_t len, int fd);

/* Sends a message with a file descriptor over a unix socket (SCM_RIGHTS). */
int wirt_msg_send_fd(int sock, const struct wirt_msg *msg, int fd);

/* Receives one message from a SOCK_SEQPACKET socket with the descriptor it carries, if
 * any, in *ret_fd (close-on-exec; -1 when none). 0 on EOF, 1 on a message, -errno. */
int wirt_msg_recv_fd(int sock, struct wirt_msg *msg, int *ret_fd);

/* The signal that asks guest init 'init_path' (a path resolved inside the guest) to
 * power off: RTMIN+4 for systemd, SIGUSR2 for busybox init, SIGPWR otherwise (what
 * sysvinit's inittab "powerfail" entries and LXC guests expect). */
int wirt_guest_stop_signal_for(const char *init_path);

#endif
