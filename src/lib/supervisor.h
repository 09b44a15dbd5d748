/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The supervisor: one small process per running vServer, the parent of its PID 1. It
 * builds the guest (guest.c), holds the console pty and writes the console log, serves
 * `wirt console` on a unix socket, records the exit status, and when PID 1 ends it
 * kills what is left in the cgroup and removes the runtime state. A guest that
 * reboots itself (reboot(2) inside its PID namespace) is started again.
 *
 * It is a subreaper (this machine's PID 1 does not reap orphans promptly) and holds
 * run/<name>/supervisor.lock while it lives: see state.h.
 */
#ifndef WIRT_SUPERVISOR_H
#define WIRT_SUPERVISOR_H

#include <sys/types.h>

#include "error.h"
#include "spec.h"

#define WIRT_CONSOLE_LOG_MAX (1024 * 1024) /* then console.log becomes console.log.1 */

#define WIRT_SUPERVISOR_FD 3 /* the socket a supervisor is started with */

/* Forks and runs the supervisor (the wirt-supervisor program) of vServer spec->name and waits until the guest's PID 1 runs
 * (0, *ret_init = its host pid) or its start failed (the supervisor's error, after it
 * has rolled everything back). The caller holds the vServer's lock. */
int wirt_supervisor_spawn(const char *root, const struct wirt_spec *spec, pid_t *ret_init,
			  struct wirt_error *err);

/* The supervisor's side, in wirt-supervisor: receives the spec on WIRT_SUPERVISOR_FD,
 * starts the guest, reports READY or ERROR there, and runs until the guest ends. */
_Noreturn void wirt_supervisor_main(const char *root, const char *name);

/* Connects to the console of a running vServer; returns a socket fd or -errno. */
int wirt_console_connect(const char *root, const char *name, struct wirt_error *err);

#endif
