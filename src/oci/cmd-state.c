/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci state ID` (the state JSON, indented as runc prints it) and `wirt-oci list
 * [--format table|json] [--quiet]` (every container under --root).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle.h"

int cmd_state(struct oci_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	const char *id;
	json_t *o;
	int first;

	first = oci_parse_flags(cli, argc, argv, NULL, 0, "ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "state");
	if (!id)
		return OCI_EXIT_FAILURE;
	if (oci_state_load(cli->root, id, &st, &err) < 0)
		return oci_fail_err(cli, "state", id, &err);
	o = oci_state_json(&st, oci_state_status(&st));
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
	oci_state_free(&st);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_list(struct oci_cli *cli, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	struct oci_flag flags[] = {
		{ "format", "f", OCI_FLAG_STRING, &format },
		{ "quiet", "q", OCI_FLAG_BOOL, &quiet },
	};
	json_t *all = json_array();
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int first;

	first = oci_parse_flags(cli, argc, argv, flags, 2, "[--format table|json] [--quiet]");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return oci_fail(cli, "invalid format option");
	d = opendir(cli->root);
	while (d && (de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn)
			break;
		names = nn;
		names[n++] = strdup(de->d_name);
	}
	if (d)
		closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	if (strcmp(format, "table") == 0 && !quiet)
		printf("%-12s%-8s%-10s%-40s%-31s%s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
		       "OWNER");
	for (size_t i = 0; i < n; i++) {
		struct wirt_error err = { 0 };
		struct oci_state st = { 0 };
		enum oci_status status;

		if (!names[i] || oci_state_load(cli->root, names[i], &st, &err) < 0) {
			oci_state_free(&st);
			continue; /* being created, or not a container's dir */
		}
		status = oci_state_status(&st);
		if (strcmp(format, "json") == 0)
			json_array_append_new(all, oci_state_json(&st, status));
		else if (quiet)
			printf("%s\n", st.id);
		else
			printf("%-12s%-8d%-10s%-40s%-31s%s\n", st.id,
			       status == OCI_STOPPED ? 0 : (int)st.pid, oci_status_name(status),
			       st.bundle, st.created, "root");
		oci_state_free(&st);
	}
	if (strcmp(format, "json") == 0) {
		/* runc prints null for no containers (a nil Go slice). */
		if (json_array_size(all) == 0)
			printf("null\n");
		else {
			json_dumpf(all, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
			putchar('\n');
		}
	}
	json_decref(all);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}
