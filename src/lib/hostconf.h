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
 *
 *   [edge]                      the shared HTTPS proxy and ACME (docs/edge.md)
 *   listen = 0.0.0.0 ::         addresses the edge binds
 *   http_port = 80
 *   https_port = 443
 *   acme_directory = URL        default Let's Encrypt's
 *   acme_email = ADDR           the ACME account's contact
 *   acme_ca_bundle = PATH       a CA to trust for the ACME server, besides the system's
 *   dns01_hook = PATH           answers DNS-01 challenges: wildcard domains allowed
 */
#ifndef WIRT_HOSTCONF_H
#define WIRT_HOSTCONF_H

#include <stdbool.h>

#include "error.h"
#include "spec.h"

#define WIRT_HOSTCONF_DEFAULT "/etc/wirt/wirt.conf"
#define WIRT_HOSTCONF_MASQ_MAX 8

#define WIRT_EDGE_LISTEN_MAX 8
#define WIRT_ACME_DIRECTORY_DEFAULT "https://acme-v02.api.letsencrypt.org/directory"

struct wirt_edge_conf {
	unsigned n_listen;
	struct wirt_net_addr listen[WIRT_EDGE_LISTEN_MAX]; /* none: 0.0.0.0 and :: */
	unsigned http_port, https_port;			   /* 0: 80, 443 */
	char acme_directory[256];			   /* "": the default */
	char acme_email[256];
	char acme_ca_bundle[256];
	char dns01_hook[256];
};

struct wirt_hostconf {
	bool has_pool, has_pool6;
	struct wirt_net_addr pool, pool6;
	char uplink[WIRT_IFNAME_MAX + 1]; /* "" = none */
	unsigned n_masquerade;
	struct wirt_net_addr masquerade[WIRT_HOSTCONF_MASQ_MAX];
	unsigned n_resolvers;
	struct wirt_net_addr resolvers[WIRT_NET_RESOLVERS_MAX];
	unsigned mtu; /* routed veths; 0 = WIRT_HOSTCONF_MTU_DEFAULT */
	struct wirt_edge_conf edge;
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
