/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The `wirt` front door: what every verb shares. Verbs own argv, stdout and the exit
 * status; the engine never prints. Exit status: 0 success, 1 failure, 2 usage error
 * (for `exec`, the command's own status).
 */
#ifndef WIRT_CLI_H
#define WIRT_CLI_H

#include <stdbool.h>
#include <stdint.h>

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

/* Prefixes err with "<verb> '<name>'" (name shown with control characters escaped,
 * as typed names may hold any byte), then as cli_fail. */
int cli_fail_on(const char *verb, const char *name, struct wirt_error *err);

/* Prints "wirt: <verb>: <message>" and a hint to see `wirt help` on stderr; returns
 * WIRT_EXIT_USAGE. */
int cli_usage(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a JSON string literal (quoted, escaped) to stdout. */
void cli_json_string(const char *s);

/* Relays the caller's stdio to a program started with wirt_attach_spawn and waits
 * for it; returns its exit status (128 + signal when killed). relay.c */
struct wirt_attached;
int cli_relay(struct wirt_attached *at, int escape_char);

/* Parses "[--timeout S] [--force] NAME" for stop and restart (cmd-stop.c). Returns
 * 0, or the usage exit status it printed. */
int cli_parse_stop(const char *verb, int argc, char **argv, const char **ret_name,
		   int *ret_timeout, bool *ret_force);

/* Runs argv in running vServer 'name' with stdio relayed (cmd-exec.c). Returns the
 * program's exit status: 127 when it does not exist, 126 when it cannot run. */
int cli_attach_run(struct wirt_cli *cli, const char *verb, const char *name, char **argv,
		   bool tty, int escape_char);

/* A progress bar on stderr, drawn only when stderr is a terminal (progress.c):
 * "export web1 [#####     ]  45%  120.3 MiB / 270.0 MiB". */
struct cli_progress {
	const char *verb, *name;
	bool on, shown;
};

void cli_progress_init(struct cli_progress *p, const char *verb, const char *name);
/* A wirt_progress_fn (backup.h); ctx is the struct cli_progress. */
void cli_progress_update(void *ctx, uint64_t done, uint64_t total);
/* Ends the bar's line, if one was drawn. */
void cli_progress_end(struct cli_progress *p);

/* One more --ip ADDR[/PREFIX] of 'verb' into net (clone, import). 0, or the usage exit
 * status it printed. */
struct wirt_net;
int cli_add_ip(const char *verb, const char *arg, struct wirt_net *net);

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
int cmd_set(struct wirt_cli *cli, int argc, char **argv);
int cmd_stats(struct wirt_cli *cli, int argc, char **argv);
int cmd_snapshot(struct wirt_cli *cli, int argc, char **argv);
int cmd_restore(struct wirt_cli *cli, int argc, char **argv);
int cmd_clone(struct wirt_cli *cli, int argc, char **argv);
int cmd_port(struct wirt_cli *cli, int argc, char **argv);
int cmd_export(struct wirt_cli *cli, int argc, char **argv);
int cmd_import(struct wirt_cli *cli, int argc, char **argv);
int cmd_domain(struct wirt_cli *cli, int argc, char **argv);
int cmd_edge(struct wirt_cli *cli, int argc, char **argv);

#endif
