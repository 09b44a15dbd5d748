/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci delete [--force] ID`: a stopped or created container is removed; a
 * running or paused one only with --force (its processes are killed first). A
 * missing container is an error, except with --force, as runc.
 */
#include "lifecycle.h"

int cmd_delete(struct oci_cli *cli, int argc, char **argv)
{
	struct wirt_oci_spec spec = { 0 };
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	bool force = false;
	struct oci_flag flags[] = { { "force", "f", OCI_FLAG_BOOL, &force } };
	enum oci_status status;
	const char *id;
	int first, r;

	first = oci_parse_flags(cli, argc, argv, flags, 1, "[--force] ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "delete");
	if (!id)
		return OCI_EXIT_FAILURE;
	r = oci_state_load(cli->root, id, &st, &err);
	if (r < 0) {
		oci_state_free(&st);
		if (force && oci_id_check(id, &err) == 0) {
			/* A create that died before its record: remove what it left. */
			oci_state_init(&st, cli->root, id);
			(void)oci_state_remove(&st, &err);
			return 0;
		}
		return oci_fail_err(cli, "delete", id, &err);
	}
	status = oci_state_status(&st);
	if (!force && (status == OCI_RUNNING || status == OCI_PAUSED)) {
		oci_state_free(&st);
		return oci_fail(cli, "delete %s: cannot delete container %s that is not stopped: %s",
				id, id, oci_status_name(status));
	}
	/* Without its config (lost) there are no poststop hooks to run; the rest goes. */
	if (oci_lifecycle_config(&st, &spec, &err) < 0)
		wirt_oci_spec_free(&spec);
	r = oci_lifecycle_destroy(cli, &st, spec.has_process ? &spec : NULL);
	oci_state_free(&st);
	wirt_oci_spec_free(&spec);
	return r;
}
