/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Addresses as operators type them ("192.0.2.10", "2001:db8::10/64", MACs) to and
 * from struct wirt_net_addr, and the small address arithmetic the network needs:
 * equality, "is it in this prefix", the n-th address of a pool. Pure functions,
 * unit tested and fuzzed.
 */
#ifndef WIRT_NETADDR_H
#define WIRT_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "spec.h"

/* "ADDR" or "ADDR/PREFIX". Without a prefix: /32 or /128. Refuses what cannot be a
 * vServer's own address: unspecified, loopback, multicast, broadcast, IPv4-mapped,
 * link-local (wirt's gateway lives there). */
int wirt_netaddr_parse(const char *s, struct wirt_net_addr *ret, struct wirt_error *err);

/* A network prefix ("10.0.0.0/24"): no host bits set. */
int wirt_netaddr_parse_prefix(const char *s, struct wirt_net_addr *ret,
			      struct wirt_error *err);

/* A nameserver: any unicast address, no prefix. */
int wirt_netaddr_parse_host(const char *s, struct wirt_net_addr *ret, struct wirt_error *err);

#define WIRT_NETADDR_TEXT_MAX 50 /* INET6_ADDRSTRLEN + "/128" */

/* "192.0.2.10" (the address alone) into buf of WIRT_NETADDR_TEXT_MAX. Returns buf. */
const char *wirt_netaddr_str(const struct wirt_net_addr *a, char *buf);
/* "192.0.2.10/32". Returns buf. */
const char *wirt_netaddr_str_prefix(const struct wirt_net_addr *a, char *buf);

/* Same family and address (prefixes aside). */
bool wirt_netaddr_equal(const struct wirt_net_addr *a, const struct wirt_net_addr *b);

/* The index of 'a' (by address, not prefix) in list[0..n-1], or -1. */
int wirt_netaddr_find(const struct wirt_net_addr *list, size_t n, const struct wirt_net_addr *a);

/* The index of the forward of host port 'port' (protocol 'proto') in net's list, or -1. */
int wirt_net_port_find(const struct wirt_net *net, const struct wirt_net_port *port);

/* Does prefix 'net' contain address 'a'? */
bool wirt_netaddr_in(const struct wirt_net_addr *net, const struct wirt_net_addr *a);

/* The address 'index' places after the start of 'net' (index 1 is the first host), as
 * a full-length address; false when it is past the prefix. For IPv4 prefixes up to /30
 * the last one (broadcast) is refused too. */
bool wirt_netaddr_nth(const struct wirt_net_addr *net, uint64_t index,
		      struct wirt_net_addr *ret);

/* "02:00:00:00:00:01": six hex pairs; multicast and all-zero refused. */
int wirt_mac_parse(const char *s, uint8_t mac[6], struct wirt_error *err);
#define WIRT_MAC_TEXT_MAX 18
const char *wirt_mac_str(const uint8_t mac[6], char *buf);

/* A locally administered unicast MAC from 'seed' bytes (the vServer's name and id
 * base): the same vServer gets the same MAC, two vServers almost surely not. */
void wirt_mac_from_seed(const void *seed, size_t len, uint8_t mac[6]);

#endif
