/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Packet separation: wirt's own nftables tables ("inet wirt" for routed vServers, NAT
 * and port forwards, "bridge wirt" for bridged ones), kept as one unit. Per-vServer
 * state lives in set and map elements, never in rules, so adding the 200th vServer is
 * one element update like the first. See docs/network.md for the layout and what is
 * dropped. wirt never touches a table it did not create.
 *
 * Every change is one nftables transaction: it happens whole or not at all. Names,
 * interfaces and addresses are validated and re-formatted here before they reach nft's
 * command text, so nothing a caller passes can add a command of its own.
 */
#ifndef WIRT_NFT_H
#define WIRT_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "error.h"

/* Every vServer's host-side interface starts with this: the rules apply to packets from
 * any interface named so, and drop everything from one wirt has no addresses for (a
 * veth that is up before wirt_nft_vserver_add, or whose vServer was deleted). */
#define WIRT_NFT_IFACE_PREFIX "wv-"
#define WIRT_NFT_PREFIX_MAX 7
#define WIRT_NFT_TABLE_DEFAULT "wirt"
#define WIRT_NFT_TABLE_MAX 31
/* Addresses one vServer may own, as far as wirt_nft_vserver_add and _list take them. */
#define WIRT_NFT_ADDRS_MAX 64
#define WIRT_NFT_MAC_LEN 17 /* "02:00:00:00:00:01" */

/* Uses table 'name' (both families) from now on in this process instead of "wirt",
 * for vServer interfaces whose names start with 'iface_prefix' instead of "wv-": a
 * root dir other than the default has its own (network.c), tests use
 * "wirt_test_<pid>". Name: 1..31 of [A-Za-z0-9_], starting with a letter; prefix:
 * 1..7 of [A-Za-z0-9_.-]. Two tables must not share a prefix: each drops what comes
 * from an interface of its prefix that it does not know. */
int wirt_nft_table_use(const char *name, const char *iface_prefix, struct wirt_error *err);
const char *wirt_nft_table_name(void);
const char *wirt_nft_iface_prefix(void);

/* Creates the tables, sets, maps and chains if missing and (re)writes the tables' rules,
 * in one transaction: safe to run any time, by any number of processes, and it keeps
 * every element. Run it before the first wirt_nft_vserver_add. 0 or -errno. */
int wirt_nft_table_ensure(struct wirt_error *err);

/* A batch: from _begin on, the calls that only write (table_ensure, vserver_add,
 * vserver_forget, masquerade_add/del) are collected instead of run, and _commit runs
 * them as one transaction: one round of nft's cache reads instead of one each, and all
 * or nothing. Calls that read the tables must not be made while a batch is open. */
int wirt_nft_batch_begin(struct wirt_error *err);
int wirt_nft_batch_commit(struct wirt_error *err);
/* Drops what a batch collected, running nothing. */
void wirt_nft_batch_abort(void);

/* Deletes both tables with everything in them; nothing to do when they are missing. */
int wirt_nft_table_delete(struct wirt_error *err);

struct wirt_nft_vserver {
	const char *name;	   /* the vServer: kept as the elements' comment */
	const char *iface;	   /* host side of its veth: WIRT_NFT_IFACE_PREFIX "..." */
	const char *const *addrs;  /* its IPv4 and IPv6 addresses, without a prefix */
	size_t n_addrs;		   /* 0..WIRT_NFT_ADDRS_MAX */
	const char *mac;	   /* bridged mode: its MAC, "02:00:00:00:00:01"; NULL: routed */
	bool isolated;		   /* no traffic to or from other vServers */
};

/* Lets the vServer's packets through: from v->iface only with a source in v->addrs (and,
 * bridged, from v->mac). One transaction of element adds; adding what is there already
 * changes nothing. It does not remove older elements of the interface: after a crash,
 * wirt_nft_vserver_del first. -EINVAL with the field named for a bad value, before
 * anything is sent; -ENOENT when the table is missing (wirt_nft_table_ensure). */
int wirt_nft_vserver_add(const struct wirt_nft_vserver *v, struct wirt_error *err);

/* Removes every element of 'iface' from both tables, and the port forwards to its
 * addresses, in one transaction. 'name' is only for messages (may be NULL). Nothing to
 * do (0) when the interface or the tables are not there. */
int wirt_nft_vserver_del(const char *name, const char *iface, struct wirt_error *err);

/* Adds or removes one address of a running vServer (`wirt set NAME ip+=ADDR`), in
 * both tables when 'bridged'. One transaction; removing an absent one succeeds. */
int wirt_nft_vserver_addr(const char *name, const char *iface, const char *addr, bool add,
			  bool bridged, struct wirt_error *err);

/* How many vServer interfaces the inet table holds: 0 when there is no table. */
int wirt_nft_iface_count(size_t *ret, struct wirt_error *err);

/* Removes what wirt_nft_vserver_add(v) added, by its keys, in one transaction;
 * elements that are not there are fine. Its cost does not depend on the table's size
 * (wirt_nft_vserver_del reads the table to find every element of an interface, which
 * a cleanup after a crash needs). Port forwards are not touched. */
int wirt_nft_vserver_forget(const struct wirt_nft_vserver *v, struct wirt_error *err);

/* Turns the tenant policy of a running vServer: isolated, it neither sends to nor
 * receives from another vServer. One transaction. */
int wirt_nft_vserver_isolate(const char *iface, bool isolated, struct wirt_error *err);

struct wirt_nft_vserver_info {
	char name[64];				     /* from the elements' comment */
	bool isolated;
	bool bridged;				     /* has a MAC: in the bridge table */
	char mac[WIRT_NFT_MAC_LEN + 1];
	size_t n_addrs;
	char addrs[WIRT_NFT_ADDRS_MAX][INET6_ADDRSTRLEN]; /* IPv4 first, as nft lists them */
};

/* What the tables hold for 'iface'. 0, -ENOENT when neither the interface nor the
 * table is there, -E2BIG when it owns more than WIRT_NFT_ADDRS_MAX addresses. */
int wirt_nft_vserver_list(const char *iface, struct wirt_nft_vserver_info *ret,
			  struct wirt_error *err);

/* Port forwards: a TCP or UDP port on any of the host's own addresses goes to
 * guest_addr:guest_port (IPPROTO_TCP or IPPROTO_UDP; IPv4 and IPv6 each have their
 * own map, so the same port can go to a v4 and a v6 guest). Add: -EEXIST when the port
 * already goes elsewhere. Del: -ENOENT when it is not forwarded, -EBUSY when it goes
 * somewhere else than guest_addr:guest_port. */
int wirt_nft_port_add(int proto, uint16_t host_port, const char *guest_addr,
		      uint16_t guest_port, struct wirt_error *err);
int wirt_nft_port_del(int proto, uint16_t host_port, const char *guest_addr,
		      uint16_t guest_port, struct wirt_error *err);

struct wirt_nft_port {
	int proto;
	uint16_t host_port;
	char guest_addr[INET6_ADDRSTRLEN];
	uint16_t guest_port;
};

/* All port forwards, IPv4 first. *ret is malloc'ed (NULL when there are none). */
int wirt_nft_port_list(struct wirt_nft_port **ret, size_t *ret_n, struct wirt_error *err);

/* Outbound NAT: packets from 'prefix' ("10.0.0.0/24", "fd00::/64") leaving through
 * 'uplink' get the uplink's address. One element each; no host bits in the prefix. */
int wirt_nft_masquerade_add(const char *prefix, const char *uplink, struct wirt_error *err);
int wirt_nft_masquerade_del(const char *prefix, const char *uplink, struct wirt_error *err);

/* The checks the functions above apply, for callers that validate early: an address
 * in canonical form into buf (INET6_ADDRSTRLEN) and its family; an interface name
 * (with the vServer prefix when 'vserver'). */
int wirt_nft_addr_parse(const char *s, char *buf, int *ret_family, struct wirt_error *err);
int wirt_nft_iface_validate(const char *iface, bool vserver, struct wirt_error *err);

#endif
