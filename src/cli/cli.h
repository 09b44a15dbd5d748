/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `wirt` front door: what every verb shares. Verbs own argv, stdout and the exit
 * status; the engine never prints. Exit status: 0 success, 1 failure, 2 usage error
 * (for `exec`, the command's own status).
 */
#ifndef WIRT_CLI_H
#define WIRT_CLI_H

#include <stdbool.h>

#include "error.h"

#define WIRT_EXIT_FAILURE 1
#define WIRT_EXIT_USAGE 2

struct wirt_cli {
	const char *root; /* resolved root dir */
};

/* A verb: argv[0] is the verb's name, options follow. Returns the exit status. */
typedef int (*wirt_cmd_fn)(struct wirt_cli *cli, int argc, char **argv);

/* Prints "wirt: <formatted err>" on stderr; returns WIRT_EXIT_FAILURE. */
int cli_fail(const struct wirt_error *err);

/* Prints "wirt: <verb>: <message>" and a hint to see `wirt help` on stderr; returns
 * WIRT_EXIT_USAGE. */
int cli_usage(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a JSON string literal (quoted, escaped) to stdout. */
void cli_json_string(const char *s);

/* Verbs, one file each. */
int cmd_template(struct wirt_cli *cli, int argc, char **argv);
int cmd_create(struct wirt_cli *cli, int argc, char **argv);
int cmd_start(struct wirt_cli *cli, int argc, char **argv);
int cmd_stop(struct wirt_cli *cli, int argc, char **argv);
int cmd_restart(struct wirt_cli *cli, int argc, char **argv);
int cmd_exec(struct wirt_cli *cli, int argc, char **argv);
int cmd_enter(struct wirt_cli *cli, int argc, char **argv);
int cmd_console(struct wirt_cli *cli, int argc, char **argv);
int cmd_list(struct wirt_cli *cli, int argc, char **argv);
int cmd_status(struct wirt_cli *cli, int argc, char **argv);
int cmd_logs(struct wirt_cli *cli, int argc, char **argv);
int cmd_delete(struct wirt_cli *cli, int argc, char **argv);

#endif
