/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt`, the operator's front door: global options, then one verb from the table.
 * The verbs and their flags are a contract (docs/wirt.1.md): scripts call them.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "paths.h"

struct verb {
	const char *name;
	wirt_cmd_fn fn;
	const char *usage;
};

static const struct verb verbs[] = {
	{ "template", cmd_template, "template list [--json] | build busybox|debian [--release R] | import NAME TARBALL | delete NAME" },
	{ "create", cmd_create, "create NAME [--template T] [--hostname H] [--autostart] [--cpu-weight N] [--cpus N.N]\n"
		"              [--cpuset LIST] [--memory SIZE] [--memory-low SIZE] [--swap SIZE] [--pids N]\n"
		"              [--disk SIZE]\n"
		"              [--io-weight N] [--io-max DEV:rbps=..,wbps=..,riops=..,wiops=..]\n"
		"              [--ip ADDR[/PREFIX]]... [--network routed|bridged|none] [--bridge BR]\n"
		"              [--mac MAC] [--gateway ADDR] [--policy allow|deny] [--resolver ADDR]..." },
	{ "start", cmd_start, "start NAME | start --autostart" },
	{ "stop", cmd_stop, "stop NAME [--timeout S] [--force] | stop --all" },
	{ "restart", cmd_restart, "restart NAME [--timeout S]" },
	{ "exec", cmd_exec, "exec NAME -- CMD [ARG]..." },
	{ "enter", cmd_enter, "enter NAME" },
	{ "console", cmd_console, "console NAME" },
	{ "list", cmd_list, "list [--json]" },
	{ "status", cmd_status, "status NAME [--json]" },
	{ "set", cmd_set, "set NAME KEY=VALUE...   (memory=512M, cpus=1.5, pids=100, ip+=ADDR, ip-=ADDR, policy=deny, ...)" },
	{ "port", cmd_port, "port add NAME tcp|udp HOSTPORT GUESTPORT | port list [NAME] [--json] | port delete NAME tcp|udp HOSTPORT" },
	{ "stats", cmd_stats, "stats [NAME] [--json] [--watch [--interval S]]" },
	{ "snapshot", cmd_snapshot, "snapshot NAME [SNAP] | snapshot list NAME [--json] | snapshot delete NAME SNAP" },
	{ "restore", cmd_restore, "restore NAME SNAP" },
	{ "clone", cmd_clone, "clone SRC DST [--ip ADDR[/PREFIX]]..." },
	{ "export", cmd_export, "export NAME FILE|- [--no-template]" },
	{ "import", cmd_import, "import FILE|- [NAME] [--ip ADDR[/PREFIX]]..." },
	{ "domain", cmd_domain, "domain add NAME DOMAIN... [--tls edge|passthrough|off] [--forward xff|proxy] [--reload-cmd CMD]\n"
		"              | domain list [NAME] [--json] | domain delete NAME DOMAIN | domain renew [DOMAIN...] [--force]" },
	{ "edge", cmd_edge, "edge status [--json] | edge reload | edge stop" },
	{ "logs", cmd_logs, "logs NAME" },
	{ "delete", cmd_delete, "delete NAME [--force]" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: wirt [--root DIR] VERB ...\n\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  wirt %s\n", verbs[i].usage);
	fprintf(f, "\nThe root dir is --root, else $WIRT_ROOT, else %s.\n", WIRT_ROOT_DEFAULT);
}

int main(int argc, char **argv)
{
	struct wirt_cli cli = { 0 };
	const char *root = NULL;
	int i = 1;

	while (i < argc && argv[i][0] == '-') {
		if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			root = argv[i + 1];
			i += 2;
		} else if (strncmp(argv[i], "--root=", 7) == 0) {
			root = argv[i] + 7;
			i++;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("wirt %s\n", WIRT_VERSION);
			return 0;
		} else {
			return cli_usage(NULL, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return WIRT_EXIT_USAGE;
	}
	if (strcmp(argv[i], "help") == 0) {
		usage(stdout);
		return 0;
	}
	cli.root = wirt_root_resolve(root);
	if (cli.root[0] != '/')
		return cli_usage(NULL, "root dir '%s' is not an absolute path", cli.root);
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(argv[i], verbs[v].name) == 0)
			return verbs[v].fn(&cli, argc - i, argv + i);
	}
	return cli_usage(NULL, "unknown verb '%s'", argv[i]);
}
