/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt start NAME; wirt start --autostart (every vServer created with --autostart: what
 * wirt-autostart.service runs at boot) */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vserver.h"

static void report_autostart(const char *name, const struct wirt_error *e)
{
	struct wirt_error err = *e;

	cli_fail_on("start", name ? name : "(all)", &err);
}

int cmd_start(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };

	if (argc == 2 && strcmp(argv[1], "--autostart") == 0)
		return wirt_vserver_autostart(cli->root, report_autostart) ? WIRT_EXIT_FAILURE : 0;
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("start", "expects one NAME");
	if (wirt_vserver_start(cli->root, argv[1], &err) < 0)
		return cli_fail_on("start", argv[1], &err);
	return 0;
}
