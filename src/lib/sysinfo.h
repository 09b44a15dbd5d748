/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sysinfo(2) as a vServer should see it. The kernel answers it with the host's RAM,
 * swap, uptime and process count, and neither namespaces nor lxcfs can change that, so
 * `free` and `uptime` of busybox (and of anything else that asks sysinfo) would show
 * the host. The guest's seccomp filter passes the call to a listener (security.h);
 * whoever holds it (the supervisor for the guest's init and all it starts, `wirt exec`
 * for the program it runs) answers from the vServer's cgroup and start time.
 */
#ifndef WIRT_SYSINFO_H
#define WIRT_SYSINFO_H

#include <time.h>

#include "cgroup.h"

/* Answers one pending notification on 'listener' (call when it polls readable):
 * memory and swap from the cgroup's limits and use, uptime since 'started' (wall
 * clock), processes from the pids controller; loads are the host's. Returns 0, or
 * -errno when the listener is dead (the guest's filter is gone). */
int wirt_sysinfo_answer(int listener, const struct wirt_cgroup *cg, time_t started);

#endif
