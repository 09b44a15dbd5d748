/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci`, the runc-compatible front door (issue 5): runc's global flags, then one
 * verb from the table. Containerd, Podman and CRI-O call it by runc's command line, so
 * flags, exit codes and the --log records follow runc 1.1. Verbs without a function
 * are recognised and refused as not implemented yet (docs/oci.md "The command line").
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct verb {
	const char *name;
	oci_cmd_fn fn; /* NULL: not implemented yet */
	const char *usage;
};

static const struct verb verbs[] = {
	{ "checkpoint", NULL, "checkpoint a running container" },
	{ "create", cmd_create, "create a container" },
	{ "delete", cmd_delete, "delete any resources held by the container" },
	{ "events", NULL, "display container events" },
	{ "exec", cmd_exec, "execute new process inside the container" },
	{ "kill", cmd_kill, "send a signal to the container's init process" },
	{ "list", cmd_list, "list containers started with the given root" },
	{ "pause", cmd_pause, "suspend all processes inside the container" },
	{ "ps", cmd_ps, "display the processes running inside a container" },
	{ "restore", NULL, "restore a container from a previous checkpoint" },
	{ "resume", cmd_resume, "resume all processes that have been previously paused" },
	{ "run", cmd_run, "create and run a container" },
	{ "spec", cmd_spec, "create a new specification file: spec [--bundle DIR] [--rootless]" },
	{ "start", cmd_start, "execute the user defined process in a created container" },
	{ "state", cmd_state, "output the state of a container" },
	{ "update", cmd_update, "update container resource constraints" },
	{ "features", cmd_features, "show the enabled features (JSON)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: wirt-oci [global options] command [command options] [arguments...]\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "   %-11s %s%s\n", verbs[i].name, verbs[i].usage,
			verbs[i].fn ? "" : " (not implemented yet)");
	fprintf(f, "   help, h     show this list\n\n"
		   "global options:\n"
		   "   --debug             enable debug logging\n"
		   "   --log FILE          append the log records (errors) to FILE, as well as stderr\n"
		   "   --log-format FMT    'text' (default) or 'json'\n"
		   "   --root DIR          container state dir (default: " OCI_ROOT_DEFAULT ")\n"
		   "   --criu PATH         accepted for runc compatibility (no checkpoint yet)\n"
		   "   --rootless VALUE    'true', 'false' or 'auto' (default), as runc takes it\n"
		   "   --systemd-cgroup    cgroupsPath is systemd's \"slice:prefix:name\"; wirt-oci\n"
		   "                       makes slice/prefix-name.scope itself (no D-Bus)\n"
		   "   --help, -h          show help\n"
		   "   --version, -v       print the version\n");
}

static void version(void)
{
	const struct scmp_version *v = seccomp_version();

	printf("wirt-oci version %s\nspec: %s\n", WIRT_VERSION, OCI_SPEC_VERSION);
	if (v)
		printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

static const struct verb *find_verb(const char *name)
{
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++) {
		if (strcmp(name, verbs[v].name) == 0)
			return &verbs[v];
	}
	return NULL;
}

/* The global flags, up to the verb. Returns the verb's index in argv, 0 after --help
 * or --version (printed), or -1 after an error (reported). */
static int parse_globals(struct oci_cli *cli, int argc, char **argv, bool *ret_systemd)
{
	const char *format = NULL, *rootless = NULL, *criu = NULL;
	bool flag = false;
	int i = 1, r;

	while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if ((r = oci_flag_value(cli, argc, argv, &i, "root", &cli->root)) ||
		    (r = oci_flag_value(cli, argc, argv, &i, "log", &cli->log_path)) ||
		    (r = oci_flag_value(cli, argc, argv, &i, "log-format", &format)) ||
		    (r = oci_flag_value(cli, argc, argv, &i, "criu", &criu)) ||
		    (r = oci_flag_value(cli, argc, argv, &i, "rootless", &rootless))) {
			if (r < 0)
				return -1;
			continue;
		}
		if ((r = oci_flag_bool(cli, argv, i, "debug", &cli->debug)) ||
		    (r = oci_flag_bool(cli, argv, i, "systemd-cgroup", ret_systemd)) ||
		    (r = oci_flag_bool(cli, argv, i, "help", &flag)) ||
		    (r = oci_flag_bool(cli, argv, i, "h", &flag))) {
			if (r < 0)
				return -1;
			if (flag) {
				usage(stdout);
				return 0;
			}
			i++;
			continue;
		}
		if ((r = oci_flag_bool(cli, argv, i, "version", &flag)) ||
		    (r = oci_flag_bool(cli, argv, i, "v", &flag))) {
			if (r < 0)
				return -1;
			if (flag) {
				version();
				return 0;
			}
			i++;
			continue;
		}
		oci_fail(cli, "flag provided but not defined: %s", argv[i]);
		return -1;
	}
	if (format && strcmp(format, "json") == 0)
		cli->log_json = true;
	else if (format && strcmp(format, "text") != 0) {
		oci_fail(cli, "invalid log-format: %s", format);
		return -1;
	}
	if (rootless && strcmp(rootless, "auto") != 0 && oci_parse_bool(rootless, &flag) < 0) {
		oci_fail(cli, "invalid --rootless value '%s' (true, false or auto)", rootless);
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct oci_cli cli = { .root = OCI_ROOT_DEFAULT, .log_fd = -1 };
	const struct verb *verb;
	bool systemd = false;
	int i, r;

	i = parse_globals(&cli, argc, argv, &systemd);
	if (i <= 0)
		return i == 0 ? 0 : OCI_EXIT_FAILURE;
	/* Verbs that put processes into containers run from a read-only binary. */
	if (i < argc && (strcmp(argv[i], "create") == 0 || strcmp(argv[i], "run") == 0 ||
			 strcmp(argv[i], "exec") == 0) &&
	    oci_protect_binary(&cli, argv) != 0)
		return OCI_EXIT_FAILURE;
	if (cli.log_path && cli.log_path[0] != '\0') {
		r = oci_log_open(&cli);
		if (r < 0) {
			fprintf(stderr, "wirt-oci: open log file '%s': %s\n", cli.log_path,
				strerror(-r));
			return OCI_EXIT_FAILURE;
		}
	}
	if (i >= argc) {
		usage(stdout); /* as runc: the help, and success */
		return 0;
	}
	if (strcmp(argv[i], "help") == 0 || strcmp(argv[i], "h") == 0) {
		usage(stdout);
		return 0;
	}
	if (cli.root[0] == '\0')
		return oci_fail(&cli, "--root: empty path");
	cli.systemd_cgroup = systemd;
	verb = find_verb(argv[i]);
	if (!verb) {
		oci_fail(&cli, "unknown command '%s' (see 'wirt-oci --help')", argv[i]);
		return OCI_EXIT_UNKNOWN_COMMAND;
	}
	oci_debug(&cli, "wirt-oci %s: %s, root '%s'", WIRT_VERSION, verb->name, cli.root);
	if (!verb->fn)
		return oci_fail(&cli, "%s: not implemented yet", verb->name);
	return verb->fn(&cli, argc - i, argv + i);
}
