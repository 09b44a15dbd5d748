/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The last steps of a container process, the same for the container's init and for
 * an exec'd process, in the order runc takes them: a terminal (the pty made inside
 * the container, its master sent to --console-socket), session keyring, rlimits,
 * oom_score_adj, personality, the descriptors that may cross (--preserve-fds, never
 * the runtime's own), seccomp while still privileged, capability bounding set, user
 * and groups, the other capability sets, umask, cwd (checked to be inside the
 * container), no_new_privs; then, for init, the wait for `start` on exec.fifo; seccomp
 * when no_new_privs is set; exec. Failures go to the runtime on 'report_fd'.
 */
#ifndef WIRT_OCI_PROCESS_H
#define WIRT_OCI_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"

/* The runtime and the container's processes talk over a SOCK_SEQPACKET socket in
 * struct wirt_msg (guest.h): WIRT_MSG_PID and WIRT_MSG_ERROR as for a vServer, and: */
enum oci_msg_type {
	OCI_MSG_HOOKS = 100, /* init: mounts done, run the createRuntime hooks, then GO */
	OCI_MSG_GO,	    /* runtime: go on (pid: init's host pid, for the state) */
	OCI_MSG_READY,	    /* process set up: init waits on exec.fifo now */
};

struct oci_process {
	const struct wirt_oci_process *proc;
	const struct wirt_seccomp_profile *seccomp; /* NULL: none */
	const struct wirt_oci_spec *spec;	     /* startContainer hooks (init only) */
	const char *state_json;			     /* for those hooks */
	int report_fd;	    /* the runtime's socket: errors, READY */
	int fifo_fd;	    /* init: O_PATH fd of exec.fifo; exec: -1 */
	int console_sock;   /* with proc->terminal: where the pty master goes; else -1 */
	bool bind_console;  /* init: the pty slave is bound onto /dev/console */
	bool new_keyring;   /* join a new session keyring (not --no-new-keyring) */
	bool set_oom_score; /* init: write proc->oom_score_adj */
	unsigned preserve_fds;
};

/* Never returns: execs proc->args or reports the failure and exits. */
_Noreturn void oci_process_exec(const struct oci_process *p);

/* Whether the host runs AppArmor (a process.apparmorProfile is applied then). */
bool oci_apparmor_enabled(void);

/* Reports err to the runtime and exits. */
_Noreturn void oci_fail_child(int report_fd, const struct wirt_error *err);

/* Makes a pty in the current /dev/pts (the container's), sends its master to
 * console_sock, sets the window size and makes the slave the controlling terminal and
 * stdio; with 'bind_console' also bound onto /dev/console; owned by 'uid'. */
int oci_pty_setup(int console_sock, const struct wirt_oci_process *proc, bool bind_console,
		  struct wirt_error *err);

#endif
