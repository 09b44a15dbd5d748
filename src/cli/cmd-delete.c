/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt delete NAME [--force] */
#include <stdbool.h>
#include <string.h>

#include "cli.h"
#include "vserver.h"

int cmd_delete(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	const char *name = NULL;
	bool force = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 || strcmp(argv[i], "-f") == 0)
			force = true;
		else if (argv[i][0] == '-')
			return cli_usage("delete", "unknown option '%s'", argv[i]);
		else if (name)
			return cli_usage("delete", "expects one NAME");
		else
			name = argv[i];
	}
	if (!name)
		return cli_usage("delete", "expects one NAME");
	if (wirt_vserver_delete(cli->root, name, force, &err) < 0)
		return cli_fail_on("delete", name, &err);
	return 0;
}
