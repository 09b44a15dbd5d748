/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt enter NAME: an interactive login shell inside, on a pty. */
#include <unistd.h>

#include "cli.h"

int cmd_enter(struct wirt_cli *cli, int argc, char **argv)
{
	char *shell[] = { "/bin/sh", "-l", NULL };

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("enter", "expects one NAME");
	return cli_attach_run(cli, "enter", argv[1], shell, isatty(STDIN_FILENO), -1);
}
