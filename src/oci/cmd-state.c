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

/* The table as runc's tabwriter lays it out: each column as wide as its widest cell
 * plus 3, at least 12. */
#define LIST_COLUMNS 6

struct table {
	size_t n;
	char *(*rows)[LIST_COLUMNS];
};

static void table_add(struct table *t, const char *const cells[LIST_COLUMNS])
{
	char *(*rows)[LIST_COLUMNS] = realloc(t->rows, (t->n + 1) * sizeof(*rows));

	if (!rows)
		return;
	t->rows = rows;
	for (int c = 0; c < LIST_COLUMNS; c++)
		t->rows[t->n][c] = strdup(cells[c]);
	t->n++;
}

static void table_print(struct table *t)
{
	size_t width[LIST_COLUMNS] = { 0 };

	for (size_t r = 0; r < t->n; r++)
		for (int c = 0; c < LIST_COLUMNS; c++)
			if (t->rows[r][c] && strlen(t->rows[r][c]) + 3 > width[c])
				width[c] = strlen(t->rows[r][c]) + 3;
	for (size_t r = 0; r < t->n; r++) {
		for (int c = 0; c < LIST_COLUMNS; c++) {
			const char *cell = t->rows[r][c] ? t->rows[r][c] : "";
			if (c == LIST_COLUMNS - 1)
				printf("%s\n", cell);
			else
				printf("%-*s", (int)(width[c] < 12 ? 12 : width[c]), cell);
			free(t->rows[r][c]);
		}
	}
	free(t->rows);
}

int cmd_list(struct oci_cli *cli, int argc, char **argv)
{
	const char *format = "table";
	bool quiet = false;
	struct oci_flag flags[] = {
		{ "format", "f", OCI_FLAG_STRING, &format },
		{ "quiet", "q", OCI_FLAG_BOOL, &quiet },
	};
	static const char *const header[LIST_COLUMNS] = { "ID", "PID", "STATUS", "BUNDLE",
							  "CREATED", "OWNER" };
	struct table table = { 0 };
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
		table_add(&table, header);
	for (size_t i = 0; i < n; i++) {
		struct wirt_error err = { 0 };
		struct oci_state st = { 0 };
		enum oci_status status;
		char pid[16];

		if (!names[i] || oci_state_load(cli->root, names[i], &st, &err) < 0) {
			oci_state_free(&st);
			continue; /* being created, or not a container's dir */
		}
		status = oci_state_status(&st);
		snprintf(pid, sizeof(pid), "%d", status == OCI_STOPPED ? 0 : (int)st.pid);
		if (strcmp(format, "json") == 0) {
			json_t *o = oci_state_json(&st, status);

			/* list names the owner, state leaves it empty: as runc. */
			json_object_set_new(o, "owner", json_string("root"));
			json_array_append_new(all, o);
		} else if (quiet) {
			printf("%s\n", st.id);
		} else {
			const char *cells[LIST_COLUMNS] = { st.id, pid, oci_status_name(status),
							    st.bundle, st.created, "root" };
			table_add(&table, cells);
		}
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
	} else if (!quiet) {
		table_print(&table);
	}
	json_decref(all);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return 0;
}
