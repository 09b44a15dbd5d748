/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt clone SRC DST`: a new vServer with SRC's files and settings and an identity of
 * its own: its name as hostname, its own id range (the copied files' owners shifted
 * from SRC's range to it), addresses from 'addrs' or the pool (never SRC's), a new MAC,
 * no port forwards (the host's ports stay SRC's), a new /etc/machine-id where the guest
 * has one, and new ssh host keys where it has them (ssh-keygen of the host). A running
 * SRC is frozen and synced for the copy, as for a snapshot.
 */
#ifndef WIRT_CLONE_H
#define WIRT_CLONE_H

#include "error.h"
#include "spec.h"

/* 'net' holds DST's addresses (n_addrs 0: from the pool, as create does). */
int wirt_vserver_clone(const char *root, const char *src, const char *dst,
		       const struct wirt_net *net, struct wirt_error *err);

#endif
