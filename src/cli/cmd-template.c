/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt template list [--json] | build busybox [NAME] | build debian [--release R]
 * [--mirror URL] [NAME] | import NAME TARBALL | delete NAME`: the storage pool's
 * templates (see template.h). `list --json` is a stable interface: an array of
 * {"name", "source", "created", "size_bytes", "users"}.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "template.h"
#include "util.h"

#define USAGE                                                                                      \
	"usage: wirt template list [--json] | build busybox [NAME] |\n"                           \
	"       build debian [--release R] [--mirror URL] [NAME] | import NAME TARBALL |\n"       \
	"       delete NAME"

/* "1.9M": binary units with one decimal, as `ls -sh` and `du -h` print them. */
static void format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, size, "%" PRIu64 "B", bytes);
		return;
	}
	while (v >= 1024 && u < (int)sizeof(units) - 2) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void print_json(const struct wirt_template_info *v, size_t n)
{
	size_t i;

	printf("[");
	for (i = 0; i < n; i++) {
		printf("%s\n  {\"name\": ", i ? "," : "");
		cli_json_string(v[i].name);
		printf(", \"source\": ");
		cli_json_string(v[i].source);
		printf(", \"created\": ");
		cli_json_string(v[i].created);
		printf(", \"size_bytes\": %" PRIu64 ", \"users\": %u}", v[i].size_bytes,
		       v[i].users);
	}
	printf("%s]\n", n ? "\n" : "");
}

static int width(int w, const char *s)
{
	int len = (int)strlen(s);

	return len > w ? len : w;
}

static void print_table(const struct wirt_template_info *v, size_t n)
{
	int wn = 4, ws = 6, wc = 7;
	char size[32];
	size_t i;

	for (i = 0; i < n; i++) {
		wn = width(wn, v[i].name);
		ws = width(ws, v[i].source);
		wc = width(wc, v[i].created);
	}
	printf("%-*s  %-*s  %-*s  %6s  %s\n", wn, "NAME", ws, "SOURCE", wc, "CREATED", "SIZE",
	       "USERS");
	for (i = 0; i < n; i++) {
		format_size(v[i].size_bytes, size, sizeof(size));
		printf("%-*s  %-*s  %-*s  %6s  %u\n", wn, v[i].name, ws,
		       v[i].source[0] ? v[i].source : "-", wc,
		       v[i].created[0] ? v[i].created : "-", size, v[i].users);
	}
}

static int do_list(struct wirt_cli *cli, int argc, char **argv)
{
	_cleanup_free_ struct wirt_template_info *v = NULL;
	struct wirt_error err = { 0 };
	bool json = false;
	size_t n;
	int i;

	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else
			return cli_usage("template", "list: unexpected argument '%s'", argv[i]);
	}
	if (wirt_template_list(cli->root, &v, &n, &err) < 0) {
		wirt_error_prefix(&err, "template list");
		return cli_fail(&err);
	}
	if (json)
		print_json(v, n);
	else
		print_table(v, n);
	return 0;
}

/* Takes "--opt VALUE" and "--opt=VALUE"; advances *i past what it used. */
static bool take_option(int argc, char **argv, int *i, const char *opt, const char **ret)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len) != 0)
		return false;
	if (argv[*i][len] == '=') {
		*ret = argv[*i] + len + 1;
		return true;
	}
	if (argv[*i][len] != '\0' || *i + 1 >= argc)
		return false;
	*ret = argv[++*i];
	return true;
}

static int do_build(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	const char *kind, *name = NULL, *release = NULL, *mirror = NULL;
	int i, r;

	if (argc < 3)
		return cli_usage("template", "build: which template? (busybox or debian)");
	kind = argv[2];
	if (strcmp(kind, "busybox") != 0 && strcmp(kind, "debian") != 0)
		return cli_usage("template",
				 "build: unknown template kind '%s' (busybox or debian)", kind);
	for (i = 3; i < argc; i++) {
		if (strcmp(kind, "debian") == 0 &&
		    (take_option(argc, argv, &i, "--release", &release) ||
		     take_option(argc, argv, &i, "--mirror", &mirror)))
			continue;
		if (strcmp(kind, "debian") == 0 &&
		    (strcmp(argv[i], "--release") == 0 || strcmp(argv[i], "--mirror") == 0))
			return cli_usage("template", "build debian: option '%s' needs a value",
					 argv[i]);
		if (argv[i][0] == '-')
			return cli_usage("template", "build %s: unknown option '%s'", kind,
					 argv[i]);
		if (name)
			return cli_usage("template", "build %s: unexpected argument '%s'", kind,
					 argv[i]);
		name = argv[i];
	}
	if (!name)
		name = kind;

	if (strcmp(kind, "busybox") == 0)
		r = wirt_template_build_busybox(cli->root, name, &err);
	else
		r = wirt_template_build_debian(cli->root, name, release, mirror, &err);
	if (r < 0)
		return cli_fail_on("template build", name, &err);
	printf("template '%s' built\n", name);
	return 0;
}

static int do_import(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };

	if (argc != 4)
		return cli_usage("template", "import: expected NAME TARBALL");
	if (wirt_template_import(cli->root, argv[2], argv[3], &err) < 0)
		return cli_fail_on("template import", argv[2], &err);
	printf("template '%s' imported\n", argv[2]);
	return 0;
}

static int do_delete(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };

	if (argc != 3)
		return cli_usage("template", "delete: expected NAME");
	if (wirt_template_delete(cli->root, argv[2], &err) < 0)
		return cli_fail_on("template delete", argv[2], &err);
	return 0;
}

int cmd_template(struct wirt_cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("template", "missing subcommand (list, build, import or delete)");
	if (strcmp(argv[1], "list") == 0)
		return do_list(cli, argc, argv);
	if (strcmp(argv[1], "build") == 0)
		return do_build(cli, argc, argv);
	if (strcmp(argv[1], "import") == 0)
		return do_import(cli, argc, argv);
	if (strcmp(argv[1], "delete") == 0)
		return do_delete(cli, argc, argv);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		printf("%s\n", USAGE);
		return 0;
	}
	return cli_usage("template", "unknown subcommand '%s' (list, build, import or delete)",
			 argv[1]);
}
