/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt export NAME FILE|- [--no-template]: see backup.h. */
#include <getopt.h>

#include "backup.h"
#include "cli.h"

int cmd_export(struct wirt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-template", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct wirt_export_options eo = { 0 };
	struct wirt_error err = { 0 };
	struct cli_progress bar;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			eo.no_template = true;
			break;
		default:
			return cli_usage("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 2 != argc)
		return cli_usage("export", "expects NAME and FILE");
	cli_progress_init(&bar, "export", argv[optind]);
	eo.progress = cli_progress_update;
	eo.progress_ctx = &bar;
	r = wirt_vserver_export(cli->root, argv[optind], argv[optind + 1], &eo, &err);
	cli_progress_end(&bar);
	if (r < 0)
		return cli_fail_on("export", argv[optind], &err);
	return 0;
}
