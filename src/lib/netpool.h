/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses at create and set: a vServer without any gets the lowest free ones of the
 * host's pools, and no address or forwarded host port is given to two vServers of a
 * root (nor an address the host has itself). Reads configs only: no kernel state, so
 * a build without network support (network-none.c) has it too.
 */
#ifndef WIRT_NETPOOL_H
#define WIRT_NETPOOL_H

#include "error.h"
#include "hostconf.h"
#include "spec.h"

/* Gives a vServer without addresses the lowest free ones of the host's pools (none
 * configured: it stays without network). The caller holds the root's lock. */
int wirt_network_assign(const char *root, struct wirt_spec *spec, const struct wirt_hostconf *hc,
			struct wirt_error *err);

/* Refuses addresses and host ports another vServer of the root holds, and addresses
 * of the host itself. The caller holds the root's lock. */
int wirt_network_check_conflicts(const char *root, const struct wirt_spec *spec,
				 struct wirt_error *err);

#endif
