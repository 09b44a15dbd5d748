/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt restart NAME [--timeout S] [--force]: stop (when running), then start. */
#include <errno.h>
#include <stdbool.h>

#include "cli.h"
#include "vserver.h"

int cmd_restart(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	const char *name;
	int timeout, r;
	bool force;

	r = cli_parse_stop("restart", argc, argv, &name, &timeout, &force);
	if (r)
		return r;
	r = wirt_vserver_stop(cli->root, name, timeout, force, &err);
	if (r < 0 && r != -EALREADY)
		return cli_fail_on("restart", name, &err);
	if (wirt_vserver_start(cli->root, name, &err) < 0)
		return cli_fail_on("restart", name, &err);
	return 0;
}
