/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt stop NAME [--timeout S] [--force] */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "validate.h"
#include "vserver.h"

/* Shared with restart: parses [--timeout S] [--force] around one NAME. */
int cli_parse_stop(const char *verb, int argc, char **argv, const char **ret_name,
		   int *ret_timeout, bool *ret_force)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct wirt_error err = { 0 };
	uint64_t v;
	int c;

	*ret_timeout = -1;
	*ret_force = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (wirt_uint_parse(optarg, 0, 86400, &v, &err) < 0)
				return cli_usage(verb, "--timeout: %s", err.msg);
			*ret_timeout = (int)v;
			break;
		case 'f':
			*ret_force = true;
			break;
		case ':':
			return cli_usage(verb, "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage(verb, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage(verb, "expects one NAME");
	*ret_name = argv[optind];
	return 0;
}

/* stop --all: every running (or crashed) vServer, as the host shuts down. */
static int stop_all(struct wirt_cli *cli)
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	struct wirt_error err = { 0 };
	struct wirt_status st;
	int failed = 0;
	size_t n;

	if (wirt_vserver_list(cli->root, &names, &n, &err) < 0)
		return cli_fail(&err);
	for (size_t i = 0; i < n; i++) {
		if (wirt_vserver_status(cli->root, names[i], &st, &err) < 0 ||
		    st.state == WIRT_STATE_STOPPED)
			continue;
		if (wirt_vserver_stop(cli->root, names[i], -1, false, &err) < 0) {
			cli_fail_on("stop", names[i], &err);
			failed++;
		}
	}
	free(names);
	return failed ? WIRT_EXIT_FAILURE : 0;
}

int cmd_stop(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	const char *name;
	int timeout, r;
	bool force;

	if (argc == 2 && strcmp(argv[1], "--all") == 0)
		return stop_all(cli);
	r = cli_parse_stop("stop", argc, argv, &name, &timeout, &force);
	if (r)
		return r;
	if (wirt_vserver_stop(cli->root, name, timeout, force, &err) < 0)
		return cli_fail_on("stop", name, &err);
	return 0;
}
