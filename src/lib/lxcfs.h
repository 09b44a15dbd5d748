/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's own view of /proc/meminfo, cpuinfo, stat, uptime, ... through lxcfs
 * (Debian's package, what LXC and Incus use): its files are bind-mounted over the
 * guest's /proc entries so `free`, `uptime` and `nproc` inside show the vServer's
 * limits. Without a running lxcfs the guest simply sees the host's numbers.
 */
#ifndef WIRT_LXCFS_H
#define WIRT_LXCFS_H

#include <stdbool.h>

#include "error.h"

#define WIRT_LXCFS_DIR "/var/lib/lxcfs" /* $WIRT_LXCFS_DIR overrides */

/* True when lxcfs serves its files at the lxcfs dir now. */
bool wirt_lxcfs_available(void);

/* In stage 2, before pivot_root: binds lxcfs's proc files over the guest's (root_fd is
 * the guest root). Returns 0 without doing anything when lxcfs is not available. */
int wirt_lxcfs_mount(int root_fd, struct wirt_error *err);

#endif
