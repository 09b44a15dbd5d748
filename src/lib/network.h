/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vServer's network, put together from netlink.c (links, addresses, routes, proxy
 * neighbours) and nft.c (packet separation, port forwards, NAT): see docs/network.md.
 *
 * Routed (the default): a veth pair, "eth0" inside and a host end named for the
 * vServer; the vServer's addresses are /32 and /128 on eth0 and host routes on the
 * host end; inside, the default routes go to the link-local gateway 169.254.0.1 and
 * fe80::1, which the host end holds (scope host: never a source the host picks).
 * Bridged: the host end is a port of a bridge, eth0 has the vServer's stable MAC.
 *
 * Who calls what: the supervisor runs wirt-network (a helper program: the static
 * supervisor links no libmnl) for up and down around each guest boot; the CLI calls
 * down itself after a crashed supervisor, and the live changes (`wirt set ip+=`,
 * policy, ports). Every call is serialised by <root>/run/network.lock, so the shared
 * nft table is never deleted under a vServer that is being added.
 */
#ifndef WIRT_NETWORK_H
#define WIRT_NETWORK_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "hostconf.h"
#include "spec.h"

/* The gateway inside every routed vServer. */
#define WIRT_NET_GATEWAY4 "169.254.0.1"
#define WIRT_NET_GATEWAY6 "fe80::1"
#define WIRT_NET_GUEST_IFACE "eth0"

/* What a root dir's vServers are called on the host: the nft tables ("wirt" for the
 * default root, "wirt_<hash>" for others), the prefix of their host-side interfaces
 * ("wv-", or "w<hash>-": every table drops what comes from an unknown interface of its
 * prefix, so two roots must not share one), and one vServer's interface. */
struct wirt_netnames {
	char table[32];
	char prefix[8];
	char iface[WIRT_IFNAME_MAX + 1];
};
void wirt_network_names(const char *root, const char *name, struct wirt_netnames *ret);

/* Brings the network of a vServer whose namespace is 'netns_fd' up: veth, addresses,
 * routes, proxy entries, nft elements, port forwards. Cleans what an earlier run left
 * first; on failure removes what it made. Nothing to do for mode none. */
int wirt_network_up(const char *root, const struct wirt_spec *spec, int netns_fd,
		    struct wirt_error *err);

/* Takes it down: nft elements and forwards, proxy entries, the veth (routes go with
 * it). Safe to repeat; deletes the root's nft tables when no other vServer's network
 * is up. Removes the nft elements the spec names, at a constant cost. */
int wirt_network_down(const char *root, const struct wirt_spec *spec, struct wirt_error *err);

/* The same after a crash: finds every nft element of the vServer's interface by
 * reading the table, also those its config no longer names. */
int wirt_network_cleanup(const char *root, const struct wirt_spec *spec, struct wirt_error *err);

/* Live changes on a running vServer whose PID 1 is 'init'. */
int wirt_network_addr(const char *root, const struct wirt_spec *spec, pid_t init,
		      const struct wirt_net_addr *addr, bool add, struct wirt_error *err);
int wirt_network_policy(const char *root, const struct wirt_spec *spec, struct wirt_error *err);
int wirt_network_port(const char *root, const struct wirt_spec *spec,
		      const struct wirt_net_port *port, bool add, struct wirt_error *err);

/* Changes a running vServer's network from what 'old' says to what 'new' says (`wirt
 * set`): addresses one by one, the policy, port forwards; a new mode, bridge or MAC
 * remakes the veth. On failure it goes back to 'old' as far as it can. */
int wirt_network_change(const char *root, const struct wirt_spec *old, const struct wirt_spec *new,
			pid_t init, struct wirt_error *err);

/* The address port forwards of 'family' go to: the vServer's first of that family. */
const struct wirt_net_addr *wirt_network_forward_target(const struct wirt_spec *spec, int family);

#endif
