/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt-network up|down ROOT NAME: a vServer's network, for its supervisor (see
 * src/lib/network.h). The supervisor is a small static program and links neither
 * libmnl nor libnftables; it runs this helper around each boot of its guest, with the
 * vServer's spec on stdin and, for up, the guest's network namespace on fd 3. A
 * failure is one line on stderr and the errno as exit status; up has then removed
 * what it made. Not meant to be run by hand.
 *
 * The network is the config's as it is now, not as the supervisor got it at start:
 * `wirt set` and `wirt port` change a running vServer's network and save that to the
 * config, so a guest that reboots gets it, and down removes what is in force.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "netaddr.h"
#include "network.h"
#include "spec.h"
#include "vserver.h"

#define NETNS_FD 3

static int read_spec(struct wirt_spec *spec)
{
	size_t got = 0;

	while (got < sizeof(*spec)) {
		ssize_t n = read(0, (char *)spec + got, sizeof(*spec) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	spec->name[sizeof(spec->name) - 1] = '\0';
	return 0;
}

/* Down: what the config names now, and also what the supervisor started with (in
 * case the config changed by hand), so that nothing that was in force stays. */
static void merge_net(struct wirt_net *into, const struct wirt_net *from)
{
	for (unsigned i = 0; i < from->n_addrs; i++)
		if (wirt_netaddr_find(into->addrs, into->n_addrs, &from->addrs[i]) < 0 &&
		    into->n_addrs < WIRT_NET_ADDRS_MAX)
			into->addrs[into->n_addrs++] = from->addrs[i];
	for (unsigned i = 0; i < from->n_ports; i++)
		if (wirt_net_port_find(into, &from->ports[i]) < 0 && into->n_ports < WIRT_NET_PORTS_MAX)
			into->ports[into->n_ports++] = from->ports[i];
	if (into->mode == WIRT_NET_NONE)
		*into = *from;
}

int main(int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct wirt_spec spec, now;
	char msg[WIRT_ERROR_MAX + 64];
	int r;

	if (argc != 4 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		fprintf(stderr, "wirt-network: run by wirt-supervisor, not by hand\n");
		return 2;
	}
	if (read_spec(&spec) < 0 || strcmp(spec.name, argv[3]) != 0) {
		fprintf(stderr, "receive the vServer's spec: protocol error\n");
		return EPROTO;
	}
	if (wirt_vserver_load(argv[2], argv[3], &now, &err) == 0) {
		if (strcmp(argv[1], "up") == 0) {
			/* the nameservers were merged from the host's config: keep those */
			now.net.n_resolvers = spec.net.n_resolvers;
			memcpy(now.net.resolvers, spec.net.resolvers, sizeof(now.net.resolvers));
			spec.net = now.net;
		} else {
			merge_net(&now.net, &spec.net);
			spec.net = now.net;
		}
	}
	wirt_error_clear(&err);
	if (strcmp(argv[1], "up") == 0)
		r = wirt_network_up(argv[2], &spec, NETNS_FD, &err);
	else
		r = wirt_network_down(argv[2], &spec, &err);
	if (r < 0) {
		fprintf(stderr, "%s\n", wirt_error_format(&err, msg, sizeof(msg)));
		return -r < 256 ? -r : EIO;
	}
	return 0;
}
