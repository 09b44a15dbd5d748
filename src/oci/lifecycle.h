/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The steps `create`, `start`, `run` and `delete` share: a container is made (state
 * dir, cgroup with its limits, exec.fifo, the config kept, init started), started
 * (exec.fifo opened, poststart hooks) and destroyed (processes killed, cgroup
 * removed, poststop hooks, state dir removed). A failed create leaves nothing.
 */
#ifndef WIRT_OCI_LIFECYCLE_H
#define WIRT_OCI_LIFECYCLE_H

#include <stdbool.h>

#include "cli.h"
#include "config.h"
#include "state.h"

struct oci_create_opts {
	const char *bundle;	    /* NULL: the working directory */
	const char *pid_file;	    /* NULL: none */
	const char *console_socket; /* NULL: none */
	unsigned preserve_fds;
	bool no_pivot, no_new_keyring;
	bool detach;		    /* run --detach / create: the caller may not wait */
};

/* Creates container 'id' from its bundle: *spec and *st are filled (the caller frees
 * both, also after a failure). Errors are reported (oci_fail) and returned as -errno. */
int oci_lifecycle_create(struct oci_cli *cli, const char *id, const struct oci_create_opts *o,
			 struct wirt_oci_spec *spec, struct oci_state *st);

/* Lets a created container's init run its program; poststart hooks follow. */
int oci_lifecycle_start(struct oci_cli *cli, struct oci_state *st, const struct wirt_oci_spec *spec);

/* Kills what runs in the container, removes its cgroup, runs poststop hooks and
 * removes its state. */
int oci_lifecycle_destroy(struct oci_cli *cli, struct oci_state *st,
			  const struct wirt_oci_spec *spec);

/* Drops the security labels this host has nothing for (AppArmor off: the profile is
 * not applied, as runc does; no SELinux), saying so with --debug; refuses an SELinux
 * label on an SELinux host (not supported yet). */
int oci_security_labels(struct oci_cli *cli, struct wirt_oci_process *proc,
			struct wirt_error *err);

/* Loads the config kept in the container's state dir (the bundle's at create). */
int oci_lifecycle_config(const struct oci_state *st, struct wirt_oci_spec *spec,
			 struct wirt_error *err);

/* Writes 'pid' to 'path' as runc does (atomically, no newline). */
int oci_write_pid_file(const char *path, pid_t pid, struct wirt_error *err);

/* Connects to a client's --console-socket; returns the socket or -errno. */
int oci_console_connect(const char *path, struct wirt_error *err);

/* Waits for our child 'pid' (run's init, exec's process), passing on the signals the
 * runtime gets; returns its exit status, or 128 + the signal that ended it. */
int oci_wait_forwarding(pid_t pid);


#endif
