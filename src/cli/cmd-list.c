/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt list [--json]: every vServer with its state. JSON (stable, docs/wirt.1.md):
 * [{"name", "state": "running"|"stopped"|"crashed", "template", "hostname",
 *   "pid": host pid of PID 1 or null, "autostart": bool}]
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vserver.h"

int cmd_list(struct wirt_cli *cli, int argc, char **argv)
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	struct wirt_error err = { 0 };
	bool json = false;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return cli_usage("list", "unknown argument '%s'", argv[i]);
	}
	if (wirt_vserver_list(cli->root, &names, &n, &err) < 0) {
		wirt_error_prefix(&err, "list");
		return cli_fail(&err);
	}
	if (json)
		printf("[");
	else
		printf("%-24s %-8s %-12s %-24s %s\n", "NAME", "STATE", "TEMPLATE", "HOSTNAME", "PID");
	for (size_t i = 0; i < n; i++) {
		struct wirt_spec spec = { 0 };
		struct wirt_status st;
		bool have_spec = wirt_vserver_load(cli->root, names[i], &spec, &err) == 0;

		if (wirt_vserver_status(cli->root, names[i], &st, &err) < 0)
			continue;
		if (json) {
			printf("%s{\"name\":", i ? "," : "");
			cli_json_string(names[i]);
			printf(",\"state\":\"%s\",\"template\":", wirt_state_name(st.state));
			cli_json_string(have_spec ? spec.template_name : "");
			printf(",\"hostname\":");
			cli_json_string(have_spec ? spec.hostname : "");
			if (st.state == WIRT_STATE_RUNNING && st.run.init > 0)
				printf(",\"pid\":%d", st.run.init);
			else
				printf(",\"pid\":null");
			printf(",\"autostart\":%s}", spec.autostart ? "true" : "false");
		} else {
			char pid[16] = "-";

			if (st.state == WIRT_STATE_RUNNING && st.run.init > 0)
				snprintf(pid, sizeof(pid), "%d", st.run.init);
			printf("%-24s %-8s %-12s %-24s %s\n", names[i], wirt_state_name(st.state),
			       have_spec ? spec.template_name : "?", have_spec ? spec.hostname : "?",
			       pid);
		}
	}
	if (json)
		printf("]\n");
	free(names);
	return 0;
}
