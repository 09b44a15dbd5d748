/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci run [create's flags] [--detach] [--keep] ID`: create and start; in the
 * foreground the runtime waits for the container's init, passes the signals it gets
 * on to it, deletes the container (unless --keep) and exits with init's status
 * (128 + signal when a signal ended it), as runc does.
 */
#include <sys/prctl.h>

#include "lifecycle.h"

int oci_create_flags(struct oci_cli *cli, int argc, char **argv, struct oci_create_opts *o,
		     bool run, bool *ret_keep, const char *usage);

int cmd_run(struct oci_cli *cli, int argc, char **argv)
{
	struct oci_create_opts o = { 0 };
	struct wirt_oci_spec spec = { 0 };
	struct oci_state st = { 0 };
	bool keep = false;
	const char *id;
	int first, r, status = 0;

	first = oci_create_flags(cli, argc, argv, &o, true, &keep,
				 "[--bundle DIR] [--pid-file F] [--console-socket S] [--detach] "
				 "[--keep] [--preserve-fds N] [--no-pivot] [--no-new-keyring] ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "run");
	if (!id)
		return OCI_EXIT_FAILURE;
	/* Orphans of the container come to us while we wait, as with runc run. */
	if (!o.detach)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	r = oci_lifecycle_create(cli, id, &o, &spec, &st);
	if (r == 0) {
		r = oci_lifecycle_start(cli, &st, &spec);
		if (r != 0) {
			(void)oci_lifecycle_destroy(cli, &st, &spec);
			r = -1;
		}
	}
	if (r == 0 && !o.detach) {
		status = oci_wait_forwarding(st.pid);
		if (!keep && oci_lifecycle_destroy(cli, &st, &spec) != 0 && status == 0)
			status = OCI_EXIT_FAILURE;
	}
	oci_state_free(&st);
	wirt_oci_spec_free(&spec);
	if (r < 0)
		return OCI_EXIT_FAILURE;
	return status;
}
