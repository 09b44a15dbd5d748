/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Addresses at create and set: see netpool.h. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "netpool.h"
#include "vserver.h"

/* Calls fn for every other vServer of the root; stops at the first error. */
static int each_other(const char *root, const char *self,
		      int (*fn)(const struct wirt_spec *other, void *data, struct wirt_error *err),
		      void *data, struct wirt_error *err)
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	size_t n = 0;
	int r;

	r = wirt_vserver_list(root, &names, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct wirt_spec other;
		struct wirt_error ignored;

		if (strcmp(names[i], self) == 0)
			continue;
		/* a vServer whose config cannot be read holds nothing we could see */
		if (wirt_vserver_load(root, names[i], &other, &ignored) < 0)
			continue;
		r = fn(&other, data, err);
	}
	free(names);
	return r;
}

static int conflicts_with(const struct wirt_spec *other, void *data, struct wirt_error *err)
{
	const struct wirt_spec *spec = data;
	char text[WIRT_NETADDR_TEXT_MAX];

	for (unsigned i = 0; i < spec->net.n_addrs; i++)
		if (wirt_netaddr_find(other->net.addrs, other->net.n_addrs, &spec->net.addrs[i]) >= 0)
			return wirt_error_plain(err, EADDRINUSE, "address %s belongs to vServer '%s'",
						wirt_netaddr_str(&spec->net.addrs[i], text),
						other->name);
	for (unsigned i = 0; i < spec->net.n_ports; i++)
		if (wirt_net_port_find(&other->net, &spec->net.ports[i]) >= 0)
			return wirt_error_plain(err, EADDRINUSE,
						"%s port %u is forwarded to vServer '%s'",
						spec->net.ports[i].proto == IPPROTO_TCP ? "tcp" : "udp",
						spec->net.ports[i].host_port, other->name);
	return 0;
}

static int check_host_addresses(const struct wirt_spec *spec, struct wirt_error *err)
{
	struct ifaddrs *list, *ifa;
	char text[WIRT_NETADDR_TEXT_MAX];
	int r = 0;

	if (getifaddrs(&list) < 0)
		return wirt_errorf(err, errno, "list the host's addresses");
	for (ifa = list; ifa && r == 0; ifa = ifa->ifa_next) {
		struct wirt_net_addr host = { 0 };

		if (!ifa->ifa_addr)
			continue;
		host.family = ifa->ifa_addr->sa_family;
		if (host.family == AF_INET)
			memcpy(host.addr, &((struct sockaddr_in *)(void *)ifa->ifa_addr)->sin_addr, 4);
		else if (host.family == AF_INET6)
			memcpy(host.addr, &((struct sockaddr_in6 *)(void *)ifa->ifa_addr)->sin6_addr,
			       16);
		else
			continue;
		if (wirt_netaddr_find(spec->net.addrs, spec->net.n_addrs, &host) >= 0)
			r = wirt_error_plain(err, EADDRINUSE, "address %s is the host's own (on %s)",
					     wirt_netaddr_str(&host, text), ifa->ifa_name);
	}
	freeifaddrs(list);
	return r;
}

int wirt_network_check_conflicts(const char *root, const struct wirt_spec *spec,
				 struct wirt_error *err)
{
	int r = check_host_addresses(spec, err);

	if (r == 0)
		r = each_other(root, spec->name, conflicts_with, (void *)(uintptr_t)spec, err);
	return r;
}

struct used {
	struct wirt_net_addr *addrs;
	size_t n, size;
};

static int collect_used(const struct wirt_spec *other, void *data, struct wirt_error *err)
{
	struct used *u = data;

	for (unsigned j = 0; j < other->net.n_addrs; j++) {
		if (u->n == u->size) {
			size_t size = u->size ? 2 * u->size : 64;
			struct wirt_net_addr *a = realloc(u->addrs, size * sizeof(*a));

			if (!a)
				return wirt_errorf(err, ENOMEM, "collect addresses");
			u->addrs = a;
			u->size = size;
		}
		u->addrs[u->n++] = other->net.addrs[j];
	}
	return 0;
}

/* The lowest free address of 'pool' (not used, not the host's), or -EADDRNOTAVAIL. */
static int pool_pick(const struct wirt_net_addr *pool, const struct used *u,
		     struct wirt_spec *spec, struct wirt_error *err)
{
	char text[WIRT_NETADDR_TEXT_MAX];
	struct wirt_net_addr a;
	struct wirt_error ignored;

	/* index 0 is the network's own address; past 65536 tries a pool is "full" */
	for (uint64_t i = 1; i < 65536 && wirt_netaddr_nth(pool, i, &a); i++) {
		if (wirt_netaddr_find(u->addrs, u->n, &a) >= 0)
			continue;
		spec->net.addrs[spec->net.n_addrs++] = a;
		if (check_host_addresses(spec, &ignored) == 0)
			return 0;
		spec->net.n_addrs--;
	}
	return wirt_error_plain(err, EADDRNOTAVAIL, "address pool %s is full",
				wirt_netaddr_str_prefix(pool, text));
}

int wirt_network_assign(const char *root, struct wirt_spec *spec, const struct wirt_hostconf *hc,
			struct wirt_error *err)
{
	struct used u = { 0 };
	int r;

	if (spec->net.n_addrs || (spec->net.mode == WIRT_NET_NONE && spec->net.mode_set))
		return 0;
	if (!hc->has_pool && !hc->has_pool6)
		return 0;
	r = each_other(root, spec->name, collect_used, &u, err);
	if (r == 0 && hc->has_pool)
		r = pool_pick(&hc->pool, &u, spec, err);
	if (r == 0 && hc->has_pool6)
		r = pool_pick(&hc->pool6, &u, spec, err);
	free(u.addrs);
	if (r < 0) {
		spec->net.n_addrs = 0;
		return r;
	}
	if (!spec->net.mode_set)
		spec->net.mode = WIRT_NET_ROUTED;
	return 0;
}
