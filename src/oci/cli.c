/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What wirt-oci's verbs share: the error path (the --log file in runc's formats, and
 * stderr) and flag parsing in the shape of Go's flag package, which runc's clients
 * rely on (`--log=FILE`, `--log FILE`, `-log FILE`, `--debug=true`). See cli.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define OCI_MSG_MAX 4096

int oci_log_open(struct oci_cli *cli)
{
	cli->log_fd = open(cli->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY,
			   0644);
	return cli->log_fd < 0 ? -errno : 0;
}

/* Go's time.RFC3339 as logrus writes it: local time, "Z" for UTC, else "+hh:mm". */
static void format_time(long long when, char *buf, size_t size)
{
	time_t t = (time_t)when;
	struct tm tm;
	long off;
	size_t n;

	localtime_r(&t, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	if (off == 0)
		snprintf(buf + n, size - n, "Z");
	else
		snprintf(buf + n, size - n, "%c%02ld:%02ld", off < 0 ? '-' : '+',
			 labs(off) / 60, labs(off) % 60);
}

/* logrus's text formatter quotes a value unless it is made only of these. */
static bool needs_quoting(const char *s)
{
	for (; *s; s++) {
		char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("-._/@^+", c)))
			return true;
	}
	return false;
}

/* Appends s quoted: Go's %q for text, a JSON string for json. Bytes of 0x80 and up
 * pass as they are in text; in JSON they pass only when the message is valid UTF-8
 * (else '?'), so a record is always valid JSON. */
static char *put_quoted(char *o, const char *s, bool json, bool utf8)
{
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c == '\n') {
			o += sprintf(o, "\\n");
		} else if (c == '\t') {
			o += sprintf(o, "\\t");
		} else if (c == '\r') {
			o += sprintf(o, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			o += sprintf(o, json ? "\\u%04x" : "\\x%02x", c);
		} else if (c >= 0x80 && json && !utf8) {
			*o++ = '?';
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	return o;
}

char *oci_log_record(bool json, const char *level, const char *msg, long long when)
{
	char ts[64];
	char *line, *o;
	bool utf8 = false;

	format_time(when, ts, sizeof(ts));
	/* 6 bytes an input byte at most (\u00XX), plus the fixed parts */
	line = malloc(strlen(msg) * 6 + strlen(level) + sizeof(ts) + 64);
	if (!line)
		return NULL;
	if (json) {
		json_t *s = json_string(msg); /* NULL when msg is not valid UTF-8 */

		utf8 = s != NULL;
		json_decref(s);
		o = line + sprintf(line, "{\"level\":\"%s\",\"msg\":", level);
		o = put_quoted(o, msg, true, utf8);
		o += sprintf(o, ",\"time\":\"%s\"}\n", ts);
	} else {
		o = line + sprintf(line, "time=\"%s\" level=%s msg=", ts, level);
		if (needs_quoting(msg))
			o = put_quoted(o, msg, false, false);
		else
			o = stpcpy(o, msg);
		*o++ = '\n';
		*o = '\0';
	}
	return line;
}

static void write_all(int fd, const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to report it */
		s += w;
		n -= (size_t)w;
	}
}

/* One record where the log goes: the --log file, else stderr (as runc, whose log is
 * /dev/stderr by default) when JSON was asked for. Returns whether it was written. */
static bool log_record(struct oci_cli *cli, const char *level, const char *msg)
{
	int fd = cli->log_fd >= 0 ? cli->log_fd : (cli->log_json ? STDERR_FILENO : -1);
	char *line;

	if (fd < 0)
		return false;
	line = oci_log_record(cli->log_json, level, msg, (long long)time(NULL));
	if (!line)
		return false;
	write_all(fd, line); /* one write: O_APPEND keeps records whole */
	free(line);
	return fd == STDERR_FILENO;
}

int oci_fail(struct oci_cli *cli, const char *fmt, ...)
{
	char msg[OCI_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!log_record(cli, "error", msg))
		fprintf(stderr, "wirt-oci: %s\n", msg);
	return OCI_EXIT_FAILURE;
}

void oci_debug(struct oci_cli *cli, const char *fmt, ...)
{
	char msg[OCI_MSG_MAX];
	va_list ap;

	if (!cli->debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* debug records go only where the log goes: not to stderr as well */
	if (cli->log_fd < 0 && !cli->log_json)
		fprintf(stderr, "wirt-oci: debug: %s\n", msg);
	else
		log_record(cli, "debug", msg);
}

int oci_parse_bool(const char *value, bool *ret)
{
	static const char *const yes[] = { "1", "t", "T", "true", "TRUE", "True" };
	static const char *const no[] = { "0", "f", "F", "false", "FALSE", "False" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcmp(value, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* The flag's name in arg ("-name", "--name", "--name=..."): returns what follows the
 * name ("" or "=..."), or NULL when arg is another flag. */
static const char *flag_rest(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (arg[0] != '-')
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;
	if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '='))
		return NULL;
	return arg + n;
}

int oci_flag_value(struct oci_cli *cli, int argc, char **argv, int *i, const char *name,
		   const char **ret)
{
	const char *rest = flag_rest(argv[*i], name);

	if (!rest)
		return 0;
	if (rest[0] == '=') {
		*ret = rest + 1;
		(*i)++;
		return 1;
	}
	if (*i + 1 >= argc) {
		oci_fail(cli, "flag needs an argument: --%s", name);
		return -1;
	}
	*ret = argv[*i + 1];
	*i += 2;
	return 1;
}

int oci_flag_bool(struct oci_cli *cli, char **argv, int i, const char *name, bool *ret)
{
	const char *rest = flag_rest(argv[i], name);

	if (!rest)
		return 0;
	if (rest[0] == '\0') {
		*ret = true;
		return 1;
	}
	if (oci_parse_bool(rest + 1, ret) < 0) {
		oci_fail(cli, "invalid boolean value '%s' for flag --%s", rest + 1, name);
		return -1;
	}
	return 1;
}

int oci_parse_flags(struct oci_cli *cli, int argc, char **argv, const struct oci_flag *flags,
		    size_t n, const char *usage)
{
	int i = 1;

	while (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
		bool matched = false;
		int r = 0;

		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf("usage: wirt-oci %s %s\n", argv[0], usage);
			return 0;
		}
		for (size_t f = 0; f < n && !matched; f++) {
			for (int k = 0; k < 2 && !matched; k++) {
				const char *name = k ? flags[f].alias : flags[f].name;
				const char *value = NULL;

				if (!name)
					continue;
				if (flags[f].kind == OCI_FLAG_BOOL) {
					r = oci_flag_bool(cli, argv, i, name, flags[f].ret);
					if (r > 0)
						i++;
				} else {
					r = oci_flag_value(cli, argc, argv, &i, name, &value);
				}
				if (r < 0)
					return -1;
				if (r == 0)
					continue;
				matched = true;
				if (flags[f].kind == OCI_FLAG_STRING) {
					*(const char **)flags[f].ret = value;
				} else if (flags[f].kind == OCI_FLAG_LIST) {
					struct oci_list *l = flags[f].ret;

					if (l->n >= OCI_LIST_MAX) {
						oci_fail(cli, "too many --%s flags", name);
						return -1;
					}
					l->v[l->n++] = value;
				}
			}
		}
		if (!matched) {
			oci_fail(cli, "flag provided but not defined: %s", argv[i]);
			return -1;
		}
	}
	return i;
}

const char *oci_want_id(struct oci_cli *cli, int argc, char **argv, int first, const char *verb)
{
	if (first >= argc || argv[first][0] == '\0') {
		oci_fail(cli, "%s: container id cannot be empty", verb);
		return NULL;
	}
	return argv[first];
}

int oci_fail_err(struct oci_cli *cli, const char *verb, const char *id,
		 const struct wirt_error *err)
{
	char buf[WIRT_ERROR_MAX + 64];

	wirt_error_format(err, buf, sizeof(buf));
	if (id)
		return oci_fail(cli, "%s %s: %s", verb, id, buf);
	return oci_fail(cli, "%s: %s", verb, buf);
}
