/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A container's record under wirt-oci's --root: <root>/<id>/ holds state.json (what
 * `create` learnt: init's pid and start time, bundle, rootfs, cgroup, creation time),
 * config.json (the bundle's config as it was at create, for exec, start's and
 * delete's hooks, update) and, between create and start, exec.fifo, which the
 * container's init blocks on. The status is never stored: it is read from the kernel
 * (is init alive, is it still blocked on the fifo, is its cgroup frozen), so a crash
 * of anyone leaves no lie behind. docs/oci.md "State".
 */
#ifndef WIRT_OCI_STATE_H
#define WIRT_OCI_STATE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <jansson.h>

#include "cgroup.h"
#include "error.h"
#include "names.h"



enum oci_status {
	OCI_CREATED,
	OCI_RUNNING,
	OCI_PAUSED,
	OCI_STOPPED,
};

struct oci_state {
	char id[OCI_ID_MAX + 1];
	char dir[PATH_MAX]; /* <root>/<id> */
	pid_t pid;	    /* the container's init, host pid; 0: none yet */
	uint64_t pid_start; /* its start time (/proc/PID/stat field 22): pids are reused */
	char bundle[PATH_MAX];
	char rootfs[PATH_MAX];
	char created[40];   /* RFC 3339 with nanoseconds, UTC */
	struct wirt_cgroup cg;
	bool own_pidns;	    /* init is PID 1 of its own PID namespace */
	json_t *annotations; /* object; owned */
};


/* <root>/<id> into st->dir, st->id set. */
void oci_state_init(struct oci_state *st, const char *root, const char *id);

/* Makes the container's directory (and root). -EEXIST: "container with id exists". */
int oci_state_mkdir(const struct oci_state *st, struct wirt_error *err);

/* Writes state.json atomically. */
int oci_state_save(const struct oci_state *st, struct wirt_error *err);

/* Reads state.json; -ENOENT "container does not exist" when there is none. */
int oci_state_load(const char *root, const char *id, struct oci_state *st,
		   struct wirt_error *err);

void oci_state_free(struct oci_state *st);

/* The status as the kernel says it is now. */
enum oci_status oci_state_status(const struct oci_state *st);

/* Whether init is the process it was (alive and the same start time). */
bool oci_state_init_alive(const struct oci_state *st);

const char *oci_status_name(enum oci_status s);

/* The state as runtime-spec and runc print it (state, list, hooks' stdin):
 * ociVersion, id, pid (0 once stopped), status, bundle, rootfs, created, annotations
 * (when there are any), owner. New reference. */
json_t *oci_state_json(const struct oci_state *st, enum oci_status status);

/* The state as runtime-spec defines it, what hooks get on stdin: ociVersion, id,
 * status, pid (when there is one), bundle, annotations (when there are any).
 * 'status' is a name, since hooks see "creating" too. New reference. */
json_t *oci_state_hook_json(const struct oci_state *st, const char *status);

/* Path of a file in the container's directory into buf (PATH_MAX). */
char *oci_state_file(const struct oci_state *st, const char *name, char *buf);

/* Removes the container's directory and everything in it. */
int oci_state_remove(const struct oci_state *st, struct wirt_error *err);

#endif
