/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `wirt-oci pause ID` and `wirt-oci resume ID`: the container's cgroup frozen, thawed. */
#include <string.h>

#include "lifecycle.h"

static int freeze(struct oci_cli *cli, int argc, char **argv, bool frozen)
{
	const char *verb = frozen ? "pause" : "resume";
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	enum oci_status status;
	const char *id;
	int first, r = 0;

	first = oci_parse_flags(cli, argc, argv, NULL, 0, "ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, verb);
	if (!id)
		return OCI_EXIT_FAILURE;
	if (oci_state_load(cli->root, id, &st, &err) < 0)
		return oci_fail_err(cli, verb, id, &err);
	status = oci_state_status(&st);
	if (frozen && status != OCI_RUNNING && status != OCI_CREATED)
		r = oci_fail(cli, "pause %s: container not running", id);
	else if (!frozen && status != OCI_PAUSED)
		r = oci_fail(cli, "resume %s: container not paused", id);
	else if (wirt_cgroup_freeze(&st.cg, frozen, &err) < 0)
		r = oci_fail_err(cli, verb, id, &err);
	oci_state_free(&st);
	return r;
}

int cmd_pause(struct oci_cli *cli, int argc, char **argv)
{
	return freeze(cli, argc, argv, true);
}

int cmd_resume(struct oci_cli *cli, int argc, char **argv)
{
	return freeze(cli, argc, argv, false);
}
