/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci kill [--all] ID [SIGNAL]`: the signal (name with or without SIG, or
 * number; SIGTERM by default) to the container's init, or with --all to every process
 * in its cgroup. Init is signalled through a pidfd opened after its start time was
 * checked, so a reused pid is never hit.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lifecycle.h"
#include "names.h"
#include "syscalls.h"

static int signal_one(pid_t pid, void *data)
{
	kill(pid, *(int *)data);
	return 0;
}

int cmd_kill(struct oci_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	bool all = false;
	struct oci_flag flags[] = { { "all", "a", OCI_FLAG_BOOL, &all } };
	const char *id;
	int first, sig = SIGTERM, r = 0, pidfd;

	first = oci_parse_flags(cli, argc, argv, flags, 1, "[--all] ID [SIGNAL]");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "kill");
	if (!id)
		return OCI_EXIT_FAILURE;
	if (first + 1 < argc && (sig = oci_signal_parse(argv[first + 1])) < 0)
		return oci_fail(cli, "kill %s: unknown signal \"%s\"", id, argv[first + 1]);
	if (oci_state_load(cli->root, id, &st, &err) < 0)
		return oci_fail_err(cli, "kill", id, &err);
	if (all) {
		/* Stopped or not: whatever is left in the cgroup is what --all is for. */
		(void)wirt_cgroup_each_pid(&st.cg, signal_one, &sig);
		oci_state_free(&st);
		return 0;
	}
	pidfd = wirt_sys_pidfd_open(st.pid, 0);
	if (pidfd < 0 || !oci_state_init_alive(&st)) {
		r = oci_fail(cli, "kill %s: container not running", id);
	} else if (wirt_sys_pidfd_send_signal(pidfd, sig, NULL, 0) < 0) {
		r = errno == ESRCH ? oci_fail(cli, "kill %s: container not running", id)
				   : oci_fail(cli, "kill %s: %s", id, strerror(errno));
	}
	if (pidfd >= 0)
		close(pidfd);
	oci_state_free(&st);
	return r;
}
