/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runtime state of a running vServer (<root>/run/<name>/): written by its supervisor,
 * read by every command. Never trusted blindly: the supervisor holds an flock on
 * 'supervisor.lock' for as long as it lives, so a lock that can be taken means the
 * supervisor is gone (killed, or the host rebooted), whatever the files say; and pids
 * are checked against their recorded start time, so a reused pid is not mistaken for
 * the guest's init. The host's boot id tells state from before a reboot apart (the
 * root dir, and with it run/, survives reboots).
 */
#ifndef WIRT_STATE_H
#define WIRT_STATE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "error.h"

struct wirt_runstate {
	pid_t supervisor;
	pid_t init;			     /* host pid of the guest's PID 1 */
	unsigned long long init_starttime;   /* /proc/<pid>/stat field 22 */
	int stop_signal;		     /* what asks PID 1 to power off */
	time_t started;			     /* wall clock */
	unsigned id_base;
	char boot_id[40];		     /* the host boot it belongs to */
	int lxcfs;			     /* its /proc shows its own limits (lxcfs) */
};

/* Writes run/<name>/state atomically. */
int wirt_runstate_save(const char *root, const char *name, const struct wirt_runstate *st,
		       struct wirt_error *err);

/* Reads it; -ENOENT when there is none. */
int wirt_runstate_load(const char *root, const char *name, struct wirt_runstate *st,
		       struct wirt_error *err);

/* True when st was written during an earlier boot of the host: then nothing it names
 * exists any more (processes, cgroups), and the vServer is simply stopped. */
bool wirt_runstate_from_earlier_boot(const struct wirt_runstate *st);

/* Fills st->boot_id with this boot's id. */
void wirt_runstate_set_boot(struct wirt_runstate *st);

/* True while a supervisor holds run/<name>/supervisor.lock. */
bool wirt_runstate_supervised(const char *root, const char *name);

/* True when 'pid' is alive and started at 'starttime' (so it is the same process). */
bool wirt_proc_matches(pid_t pid, unsigned long long starttime);

/* Start time of 'pid' in clock ticks since boot, or 0 when it does not exist. */
unsigned long long wirt_proc_starttime(pid_t pid);

#endif
