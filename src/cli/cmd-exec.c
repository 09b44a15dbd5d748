/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt exec NAME -- CMD [ARG]...: CMD's exit status is wirt's (127: not found). A pty
 * is used when stdin and stdout are both terminals, pipes otherwise. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "attach.h"
#include "cli.h"
#include "vserver.h"

int cli_attach_run(struct wirt_cli *cli, const char *verb, const char *name, char **argv,
		   bool tty, int escape_char)
{
	struct wirt_attach a = { .argv = argv, .tty = tty };
	struct wirt_error err = { 0 };
	struct wirt_attached at;
	struct wirt_status st;
	struct winsize ws;
	int r;

	if (tty) {
		a.term = getenv("TERM");
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) {
			a.rows = ws.ws_row;
			a.cols = ws.ws_col;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if (wirt_vserver_status(cli->root, name, &st, &err) < 0)
		return cli_fail_on(verb, name, &err);
	r = wirt_attach_spawn(cli->root, name, &a, &at, &err);
	if (r < 0) {
		cli_fail_on(verb, name, &err);
		/* the vServer exists, so these are about the program, as in a shell */
		if (r == -ENOENT)
			return 127;
		return r == -EACCES || r == -ENOEXEC ? 126 : WIRT_EXIT_FAILURE;
	}
	return cli_relay(&at, escape_char);
}

int cmd_exec(struct wirt_cli *cli, int argc, char **argv)
{
	int cmd = 2;

	if (argc < 2 || argv[1][0] == '-')
		return cli_usage("exec", "expects NAME -- CMD [ARG]...");
	if (argc > 2 && strcmp(argv[2], "--") == 0)
		cmd = 3;
	if (cmd >= argc)
		return cli_usage("exec", "expects NAME -- CMD [ARG]...");
	return cli_attach_run(cli, "exec", argv[1], argv + cmd,
			      isatty(STDIN_FILENO) && isatty(STDOUT_FILENO), -1);
}
