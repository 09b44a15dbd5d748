/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt port add NAME tcp|udp HOSTPORT GUESTPORT
 * wirt port list [NAME] [--json]
 * wirt port delete NAME tcp|udp HOSTPORT
 *
 * Port forwards from the host's own addresses to a vServer (its first IPv4 and first
 * IPv6 address), for hosts with one public address. Kept in the vServer's config and
 * in force while it runs (docs/network.md).
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "netaddr.h"
#include "network.h"
#include "settings.h"
#include "validate.h"
#include "vserver.h"

static int port_change(struct wirt_cli *cli, int argc, char **argv, bool add)
{
	const char *verb = add ? "port add" : "port delete";
	struct wirt_error err = { 0 };
	struct wirt_net_port port;
	int want = add ? 6 : 5;

	for (int i = 2; i < argc; i++)
		if (argv[i][0] == '-')
			return cli_usage(verb, "unknown option '%s'", argv[i]);
	if (argc != want)
		return cli_usage(verb, add ? "expects NAME tcp|udp HOSTPORT GUESTPORT"
					   : "expects NAME tcp|udp HOSTPORT");
	if (wirt_port_parse(argv[3], argv[4], add ? argv[5] : "1", &port, &err) < 0 ||
	    wirt_vserver_port(cli->root, argv[2], &port, add, &err) < 0)
		return cli_fail_on(verb, argv[2], &err);
	return 0;
}

static void print_ports(const struct wirt_spec *spec, bool json, bool *first)
{
	for (unsigned i = 0; i < spec->net.n_ports; i++) {
		const struct wirt_net_port *p = &spec->net.ports[i];
		const struct wirt_net_addr *a4 = wirt_network_forward_target(spec, AF_INET);
		const struct wirt_net_addr *a6 = wirt_network_forward_target(spec, AF_INET6);
		const char *proto = p->proto == IPPROTO_TCP ? "tcp" : "udp";
		char t4[WIRT_NETADDR_TEXT_MAX] = "", t6[WIRT_NETADDR_TEXT_MAX] = "";

		if (a4)
			wirt_netaddr_str(a4, t4);
		if (a6)
			wirt_netaddr_str(a6, t6);
		if (json) {
			printf("%s{\"name\":", *first ? "" : ",");
			cli_json_string(spec->name);
			printf(",\"proto\":\"%s\",\"host_port\":%u,\"guest_port\":%u,"
			       "\"addresses\":[",
			       proto, p->host_port, p->guest_port);
			if (a4)
				printf("\"%s\"", t4);
			if (a6)
				printf("%s\"%s\"", a4 ? "," : "", t6);
			printf("]}");
		} else {
			printf("%-20s %-5s %-9u %-10u %s%s%s\n", spec->name, proto, p->host_port,
			       p->guest_port, t4, a4 && a6 ? "," : "", t6);
		}
		*first = false;
	}
}

static int port_list(struct wirt_cli *cli, int argc, char **argv)
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	struct wirt_error err = { 0 };
	const char *only = NULL;
	bool json = false, first = true;
	size_t n = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-')
			return cli_usage("port list", "unknown option '%s'", argv[i]);
		else if (only)
			return cli_usage("port list", "expects at most one NAME");
		else
			only = argv[i];
	}
	if (only) {
		struct wirt_spec spec;

		if (wirt_vserver_load(cli->root, only, &spec, &err) < 0)
			return cli_fail_on("port list", only, &err);
		if (!json)
			printf("%-20s %-5s %-9s %-10s %s\n", "NAME", "PROTO", "HOSTPORT", "GUESTPORT",
			       "ADDRESS");
		else
			printf("[");
		print_ports(&spec, json, &first);
		if (json)
			printf("]\n");
		return 0;
	}
	if (wirt_vserver_list(cli->root, &names, &n, &err) < 0)
		return cli_fail(&err);
	if (json)
		printf("[");
	else
		printf("%-20s %-5s %-9s %-10s %s\n", "NAME", "PROTO", "HOSTPORT", "GUESTPORT",
		       "ADDRESS");
	for (size_t i = 0; i < n; i++) {
		struct wirt_spec spec;

		/* a vServer whose config cannot be read forwards nothing */
		if (wirt_vserver_load(cli->root, names[i], &spec, &err) == 0)
			print_ports(&spec, json, &first);
	}
	if (json)
		printf("]\n");
	free(names);
	return 0;
}

int cmd_port(struct wirt_cli *cli, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return port_change(cli, argc, argv, true);
	if (argc >= 2 && (strcmp(argv[1], "delete") == 0 || strcmp(argv[1], "del") == 0))
		return port_change(cli, argc, argv, false);
	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return port_list(cli, argc, argv);
	return cli_usage("port", "expects add, list or delete");
}
