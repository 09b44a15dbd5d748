/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci`, the runc-compatible front door: what every verb shares. Global flags
 * are parsed once into struct oci_cli; every error leaves through oci_fail, which
 * writes it to the --log file in the --log-format runc clients read (containerd and
 * Podman parse that file) and as one line to stderr. Exit status as runc's: 0, 1 for
 * an error or a usage error, 3 for an unknown command. docs/oci.md "The command line".
 */
#ifndef WIRT_OCI_CLI_H
#define WIRT_OCI_CLI_H

#include <stdbool.h>
#include <jansson.h>

#include "error.h"

#define OCI_EXIT_FAILURE 1
#define OCI_EXIT_UNKNOWN_COMMAND 3 /* what runc (urfave/cli) exits with */
#define OCI_EXIT_EXEC_FAILED 255   /* exec could not run the process (runc's) */

#define OCI_ROOT_DEFAULT "/run/wirt-oci"
#define OCI_SPEC_VERSION "1.1.0"	/* the newest runtime-spec the parser reads */
#define OCI_SPEC_VERSION_MIN "1.0.0"

struct oci_cli {
	const char *root;     /* --root, state dir (unused until create exists) */
	const char *log_path; /* --log; NULL: stderr only */
	bool log_json;	      /* --log-format json */
	bool debug;	      /* --debug: also debug records */
	bool systemd_cgroup;  /* --systemd-cgroup: cgroupsPath is "slice:prefix:name" */
	int log_fd;	      /* -1: no --log file */
};

/* A verb: argv[0] is its name, its flags and arguments follow. Returns the exit status. */
typedef int (*oci_cmd_fn)(struct oci_cli *cli, int argc, char **argv);

/* Opens cli->log_path for appending (created 0644, as runc does). Returns 0 or -errno. */
int oci_log_open(struct oci_cli *cli);

/* Reports an error: with --log, one record in the log format to the file and the line
 * "wirt-oci: <msg>" to stderr; without it, that line (text) or the JSON record (json)
 * to stderr, where runc's log goes by default. Returns OCI_EXIT_FAILURE. */
int oci_fail(struct oci_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A debug record, only with --debug; where oci_fail writes its record. */
void oci_debug(struct oci_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats one record as runc's logrus does: json {"level":..,"msg":..,"time":..} or text
 * time=".." level=.. msg="..", RFC 3339 local time, ending in '\n'. Returns the
 * allocated line or NULL when out of memory. */
char *oci_log_record(bool json, const char *level, const char *msg, long long when);

/* Parses a boolean flag's optional "=VALUE" (Go's flag package: true/false/1/0/t/f).
 * Returns 0 and *ret, or -EINVAL. */
int oci_parse_bool(const char *value, bool *ret);

/* If argv[*i] is the flag 'name' (one or two dashes, "=VALUE" or a next argument),
 * stores its value and advances *i. Returns 1 when it matched, 0 when it did not, -1
 * when its value is missing (an error was reported). */
int oci_flag_value(struct oci_cli *cli, int argc, char **argv, int *i, const char *name,
		   const char **ret);

/* As oci_flag_value for a boolean flag ("--name" or "--name=BOOL"). */
int oci_flag_bool(struct oci_cli *cli, char **argv, int i, const char *name, bool *ret);

/* A verb's flags, parsed by oci_parse_flags as runc's (urfave/cli) are: "-x", "--x",
 * "--x=V" or "--x V", up to the first argument that is not a flag or "--". */
enum oci_flag_kind {
	OCI_FLAG_BOOL,	 /* bool * */
	OCI_FLAG_STRING, /* const char ** */
	OCI_FLAG_LIST,	 /* struct oci_list *: the flag may repeat */
};

#define OCI_LIST_MAX 128

struct oci_list {
	size_t n;
	const char *v[OCI_LIST_MAX];
};

struct oci_flag {
	const char *name;
	const char *alias; /* a second name ("b" for "bundle"), or NULL */
	enum oci_flag_kind kind;
	void *ret;
};

/* Parses the flags after argv[0] (the verb). Returns the index of the first
 * positional argument (argc when none), or -1 after reporting an unknown flag or a
 * missing value. "--help" prints 'usage' and returns 0. */
int oci_parse_flags(struct oci_cli *cli, int argc, char **argv, const struct oci_flag *flags,
		    size_t n, const char *usage);

/* Exactly one positional argument, the container id: reported when missing. */
const char *oci_want_id(struct oci_cli *cli, int argc, char **argv, int first, const char *verb);

/* Reports 'err' (an engine error) with the verb and container: "<verb> <id>: <msg>". */
int oci_fail_err(struct oci_cli *cli, const char *verb, const char *id,
		 const struct wirt_error *err);

/* Re-executes wirt-oci from a read-only view of its binary unless it runs from one
 * already (selfprotect.c). Returns only on failure (reported). */
int oci_protect_binary(struct oci_cli *cli, char **argv);

/* config.json as `spec` writes it (cmd-spec.c), tab-indented like runc's, without a
 * final newline; the caller frees it. NULL: no memory. */
char *oci_spec_build(bool rootless);

/* The features document (cmd-features.c); the caller json_decref()s it. NULL: no memory. */
json_t *oci_features_build(void);

/* Verbs, one file each. */
int cmd_spec(struct oci_cli *cli, int argc, char **argv);
int cmd_features(struct oci_cli *cli, int argc, char **argv);
int cmd_create(struct oci_cli *cli, int argc, char **argv);
int cmd_run(struct oci_cli *cli, int argc, char **argv);
int cmd_start(struct oci_cli *cli, int argc, char **argv);
int cmd_state(struct oci_cli *cli, int argc, char **argv);
int cmd_kill(struct oci_cli *cli, int argc, char **argv);
int cmd_delete(struct oci_cli *cli, int argc, char **argv);
int cmd_exec(struct oci_cli *cli, int argc, char **argv);
int cmd_list(struct oci_cli *cli, int argc, char **argv);
int cmd_ps(struct oci_cli *cli, int argc, char **argv);
int cmd_pause(struct oci_cli *cli, int argc, char **argv);
int cmd_resume(struct oci_cli *cli, int argc, char **argv);
int cmd_update(struct oci_cli *cli, int argc, char **argv);

#endif
