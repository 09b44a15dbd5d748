/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci ps [--format table|json] ID [-- PS_ARGS]`: the processes in the
 * container's cgroup. json: their pids; table: the host's `ps` (with PS_ARGS, "-ef"
 * by default) cut down to the container's lines, as runc does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lifecycle.h"

struct pids {
	size_t n, cap;
	pid_t *v;
};

static int add_pid(pid_t pid, void *data)
{
	struct pids *p = data;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		pid_t *v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return -1;
		p->v = v;
		p->cap = cap;
	}
	p->v[p->n++] = pid;
	return 0;
}

static bool has_pid(const struct pids *p, long pid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i] == pid)
			return true;
	return false;
}

/* Prints ps's header and the lines whose PID column is one of the container's. */
static int ps_table(struct oci_cli *cli, const struct pids *pids, int argc, char **argv)
{
	char *args[64] = { "ps" }, line[4096];
	int n = 1, pid_col = -1, fd[2];
	FILE *f;
	pid_t child;

	if (argc == 0)
		args[n++] = "-ef";
	for (int i = 0; i < argc && n < 63; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (pipe(fd) < 0 || (child = fork()) < 0)
		return oci_fail(cli, "ps: cannot run ps");
	if (child == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execvp("ps", args);
		_exit(127);
	}
	close(fd[1]);
	f = fdopen(fd[0], "r");
	for (bool header = true; f && fgets(line, sizeof(line), f); header = false) {
		char copy[4096], *tok, *save = NULL;
		int col = 0;

		snprintf(copy, sizeof(copy), "%s", line);
		for (tok = strtok_r(copy, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save), col++) {
			if (header && strcmp(tok, "PID") == 0)
				pid_col = col;
			if (!header && col == pid_col) {
				if (has_pid(pids, strtol(tok, NULL, 10)))
					fputs(line, stdout);
				break;
			}
		}
		if (header) {
			if (pid_col < 0) {
				fclose(f);
				waitpid(child, NULL, 0);
				return oci_fail(cli, "ps: no PID column in ps's output");
			}
			fputs(line, stdout);
		}
	}
	if (f)
		fclose(f);
	waitpid(child, NULL, 0);
	return 0;
}

int cmd_ps(struct oci_cli *cli, int argc, char **argv)
{
	const char *format = "table";
	struct oci_flag flags[] = { { "format", "f", OCI_FLAG_STRING, &format } };
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	struct pids pids = { 0 };
	const char *id;
	int first, r = 0;

	first = oci_parse_flags(cli, argc, argv, flags, 1, "[--format table|json] ID [PS_ARGS]");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "ps");
	if (!id)
		return OCI_EXIT_FAILURE;
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return oci_fail(cli, "ps: invalid format option");
	if (oci_state_load(cli->root, id, &st, &err) < 0)
		return oci_fail_err(cli, "ps", id, &err);
	(void)wirt_cgroup_each_pid(&st.cg, add_pid, &pids);
	if (strcmp(format, "json") == 0) {
		printf("[");
		for (size_t i = 0; i < pids.n; i++)
			printf("%s%d", i ? "," : "", (int)pids.v[i]);
		printf("]\n");
	} else {
		int rest = first + 1;

		if (rest < argc && strcmp(argv[rest], "--") == 0)
			rest++;
		r = ps_table(cli, &pids, argc - rest, argv + rest);
	}
	free(pids.v);
	oci_state_free(&st);
	return r;
}
