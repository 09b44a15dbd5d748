/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt console NAME: the guest's console (what its init prints, a shell where the
 * template puts one). Ctrl-] detaches; the guest keeps running. */
#include <stdio.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "supervisor.h"
#include "validate.h"
#include "vserver.h"

#define ESCAPE_CHAR 0x1d /* Ctrl-] */

int cmd_console(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_attached at = { .pid = -1, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
				    .sysinfo_fd = -1 };
	struct wirt_error err = { 0 };
	struct wirt_status st;
	int fd;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("console", "expects one NAME");
	if (wirt_vserver_status(cli->root, argv[1], &st, &err) < 0)
		return cli_fail_on("console", argv[1], &err);
	if (st.state != WIRT_STATE_RUNNING) {
		wirt_error_plain(&err, 0, "not running");
		return cli_fail_on("console", argv[1], &err);
	}
	fd = wirt_console_connect(cli->root, argv[1], &err);
	if (fd < 0)
		return cli_fail_on("console", argv[1], &err);
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "Connected to the console of '%s'; Ctrl-] detaches.\r\n", argv[1]);
	at.master_fd = fd;
	return cli_relay(&at, ESCAPE_CHAR);
}
