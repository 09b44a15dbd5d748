/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Starting a container's processes: its init (`create`, `run`) and a process joined
 * to a running container (`exec`). The runtime forks a first child that joins the
 * cgroup and the namespaces the config names by path, enters a new user namespace
 * (the runtime writes its maps), unshares the other new namespaces and clones the
 * process itself as the runtime's own child (CLONE_PARENT: `run` waits for it, and
 * after `create` it falls to the caller's subreaper, conmon or containerd's shim).
 * That process builds the root (rootfs.h) and ends in process.h's steps.
 */
#ifndef WIRT_OCI_CONTAINER_H
#define WIRT_OCI_CONTAINER_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "state.h"

struct oci_create {
	const struct wirt_oci_spec *spec;
	struct oci_state *st;	/* id, dir, bundle, rootfs, cgroup: filled; pid set here */
	int console_sock;	/* connected --console-socket, or -1 */
	unsigned preserve_fds;
	bool no_pivot;
	bool no_new_keyring;
};

/* Starts the container's init and returns once it waits on exec.fifo (created) with
 * st->pid set, or fails with nothing of it left running. The state dir, cgroup and
 * fifo exist already. */
int oci_container_create(const struct oci_create *c, struct wirt_error *err);

struct oci_exec {
	const struct wirt_oci_spec *spec;     /* the container's config */
	const struct wirt_oci_process *proc; /* what to run */
	const struct oci_state *st;
	int console_sock;
	unsigned preserve_fds;
};

/* Starts proc in the running container; returns its host pid once it has exec'd. */
int oci_container_exec(const struct oci_exec *x, pid_t *ret_pid, struct wirt_error *err);

/* Whether the config asks for a new namespace of 'type' (no path). */
bool oci_spec_new_ns(const struct wirt_oci_spec *s, enum wirt_oci_ns type);

#endif
