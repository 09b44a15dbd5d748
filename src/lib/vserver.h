/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vServer's lifecycle: create, start, stop, status, delete. This is where the pieces
 * (config, id ranges, templates, cgroups, supervisor, runtime state) are put together;
 * each operation takes the vServer's lock, so concurrent commands on one vServer are
 * serialised, and rolls back in reverse order when it fails.
 */
#ifndef WIRT_VSERVER_H
#define WIRT_VSERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"
#include "spec.h"
#include "state.h"

enum wirt_vserver_state {
	WIRT_STATE_STOPPED,
	WIRT_STATE_RUNNING,
	WIRT_STATE_CRASHED, /* the supervisor is gone; `stop` or `delete` cleans up */
};

struct wirt_status {
	enum wirt_vserver_state state;
	struct wirt_runstate run; /* valid unless stopped */
	bool guest_alive;	  /* the guest's PID 1 still runs (also when crashed) */
	bool has_last_exit;
	int last_exit;		  /* exit status of PID 1 the last time it stopped, or -1 */
	int last_signal;	  /* signal that ended it, or 0 */
	time_t last_stopped;
};

const char *wirt_state_name(enum wirt_vserver_state s);

/* Validates spec, checks its template, allocates an id range and creates the vServer's
 * directory and config. -EEXIST if it exists. */
int wirt_vserver_create(const char *root, struct wirt_spec *spec, struct wirt_error *err);

/* Loads a vServer's config: -ENOENT "vServer 'x' does not exist". */
int wirt_vserver_load(const char *root, const char *name, struct wirt_spec *spec,
		      struct wirt_error *err);

/* Takes the vServer's lock (blocking); returns the fd that holds it. */
int wirt_vserver_lock(const char *root, const char *name, struct wirt_error *err);

/* Takes <root>/lock (blocking): what create, template changes and the address checks
 * of `set` hold while they look at every vServer. Returns the fd that holds it. */
int wirt_root_lock(const char *root, struct wirt_error *err);

int wirt_vserver_status(const char *root, const char *name, struct wirt_status *st,
			struct wirt_error *err);

/* Starts it; -EALREADY when running. A crashed one is cleaned up first. */
int wirt_vserver_start(const char *root, const char *name, struct wirt_error *err);

/* Asks PID 1 to power off, waits up to 'timeout' seconds (<0: the config's), then
 * kills what is left; 'force' kills at once. Cleans up after a crashed supervisor.
 * -EALREADY when not running. */
int wirt_vserver_stop(const char *root, const char *name, int timeout, bool force,
		      struct wirt_error *err);

/* Deletes a stopped vServer (with 'force' also a running one). */
int wirt_vserver_delete(const char *root, const char *name, bool force, struct wirt_error *err);

/* Names of all vServers, sorted; *ret is malloc'ed, an array of WIRT_NAME_MAX + 1. */
int wirt_vserver_list(const char *root, char (**ret)[WIRT_NAME_MAX + 1], size_t *ret_n,
		      struct wirt_error *err);

/* Starts every vServer created with autostart=yes; returns how many failed. */
int wirt_vserver_autostart(const char *root, void (*report)(const char *name, const struct wirt_error *err));

#endif
