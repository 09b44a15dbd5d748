/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt create NAME [--template T] [--hostname H] [--autostart] */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "spec.h"
#include "vserver.h"

int cmd_create(struct wirt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "autostart", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *template_name = "busybox", *hostname = NULL;
	struct wirt_error err = { 0 };
	struct wirt_spec spec;
	bool autostart = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			template_name = optarg;
			break;
		case 'H':
			hostname = optarg;
			break;
		case 'a':
			autostart = true;
			break;
		case ':':
			return cli_usage("create", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage("create", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage("create", "expects one NAME");
	wirt_spec_init(&spec, argv[optind]);
	if (snprintf(spec.template_name, sizeof(spec.template_name), "%s", template_name) >=
	    (int)sizeof(spec.template_name))
		return cli_usage("create", "template name is longer than %d characters", WIRT_NAME_MAX);
	if (hostname && snprintf(spec.hostname, sizeof(spec.hostname), "%s", hostname) >=
				(int)sizeof(spec.hostname))
		return cli_usage("create", "hostname is longer than %d characters", WIRT_HOSTNAME_MAX);
	spec.autostart = autostart;
	if (wirt_vserver_create(cli->root, &spec, &err) < 0)
		return cli_fail_on("create", argv[optind], &err);
	return 0;
}
