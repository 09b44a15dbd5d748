/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A vServer's network: see network.h and docs/network.md. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "netaddr.h"
#include "netlink.h"
#include "network.h"
#include "nft.h"
#include "paths.h"
#include "util.h"

/* ---- names ---- */

void wirt_network_names(const char *root, const char *name, struct wirt_netnames *ret)
{
	size_t plen, nlen = strlen(name);
	uint32_t h;

	if (!wirt_root_tag(root, &h)) {
		snprintf(ret->table, sizeof(ret->table), "%s", WIRT_NFT_TABLE_DEFAULT);
		snprintf(ret->prefix, sizeof(ret->prefix), "%s", WIRT_NFT_IFACE_PREFIX);
	} else {
		snprintf(ret->table, sizeof(ret->table), "wirt_%08x", h);
		snprintf(ret->prefix, sizeof(ret->prefix), "w%04x-", h >> 16);
	}
	plen = strlen(ret->prefix);
	if (plen + nlen <= WIRT_IFNAME_MAX) {
		snprintf(ret->iface, sizeof(ret->iface), "%s%s", ret->prefix, name);
		return;
	}
	/* A long name: its start, then a hash of all of it. */
	h = wirt_hash(name);
	snprintf(ret->iface, sizeof(ret->iface), "%s%.*s%04x", ret->prefix,
		 (int)(WIRT_IFNAME_MAX - plen - 4), name, h & 0xffff);
}

/* ---- small helpers ---- */

/* What every operation starts with: the vServer's names, the host's config (when
 * 'hc' is given), the root's table chosen for nft.c, and <root>/run/network.lock
 * held, so the table is never deleted under a vServer being added. Returns the
 * lock's fd (close it to let go) or -errno. */
static int network_begin(const char *root, const struct wirt_spec *spec,
			 struct wirt_netnames *nn, struct wirt_hostconf *hc, struct wirt_error *err)
{
	char path[PATH_MAX];
	int r = 0;

	wirt_network_names(root, spec->name, nn);
	if (hc)
		r = wirt_hostconf_load(hc, err);
	if (r == 0)
		r = wirt_nft_table_use(nn->table, nn->prefix, err);
	if (r < 0)
		return r;
	wirt_path(path, root, "run", NULL, NULL);
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", path);
	wirt_path(path, root, "run", "network.lock", NULL);
	return wirt_lock_file(path, err);
}

static int sysctl_set(const char *path, const char *value, struct wirt_error *err)
{
	int r = wirt_write_string(path, value);

	if (r < 0)
		return wirt_errorf(err, -r, "set '%s' to %s", path, value);
	return 0;
}

static int iface_sysctl(int family, const char *iface, const char *key, const char *value,
			struct wirt_error *err)
{
	char path[128];

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s",
		 family == AF_INET ? "ipv4" : "ipv6", iface, key);
	return sysctl_set(path, value, err);
}

static bool has_family(const struct wirt_spec *spec, int family)
{
	for (unsigned i = 0; i < spec->net.n_addrs; i++)
		if (spec->net.addrs[i].family == family)
			return true;
	return false;
}

const struct wirt_net_addr *wirt_network_forward_target(const struct wirt_spec *spec, int family)
{
	for (unsigned i = 0; i < spec->net.n_addrs; i++)
		if (spec->net.addrs[i].family == family)
			return &spec->net.addrs[i];
	return NULL;
}

static bool routed(const struct wirt_spec *spec)
{
	return spec->net.mode == WIRT_NET_ROUTED;
}

/* The prefix length an address has inside: routed ones are host addresses. */
static unsigned inside_prefix(const struct wirt_spec *spec, const struct wirt_net_addr *a)
{
	return routed(spec) ? (a->family == AF_INET ? 32 : 128) : a->prefix;
}

static unsigned host_mtu(const struct wirt_hostconf *hc)
{
	return hc->mtu ? hc->mtu : WIRT_HOSTCONF_MTU_DEFAULT;
}

static int uplink_index(struct wirt_nl *nl, const struct wirt_hostconf *hc, int *ret,
			struct wirt_error *err)
{
	*ret = 0;
	if (!hc->uplink[0])
		return 0;
	int r = wirt_nl_link_index(nl, hc->uplink, ret, err);
	if (r < 0)
		return wirt_error_prefix(err, "uplink");
	return 0;
}

/* ---- pieces of up and down ---- */

/* The vServer as nft.c takes it; the texts live in 'buf'. */
struct nft_view {
	char texts[WIRT_NET_ADDRS_MAX][WIRT_NETADDR_TEXT_MAX];
	const char *addrs[WIRT_NET_ADDRS_MAX];
	char mac[WIRT_MAC_TEXT_MAX];
	struct wirt_nft_vserver v;
};

static const struct wirt_nft_vserver *nft_view(const struct wirt_spec *spec,
					       const struct wirt_netnames *nn, struct nft_view *buf)
{
	for (unsigned i = 0; i < spec->net.n_addrs; i++)
		buf->addrs[i] = wirt_netaddr_str(&spec->net.addrs[i], buf->texts[i]);
	buf->v = (struct wirt_nft_vserver){
		.name = spec->name,
		.iface = nn->iface,
		.addrs = buf->addrs,
		.n_addrs = spec->net.n_addrs,
		.mac = spec->net.mode == WIRT_NET_BRIDGED ? wirt_mac_str(spec->net.mac, buf->mac)
							  : NULL,
		.isolated = spec->net.policy == WIRT_POLICY_DENY,
	};
	return &buf->v;
}

static int port_apply(const struct wirt_spec *spec, const struct wirt_net_port *p, bool add,
		      struct wirt_error *err)
{
	static const int families[] = { AF_INET, AF_INET6 };

	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		const struct wirt_net_addr *a = wirt_network_forward_target(spec, families[i]);
		char text[WIRT_NETADDR_TEXT_MAX];
		int r;

		if (!a)
			continue;
		wirt_netaddr_str(a, text);
		r = add ? wirt_nft_port_add(p->proto, p->host_port, text, p->guest_port, err)
			: wirt_nft_port_del(p->proto, p->host_port, text, p->guest_port, err);
		if (r == -EEXIST)
			return wirt_error_plain(err, EEXIST, "%s port %u is forwarded elsewhere "
							     "already",
						p->proto == IPPROTO_TCP ? "tcp" : "udp", p->host_port);
		if (r < 0 && !(r == -ENOENT && !add))
			return r;
	}
	return 0;
}

static int masquerade_apply(const struct wirt_hostconf *hc, struct wirt_error *err)
{
	for (unsigned i = 0; hc->uplink[0] && i < hc->n_masquerade; i++) {
		char text[WIRT_NETADDR_TEXT_MAX];
		int r = wirt_nft_masquerade_add(wirt_netaddr_str_prefix(&hc->masquerade[i], text),
						hc->uplink, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Host side of one address: its route to the veth, its proxy entry on the uplink. */
static int host_addr(struct wirt_nl *nl, const struct wirt_spec *spec, int ifindex,
		     int uplink, const struct wirt_net_addr *a, bool add, struct wirt_error *err)
{
	unsigned full = a->family == AF_INET ? 32 : 128;
	int r = 0;

	if (routed(spec)) {
		r = add ? wirt_nl_route_add(nl, a->family, a->addr, full, NULL, ifindex,
					    RT_SCOPE_LINK, err)
			: wirt_nl_route_del(nl, a->family, a->addr, full, NULL, ifindex,
					    RT_SCOPE_LINK, err);
		if (r < 0 && !add && (r == -ESRCH || r == -ENODEV))
			r = 0;
		if (r < 0)
			return r;
	}
	if (uplink > 0 && routed(spec)) {
		r = add ? wirt_nl_neigh_proxy_add(nl, uplink, a->family, a->addr, err)
			: wirt_nl_neigh_proxy_del(nl, uplink, a->family, a->addr, err);
		if (r < 0 && !add && r == -ENOENT)
			r = 0;
	}
	return r;
}

static int host_forwarding(const struct wirt_spec *spec, const struct wirt_hostconf *hc,
			   struct wirt_error *err)
{
	int r = 0;

	/* vServer to vServer, and out to the world, is forwarded by the host */
	if (has_family(spec, AF_INET))
		r = sysctl_set("/proc/sys/net/ipv4/ip_forward", "1", err);
	if (r == 0 && has_family(spec, AF_INET6))
		r = sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding", "1", err);
	if (r == 0 && hc->uplink[0] && routed(spec) && has_family(spec, AF_INET6))
		r = iface_sysctl(AF_INET6, hc->uplink, "proxy_ndp", "1", err);
	return r;
}

static int host_side_up(struct wirt_nl *nl, const struct wirt_spec *spec,
			const struct wirt_netnames *nn, const struct wirt_hostconf *hc, int *ifindex,
			struct wirt_error *err)
{
	struct wirt_net_addr gw4, gw6;
	int r, uplink, bridge;

	r = wirt_nl_link_index(nl, nn->iface, ifindex, err);
	if (r < 0)
		return r;
	/* The host must never take a router advertisement from a vServer. */
	r = iface_sysctl(AF_INET6, nn->iface, "accept_ra", "0", err);
	if (r == 0)
		r = iface_sysctl(AF_INET6, nn->iface, "autoconf", "0", err);
	if (r < 0)
		return r;
	if (spec->net.mode == WIRT_NET_BRIDGED) {
		r = wirt_nl_link_index(nl, spec->net.bridge, &bridge, err);
		if (r == -ENODEV) {
			r = wirt_nl_bridge_add(nl, spec->net.bridge, err);
			if (r == 0 || r == -EEXIST)
				r = wirt_nl_link_index(nl, spec->net.bridge, &bridge, err);
			if (r == 0)
				r = wirt_nl_link_set_up(nl, bridge, err);
		}
		if (r == 0)
			r = wirt_nl_link_set_master(nl, *ifindex, bridge, err);
		if (r == 0)
			r = wirt_nl_link_set_up(nl, *ifindex, err);
		return r < 0 ? wirt_error_prefix(err, "bridge '%s'", spec->net.bridge) : r;
	}
	wirt_netaddr_parse_host(WIRT_NET_GATEWAY4, &gw4, err);
	wirt_netaddr_parse_host(WIRT_NET_GATEWAY6, &gw6, err);
	r = wirt_nl_link_set_mtu(nl, *ifindex, host_mtu(hc), err);
	if (r == 0)
		r = wirt_nl_addr_add_scope(nl, *ifindex, AF_INET, gw4.addr, 32, RT_SCOPE_HOST,
					   err);
	if (r == 0)
		r = wirt_nl_addr_add_scope(nl, *ifindex, AF_INET6, gw6.addr, 64, RT_SCOPE_LINK, err);
	if (r == 0)
		r = wirt_nl_link_set_up(nl, *ifindex, err);
	if (r == 0)
		r = uplink_index(nl, hc, &uplink, err);
	for (unsigned i = 0; r == 0 && i < spec->net.n_addrs; i++)
		r = host_addr(nl, spec, *ifindex, uplink, &spec->net.addrs[i], true, err);
	if (r == 0)
		r = host_forwarding(spec, hc, err);
	return r;
}

/* Inside a routed vServer: the default route of 'family' through wirt's gateway (for
 * IPv4 after a link route to the gateway itself). Present already: fine. */
static int guest_default_route(struct wirt_nl *nl, int eth, int family, struct wirt_error *err)
{
	struct wirt_net_addr gw;
	int r = 0;

	if (family == AF_INET) {
		wirt_netaddr_parse_host(WIRT_NET_GATEWAY4, &gw, err);
		r = wirt_nl_route_add(nl, AF_INET, gw.addr, 32, NULL, eth, RT_SCOPE_LINK, err);
		if (r == 0 || r == -EEXIST)
			r = wirt_nl_route_add(nl, AF_INET, NULL, 0, gw.addr, eth, RT_SCOPE_UNIVERSE,
					      err);
	} else {
		wirt_netaddr_parse_host(WIRT_NET_GATEWAY6, &gw, err);
		r = wirt_nl_route_add(nl, AF_INET6, NULL, 0, gw.addr, eth, RT_SCOPE_UNIVERSE, err);
	}
	if (r == -EEXIST) {
		wirt_error_clear(err);
		r = 0;
	}
	return r;
}

static int guest_side_up(int netns_fd, const struct wirt_spec *spec,
			 const struct wirt_hostconf *hc, struct wirt_error *err)
{
	_cleanup_(wirt_nl_close) struct wirt_nl nl = { 0 };
	int r, eth, lo;

	r = wirt_nl_open(&nl, netns_fd, err);
	if (r == 0)
		r = wirt_nl_link_index(&nl, "lo", &lo, err);
	if (r == 0)
		r = wirt_nl_link_set_up(&nl, lo, err);
	if (r == 0)
		r = wirt_nl_link_index(&nl, WIRT_NET_GUEST_IFACE, &eth, err);
	if (r == 0 && spec->net.mode == WIRT_NET_BRIDGED)
		r = wirt_nl_link_set_mac(&nl, eth, spec->net.mac, err);
	if (r == 0 && routed(spec))
		r = wirt_nl_link_set_mtu(&nl, eth, host_mtu(hc), err);
	if (r == 0)
		r = wirt_nl_link_set_up(&nl, eth, err);
	for (unsigned i = 0; r == 0 && i < spec->net.n_addrs; i++) {
		const struct wirt_net_addr *a = &spec->net.addrs[i];

		r = wirt_nl_addr_add(&nl, eth, a->family, a->addr, inside_prefix(spec, a), err);
	}
	if (r == 0 && routed(spec)) {
		if (has_family(spec, AF_INET))
			r = guest_default_route(&nl, eth, AF_INET, err);
		if (r == 0 && has_family(spec, AF_INET6))
			r = guest_default_route(&nl, eth, AF_INET6, err);
	} else if (r == 0 && spec->net.has_gateway) {
		r = wirt_nl_route_add(&nl, spec->net.gateway.family, NULL, 0,
				      spec->net.gateway.addr, eth, RT_SCOPE_UNIVERSE, err);
	}
	if (r < 0)
		return wirt_error_prefix(err, "inside");
	return 0;
}

/* ---- up and down ---- */

/* Removes the vServer's network. 'thorough' (after a crash) finds its nft elements by
 * reading the table, whatever the config says now; otherwise they are removed by the
 * keys the config gives, at a cost that does not grow with the number of vServers. */
static int down_locked(const struct wirt_spec *spec, const struct wirt_netnames *nn,
		       const struct wirt_hostconf *hc, bool thorough, struct wirt_error *err)
{
	_cleanup_(wirt_nl_close) struct wirt_nl nl = { 0 };
	struct wirt_error ignored;
	struct nft_view view;
	int r, first = 0, uplink = 0;
	size_t users = 0;

	if (thorough) {
		r = wirt_nft_vserver_del(spec->name, nn->iface, err);
	} else {
		for (unsigned i = 0; i < spec->net.n_ports; i++)
			(void)port_apply(spec, &spec->net.ports[i], false, &ignored);
		r = wirt_nft_vserver_forget(nft_view(spec, nn, &view), err);
	}
	if (r == -ENOENT) /* no table: nothing of ours in it */
		r = 0;
	if (r < 0)
		first = r;
	r = wirt_nl_open(&nl, -1, first ? &ignored : err);
	if (r < 0)
		return first ? first : r;
	if (uplink_index(&nl, hc, &uplink, &ignored) == 0 && uplink > 0)
		for (unsigned i = 0; i < spec->net.n_addrs; i++)
			(void)wirt_nl_neigh_proxy_del(&nl, uplink, spec->net.addrs[i].family,
						      spec->net.addrs[i].addr, &ignored);
	r = wirt_nl_link_del(&nl, nn->iface, first ? &ignored : err);
	if (r < 0 && r != -ENODEV && !first)
		first = r;
	if (first)
		return first;
	wirt_error_clear(err);
	r = wirt_nft_iface_count(&users, err);
	if (r == 0 && users == 0)
		r = wirt_nft_table_delete(err);
	return r;
}

static int network_down(const char *root, const struct wirt_spec *spec, bool thorough,
			struct wirt_error *err)
{
	struct wirt_netnames nn;
	struct wirt_hostconf hc;
	_cleanup_close_ int lock = -1;
	int r;

	if (spec->net.mode == WIRT_NET_NONE)
		return 0;
	lock = network_begin(root, spec, &nn, &hc, err);
	if (lock < 0)
		return lock;
	r = down_locked(spec, &nn, &hc, thorough, err);
	if (r < 0)
		return wirt_error_prefix(err, "network down");
	return 0;
}

int wirt_network_down(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	return network_down(root, spec, false, err);
}

int wirt_network_cleanup(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	return network_down(root, spec, true, err);
}

int wirt_network_up(const char *root, const struct wirt_spec *spec, int netns_fd,
		    struct wirt_error *err)
{
	_cleanup_(wirt_nl_close) struct wirt_nl nl = { 0 };
	struct wirt_error ignored;
	struct wirt_netnames nn;
	struct wirt_hostconf hc;
	struct nft_view view;
	_cleanup_close_ int lock = -1;
	int r, ifindex = 0;

	if (spec->net.mode == WIRT_NET_NONE)
		return 0;
	lock = network_begin(root, spec, &nn, &hc, err);
	if (lock < 0)
		return lock;

	/* The veth of a rebooted guest's namespace, which the kernel frees late, may still
	 * hold the name. (After a crash, start cleaned up thoroughly already.) */
	r = wirt_nl_open(&nl, -1, err);
	if (r < 0)
		return wirt_error_prefix(err, "network");
	r = wirt_nl_link_del(&nl, nn.iface, &ignored);
	if (r < 0 && r != -ENODEV)
		return wirt_error_prefix(err, "network: remove the old '%s'", nn.iface);

	/* The table, the NAT prefixes and the vServer's elements in one transaction, and
	 * before the link: an interface of our prefix that nft does not know is shut, so
	 * nothing passes unchecked in between. */
	r = wirt_nft_batch_begin(err);
	if (r == 0) {
		r = wirt_nft_table_ensure(err);
		if (r == 0)
			r = masquerade_apply(&hc, err);
		if (r == 0)
			r = wirt_nft_vserver_add(nft_view(spec, &nn, &view), err);
		if (r == 0)
			r = wirt_nft_batch_commit(err);
		else
			wirt_nft_batch_abort();
	}
	if (r == 0)
		r = wirt_nl_veth_add(&nl, nn.iface, WIRT_NET_GUEST_IFACE, netns_fd, err);
	if (r == 0)
		r = host_side_up(&nl, spec, &nn, &hc, &ifindex, err);
	if (r == 0)
		r = guest_side_up(netns_fd, spec, &hc, err);
	for (unsigned i = 0; r == 0 && i < spec->net.n_ports; i++)
		r = port_apply(spec, &spec->net.ports[i], true, err);
	if (r < 0) {
		(void)down_locked(spec, &nn, &hc, false, &ignored);
		return wirt_error_prefix(err, "network");
	}
	return 0;
}

/* ---- live changes ---- */

static int open_guest_netns(pid_t init, struct wirt_error *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '%s'", path);
	return fd;
}

int wirt_network_addr(const char *root, const struct wirt_spec *spec, pid_t init,
		      const struct wirt_net_addr *a, bool add, struct wirt_error *err)
{
	_cleanup_(wirt_nl_close) struct wirt_nl host = { 0 }, guest = { 0 };
	char text[WIRT_NETADDR_TEXT_MAX];
	struct wirt_error ignored;
	struct wirt_netnames nn;
	struct wirt_hostconf hc;
	_cleanup_close_ int lock = -1, netns = -1;
	int r, ifindex = 0, eth = 0, uplink = 0;
	bool bridged = spec->net.mode == WIRT_NET_BRIDGED;

	wirt_netaddr_str(a, text);
	lock = network_begin(root, spec, &nn, &hc, err);
	if (lock < 0)
		return lock;
	netns = open_guest_netns(init, err);
	if (netns < 0)
		return netns;
	r = wirt_nl_open(&host, -1, err);
	if (r == 0)
		r = wirt_nl_open(&guest, netns, err);
	if (r == 0)
		r = wirt_nl_link_index(&host, nn.iface, &ifindex, err);
	if (r == 0)
		r = wirt_nl_link_index(&guest, WIRT_NET_GUEST_IFACE, &eth, err);
	if (r == 0)
		r = uplink_index(&host, &hc, &uplink, err);
	if (r < 0)
		return r;
	if (add) {
		r = wirt_nft_vserver_addr(spec->name, nn.iface, text, true, bridged, err);
		if (r == 0)
			r = host_addr(&host, spec, ifindex, uplink, a, true, err);
		if (r == 0)
			r = wirt_nl_addr_add(&guest, eth, a->family, a->addr, inside_prefix(spec, a),
					     err);
		/* the vServer's first address of its family needs a way out */
		if (r == 0 && routed(spec))
			r = guest_default_route(&guest, eth, a->family, err);
		if (r == 0)
			r = host_forwarding(spec, &hc, err);
		if (r < 0) {
			(void)wirt_nl_addr_del(&guest, eth, a->family, a->addr,
					       inside_prefix(spec, a), &ignored);
			(void)host_addr(&host, spec, ifindex, uplink, a, false, &ignored);
			(void)wirt_nft_vserver_addr(spec->name, nn.iface, text, false, bridged,
						    &ignored);
		}
		return r;
	}
	/* removed inside first: the guest stops using it before the host stops
	 * accepting it */
	r = wirt_nl_addr_del(&guest, eth, a->family, a->addr, inside_prefix(spec, a), err);
	if (r == -EADDRNOTAVAIL)
		r = 0; /* the customer removed it already */
	if (r == 0)
		r = host_addr(&host, spec, ifindex, uplink, a, false, err);
	if (r == 0)
		r = wirt_nft_vserver_addr(spec->name, nn.iface, text, false, bridged, err);
	return r;
}

int wirt_network_policy(const char *root, const struct wirt_spec *spec, struct wirt_error *err)
{
	struct wirt_netnames nn;
	_cleanup_close_ int lock = -1;

	lock = network_begin(root, spec, &nn, NULL, err);
	if (lock < 0)
		return lock;
	return wirt_nft_vserver_isolate(nn.iface, spec->net.policy == WIRT_POLICY_DENY, err);
}

int wirt_network_port(const char *root, const struct wirt_spec *spec,
		      const struct wirt_net_port *port, bool add, struct wirt_error *err)
{
	struct wirt_netnames nn;
	_cleanup_close_ int lock = -1;
	int r;

	lock = network_begin(root, spec, &nn, NULL, err);
	if (lock < 0)
		return lock;
	r = port_apply(spec, port, add, err);
	if (r < 0 && add) {
		struct wirt_error ignored;

		(void)port_apply(spec, port, false, &ignored);
	}
	return r;
}

static bool same_ports(const struct wirt_spec *a, const struct wirt_spec *b)
{
	static const int families[] = { AF_INET, AF_INET6 };

	if (a->net.n_ports != b->net.n_ports ||
	    memcmp(a->net.ports, b->net.ports, a->net.n_ports * sizeof(a->net.ports[0])) != 0)
		return false;
	/* a forward goes to the first address of each family */
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		const struct wirt_net_addr *x = wirt_network_forward_target(a, families[i]);
		const struct wirt_net_addr *y = wirt_network_forward_target(b, families[i]);

		if (!x != !y || (x && !wirt_netaddr_equal(x, y)))
			return false;
	}
	return true;
}

/* Has spec the address with the same prefix (a new prefix is a new address)? */
static bool has_addr(const struct wirt_spec *spec, const struct wirt_net_addr *a)
{
	int i = wirt_netaddr_find(spec->net.addrs, spec->net.n_addrs, a);

	return i >= 0 && spec->net.addrs[i].prefix == a->prefix;
}

static void ports_all(const char *root, const struct wirt_spec *spec, bool add)
{
	struct wirt_error ignored;

	for (unsigned i = 0; i < spec->net.n_ports; i++)
		(void)wirt_network_port(root, spec, &spec->net.ports[i], add, &ignored);
}

/* Steps from 'from' to 'to' on the running vServer; the first failure stops it. */
static int change_steps(const char *root, const struct wirt_spec *from, const struct wirt_spec *to,
			pid_t init, struct wirt_error *err)
{
	bool ports = !same_ports(from, to);
	int r = 0;

	if (ports)
		ports_all(root, from, false);
	for (unsigned i = 0; r == 0 && i < from->net.n_addrs; i++)
		if (!has_addr(to, &from->net.addrs[i]))
			r = wirt_network_addr(root, from, init, &from->net.addrs[i], false, err);
	for (unsigned i = 0; r == 0 && i < to->net.n_addrs; i++)
		if (!has_addr(from, &to->net.addrs[i]))
			r = wirt_network_addr(root, to, init, &to->net.addrs[i], true, err);
	if (r == 0 && from->net.policy != to->net.policy)
		r = wirt_network_policy(root, to, err);
	for (unsigned i = 0; r == 0 && ports && i < to->net.n_ports; i++)
		r = wirt_network_port(root, to, &to->net.ports[i], true, err);
	return r;
}

int wirt_network_change(const char *root, const struct wirt_spec *old, const struct wirt_spec *new,
			pid_t init, struct wirt_error *err)
{
	const struct wirt_net *o = &old->net, *n = &new->net;
	struct wirt_error ignored;
	_cleanup_close_ int netns = -1;
	int r;

	if (o->mode == WIRT_NET_NONE && n->mode == WIRT_NET_NONE)
		return 0;
	if (o->mode == n->mode && strcmp(o->bridge, n->bridge) == 0 &&
	    memcmp(o->mac, n->mac, sizeof(o->mac)) == 0) {
		r = change_steps(root, old, new, init, err);
		if (r < 0)
			(void)change_steps(root, new, old, init, &ignored);
		return r;
	}
	/* Another kind of network: the veth is made anew (the guest sees eth0 go and
	 * come back). */
	netns = open_guest_netns(init, err);
	if (netns < 0)
		return netns;
	r = wirt_network_down(root, old, err);
	if (r == 0)
		r = wirt_network_up(root, new, netns, err);
	if (r < 0)
		(void)wirt_network_up(root, old, netns, &ignored);
	return r;
}
