/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt import FILE|- [NAME] [--ip ADDR[/PREFIX]]...: see backup.h. */
#include <getopt.h>
#include <stdio.h>

#include "backup.h"
#include "cli.h"

int cmd_import(struct wirt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ip", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct wirt_import_options io = { 0 };
	struct wirt_import_result res;
	struct wirt_error err = { 0 };
	struct wirt_net net = { 0 };
	struct cli_progress bar;
	const char *file;
	int c, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (cli_add_ip("import", optarg, &net) != 0)
				return WIRT_EXIT_USAGE;
			break;
		case ':':
			return cli_usage("import", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage("import", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc && optind + 2 != argc)
		return cli_usage("import", "expects FILE and an optional NAME");
	file = argv[optind];
	io.name = optind + 1 < argc ? argv[optind + 1] : NULL;
	io.net = &net;
	cli_progress_init(&bar, "import", io.name ? io.name : file);
	io.progress = cli_progress_update;
	io.progress_ctx = &bar;
	r = wirt_vserver_import(cli->root, file, &io, &res, &err);
	cli_progress_end(&bar);
	if (r < 0)
		return cli_fail_on("import", io.name ? io.name : file, &err);
	if (res.template_imported)
		fprintf(stderr, "wirt: import '%s': template '%s' came with the backup\n", res.name,
		        res.template_name);
	if (res.template_differs)
		fprintf(stderr,
		        "wirt: import '%s': warning: the backup holds no template; this host's "
		        "'%s' is another build than the exported vServer's\n",
		        res.name, res.template_name);
	printf("%s\n", res.name);
	return 0;
}
