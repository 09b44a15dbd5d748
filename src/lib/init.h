/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt's tiny init: PID 1 of a guest that has no /sbin/init of its own. It runs the
 * guest's start script (/etc/wirt/start, else /etc/rc.local), reaps every orphan, and
 * on SIGTERM, SIGINT or SIGPWR stops everything (TERM, a grace period, KILL) and exits.
 */
#ifndef WIRT_INIT_H
#define WIRT_INIT_H

#define WIRT_INIT_GRACE_SECONDS 10

/* Runs as PID 1 until shut down; never returns. */
_Noreturn void wirt_init_run(char *const env[]);

#endif
