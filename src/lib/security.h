/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a guest process may do on top of its user namespace: a reduced capability
 * bounding set (caps.c) and a seccomp deny-list (seccomp.c). Both are applied in the
 * last steps before a guest process runs its program, for PID 1 and for `exec`.
 */
#ifndef WIRT_SECURITY_H
#define WIRT_SECURITY_H

#include "error.h"

/* Drops the capabilities no guest needs from the bounding set (and the ambient and
 * inheritable sets). Call as root in the guest's user namespace. */
int wirt_caps_apply(struct wirt_error *err);

/* Loads the seccomp deny-list: the calls a guest never needs fail with EPERM (module
 * loading, kexec, open_by_handle_at, keyrings, bpf, perf, swap, clock setting, ...).
 * sysinfo(2) is passed to a listener (*ret_listener, a close-on-exec fd for
 * wirt_sysinfo_answer in sysinfo.h), which answers with the vServer's own memory and
 * uptime. */
int wirt_seccomp_apply(int *ret_listener, struct wirt_error *err);

#endif
