/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt clone SRC DST [--ip ADDR[/PREFIX]]...: see clone.h. */
#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "clone.h"

int cmd_clone(struct wirt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct wirt_error err = { 0 };
	struct wirt_net net = { 0 };
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (cli_add_ip("clone", optarg, &net) != 0)
				return WIRT_EXIT_USAGE;
			break;
		case ':':
			return cli_usage("clone", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage("clone", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 2 != argc)
		return cli_usage("clone", "expects SRC and DST");
	if (wirt_vserver_clone(cli->root, argv[optind], argv[optind + 1], &net, &err) < 0)
		return cli_fail_on("clone", argv[optind + 1], &err);
	return 0;
}
