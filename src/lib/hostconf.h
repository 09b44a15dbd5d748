/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host's wirt config: what every vServer of the host shares. $WIRT_CONFIG, else
 * /etc/wirt/wirt.conf; a missing file means the defaults (no pool, no uplink).
 *
 *   [network]
 *   pool = 10.100.0.0/24        addresses for vServers created without --ip
 *   pool6 = fd00:100::/64
 *   uplink = eth0               proxy ARP/NDP for vServers' addresses, and NAT out of it
 *   masquerade = 10.100.0.0/24  outbound NAT for these prefixes through the uplink
 *   resolver = 192.0.2.53       nameservers for vServers that name none of their own
 *   mtu = 65535                 of routed vServers' veths (the default; see network.h)
 */
#ifndef WIRT_HOSTCONF_H
#define WIRT_HOSTCONF_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

#define WIRT_HOSTCONF_DEFAULT "/etc/wirt/wirt.conf"
#define WIRT_HOSTCONF_MASQ_MAX 8

struct wirt_hostconf {
	bool has_pool, has_pool6;
	struct wirt_net_addr pool, pool6;
	char uplink[WIRT_IFNAME_MAX + 1]; /* "" = none */
	unsigned n_masquerade;
	struct wirt_net_addr masquerade[WIRT_HOSTCONF_MASQ_MAX];
	unsigned n_resolvers;
	struct wirt_net_addr resolvers[WIRT_NET_RESOLVERS_MAX];
	unsigned mtu; /* routed veths; 0 = WIRT_HOSTCONF_MTU_DEFAULT */
};

/* Like loopback's: traffic between the host and its vServers (and between vServers)
 * moves in large segments. TCP to the world still uses the MSS the far end offers. */
#define WIRT_HOSTCONF_MTU_DEFAULT 65535
#define WIRT_HOSTCONF_MTU_MIN 1280 /* IPv6's minimum */

/* The file's path: $WIRT_CONFIG or the default. */
const char *wirt_hostconf_path(void);

/* Parses 'len' bytes of text; errors name the line or key. 0 or -EINVAL. */
int wirt_hostconf_parse(const char *text, size_t len, struct wirt_hostconf *ret,
			struct wirt_error *err);

/* Loads wirt_hostconf_path(): defaults when there is no such file. */
int wirt_hostconf_load(struct wirt_hostconf *ret, struct wirt_error *err);

#endif
