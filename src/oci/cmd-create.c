/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci create [--bundle DIR] [--pid-file F] [--console-socket S]
 *  [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID`: the container's init is set
 * up and waits for `start`.
 */
#include <stdlib.h>

#include "lifecycle.h"

/* The flags create and run share; 'o' receives them. */
int oci_create_flags(struct oci_cli *cli, int argc, char **argv, struct oci_create_opts *o,
		     bool run, bool *ret_keep, const char *usage);

int oci_create_flags(struct oci_cli *cli, int argc, char **argv, struct oci_create_opts *o,
		     bool run, bool *ret_keep, const char *usage)
{
	const char *preserve = NULL;
	bool no_subreaper = false;
	struct oci_flag flags[] = {
		{ "bundle", "b", OCI_FLAG_STRING, &o->bundle },
		{ "pid-file", NULL, OCI_FLAG_STRING, &o->pid_file },
		{ "console-socket", NULL, OCI_FLAG_STRING, &o->console_socket },
		{ "preserve-fds", NULL, OCI_FLAG_STRING, &preserve },
		{ "no-pivot", NULL, OCI_FLAG_BOOL, &o->no_pivot },
		{ "no-new-keyring", NULL, OCI_FLAG_BOOL, &o->no_new_keyring },
		/* run only: */
		{ "detach", "d", OCI_FLAG_BOOL, &o->detach },
		{ "keep", NULL, OCI_FLAG_BOOL, ret_keep },
		{ "no-subreaper", NULL, OCI_FLAG_BOOL, &no_subreaper },
	};
	size_t n = sizeof(flags) / sizeof(flags[0]) - (run ? 0 : 3);
	int first = oci_parse_flags(cli, argc, argv, flags, n, usage);

	if (first > 0 && preserve) {
		char *end;
		unsigned long n = strtoul(preserve, &end, 10);

		if (*end || preserve[0] == '-' || n > 1024) {
			oci_fail(cli, "invalid value \"%s\" for flag --preserve-fds", preserve);
			return -1;
		}
		o->preserve_fds = (unsigned)n;
	}
	return first;
}

int cmd_create(struct oci_cli *cli, int argc, char **argv)
{
	struct oci_create_opts o = { .detach = true };
	struct wirt_oci_spec spec = { 0 };
	struct oci_state st = { 0 };
	const char *id;
	int first, r;

	first = oci_create_flags(cli, argc, argv, &o, false, NULL,
				 "[--bundle DIR] [--pid-file F] [--console-socket S] "
				 "[--preserve-fds N] [--no-pivot] [--no-new-keyring] ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "create");
	if (!id)
		return OCI_EXIT_FAILURE;
	r = oci_lifecycle_create(cli, id, &o, &spec, &st);
	oci_state_free(&st);
	wirt_oci_spec_free(&spec);
	return r < 0 ? OCI_EXIT_FAILURE : 0;
}
