/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt edge status [--json]   is the edge (HAProxy) running, with which configuration
 * wirt edge reload            generates, checks and applies the configuration anew
 * wirt edge stop              stops it (domains stay; the next domain verb starts it)
 * (edge.h; docs/edge.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "domain.h"
#include "edge.h"
#include "hostconf.h"

int cmd_edge(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_edge_status st;
	struct wirt_hostconf hc;
	struct wirt_error err = { 0 };
	int lock;

	if (argc < 2)
		return cli_usage("edge", "edge status [--json] | edge reload | edge stop");
	if (strcmp(argv[1], "status") == 0) {
		bool json = argc == 3 && strcmp(argv[2], "--json") == 0;

		if (argc > 3 || (argc == 3 && !json))
			return cli_usage("edge", "edge status [--json]");
		if (wirt_edge_status(cli->root, &st, &err) < 0)
			return cli_fail(&err);
		if (json) {
			printf("{\"running\":%s,\"pid\":", st.running ? "true" : "false");
			if (st.running)
				printf("%d", (int)st.pid);
			else
				printf("null");
			printf(",\"config\":");
			if (st.config[0])
				cli_json_string(st.config);
			else
				printf("null");
			printf("}\n");
		} else if (st.running) {
			printf("running (pid %d), %s\n", (int)st.pid, st.config);
		} else {
			printf("stopped\n");
		}
		return 0;
	}
	if (argc != 2)
		return cli_usage("edge", "edge %s takes no arguments", argv[1]);
	if (strcmp(argv[1], "stop") == 0) {
		if (wirt_edge_stop(cli->root, &err) < 0)
			return cli_fail_on("edge stop", cli->root, &err);
		return 0;
	}
	if (strcmp(argv[1], "reload") == 0) {
		if (wirt_hostconf_load(&hc, &err) < 0)
			return cli_fail(&err);
		lock = wirt_edge_lock(cli->root, &err);
		if (lock < 0 || wirt_edge_apply(cli->root, &hc, &err) < 0)
			return cli_fail_on("edge reload", cli->root, &err);
		return 0;
	}
	return cli_usage("edge", "unknown subcommand '%s'", argv[1]);
}
