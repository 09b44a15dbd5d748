/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt set NAME KEY=VALUE...: changes config keys of a vServer; resource limits of a
 * running one at once (wirt_vserver_set). Prints nothing on success.
 */
#include <string.h>

#include "cli.h"
#include "settings.h"
#include "validate.h"

int cmd_set(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	char shown[WIRT_ESCAPE_MAX];

	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return cli_usage("set", "unknown option '%s'",
					 wirt_str_escape(argv[i], shown, sizeof(shown)));
	if (argc < 3)
		return cli_usage("set", "expects NAME and at least one KEY=VALUE");
	for (int i = 2; i < argc; i++)
		if (argv[i][0] == '=' || !strchr(argv[i], '='))
			return cli_usage("set", "expected KEY=VALUE, not '%s'",
					 wirt_str_escape(argv[i], shown, sizeof(shown)));
	if (wirt_vserver_set(cli->root, argv[1], argv + 2, (size_t)(argc - 2), &err) < 0)
		return cli_fail_on("set", argv[1], &err);
	return 0;
}
