/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt snapshot NAME [SNAP]          a snapshot of the vServer's writable layer
 * wirt snapshot list NAME [--json]   its snapshots, oldest first
 * wirt snapshot delete NAME SNAP
 * wirt restore NAME SNAP             the vServer (stopped) as it was in SNAP
 * (snapshot.h; docs/storage.md "Snapshots").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "snapshot.h"

static int snapshot_list(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct wirt_snapshot *v;
	bool json = false;
	const char *name = NULL;
	size_t n;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-' || name)
			return cli_usage("snapshot", "snapshot list NAME [--json]");
		else
			name = argv[i];
	}
	if (!name)
		return cli_usage("snapshot", "snapshot list NAME [--json]");
	if (wirt_snapshot_list(cli->root, name, &v, &n, &err) < 0)
		return cli_fail_on("snapshot list", name, &err);
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			printf("%s{\"name\":", i ? "," : "");
			cli_json_string(v[i].name);
			printf(",\"created\":%lld,\"bytes\":%llu}", (long long)v[i].created,
			       (unsigned long long)v[i].bytes);
		}
		printf("]\n");
	} else {
		printf("%-24s %-20s %12s\n", "SNAPSHOT", "CREATED", "BYTES");
		for (size_t i = 0; i < n; i++) {
			char when[32];
			struct tm tm;

			localtime_r(&v[i].created, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
			printf("%-24s %-20s %12llu\n", v[i].name, when,
			       (unsigned long long)v[i].bytes);
		}
	}
	free(v);
	return 0;
}

int cmd_snapshot(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	char made[WIRT_NAME_MAX + 1];

	if (argc >= 2 && strcmp(argv[1], "list") == 0)
		return snapshot_list(cli, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "delete") == 0) {
		if (argc != 4)
			return cli_usage("snapshot", "snapshot delete NAME SNAP");
		if (wirt_snapshot_delete(cli->root, argv[2], argv[3], &err) < 0)
			return cli_fail_on("snapshot delete", argv[2], &err);
		return 0;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		return cli_usage("snapshot", "snapshot NAME [SNAP] | list NAME | delete NAME SNAP");
	if (wirt_snapshot_create(cli->root, argv[1], argc == 3 ? argv[2] : NULL, made, &err) < 0)
		return cli_fail_on("snapshot", argv[1], &err);
	printf("%s\n", made);
	return 0;
}

int cmd_restore(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };

	if (argc != 3)
		return cli_usage("restore", "restore NAME SNAP");
	if (wirt_snapshot_restore(cli->root, argv[1], argv[2], &err) < 0)
		return cli_fail_on("restore", argv[1], &err);
	return 0;
}
