/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `wirt-oci start ID`: a created container's init runs its program. */
#include "lifecycle.h"

int cmd_start(struct oci_cli *cli, int argc, char **argv)
{
	struct wirt_oci_spec spec = { 0 };
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	enum oci_status status;
	const char *id;
	int first, r = OCI_EXIT_FAILURE;

	first = oci_parse_flags(cli, argc, argv, NULL, 0, "ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "start");
	if (!id)
		return OCI_EXIT_FAILURE;
	if (oci_state_load(cli->root, id, &st, &err) < 0)
		return oci_fail_err(cli, "start", id, &err);
	status = oci_state_status(&st);
	if (status == OCI_STOPPED)
		r = oci_fail(cli, "start %s: cannot start a container that has stopped", id);
	else if (status != OCI_CREATED)
		r = oci_fail(cli, "start %s: cannot start an already running container", id);
	else if (oci_lifecycle_config(&st, &spec, &err) < 0)
		r = oci_fail_err(cli, "start", id, &err);
	else
		r = oci_lifecycle_start(cli, &st, &spec) == 0 ? 0 : OCI_EXIT_FAILURE;
	oci_state_free(&st);
	wirt_oci_spec_free(&spec);
	return r;
}
