/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vServer's INI config to and from struct wirt_spec (see config.h). One table,
 * config_keys[], drives parsing, the validation pass and formatting: a new key is one
 * row there plus its small parse/validate/format functions.
 *
 * libinih splits the lines. A check of every line runs first because inih quietly
 * reads some text differently than a person does: it cuts lines longer than its
 * buffer into two (the second half becomes a line of its own, so a long comment could
 * set a key), joins indented lines to the key before them, stops at a NUL byte and
 * never reports a section that has no keys.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "idrange.h"
#include "util.h"
#include "validate.h"

#define CONFIG_FILE_MAX (64 * 1024)
/* inih reads a line into a 200-byte buffer (INI_MAX_LINE) with its '\r', '\n' and NUL;
 * this leaves room for all three. */
#define CONFIG_LINE_MAX 190
#define CONFIG_STOP_TIMEOUT_MAX 86400 /* a day: anything longer is a typo */

#define CONFIG_HEADER "# wirt vServer configuration (written by wirt; `wirt set` changes it)\n"

/* Text being formatted; 'len' counts what the whole text needs even past 'size'. */
struct config_out {
	char *buf;
	size_t size;
	size_t len;
};

struct config_key {
	const char *section;
	const char *key;
	unsigned flags;
	/* Syntax only: turns the text into the field. Messages need no field name. */
	int (*parse)(struct wirt_spec *spec, const char *value, struct wirt_error *err);
	/* Meaning: checks the field of a spec, whoever filled it. NULL: parse says all. */
	int (*validate)(const struct wirt_spec *spec, struct wirt_error *err);
	/* Writes "key = value" lines (none leaves the key out). */
	void (*format)(const struct wirt_spec *spec, const struct config_key *k,
		       struct config_out *out);
	/* Sets the default when the file has no such key; NULL: wirt_spec_init's. */
	void (*absent)(struct wirt_spec *spec);
};

#define KEY_REQUIRED (1u << 0)
/* May appear more than once; parse then adds to a list instead of setting a field. */
#define KEY_REPEATED (1u << 1)

static void out_printf(struct config_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void out_printf(struct config_out *out, const char *fmt, ...)
{
	size_t avail = out->len < out->size ? out->size - out->len : 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(avail ? out->buf + out->len : NULL, avail, fmt, ap);
	va_end(ap);
	if (n > 0)
		out->len += (size_t)n;
}

/* Copies value into a fixed field. Returns false when it does not fit. */
static bool copy_field(char *dst, size_t size, const char *value)
{
	size_t len = strlen(value);

	if (len >= size)
		return false;
	memcpy(dst, value, len + 1);
	return true;
}

/* ---- [vserver] name, template, hostname ---- */

static int parse_name(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	if (!copy_field(spec->name, sizeof(spec->name), value))
		return wirt_name_validate("vServer", value, err);
	return 0;
}

static int validate_name(const struct wirt_spec *spec, struct wirt_error *err)
{
	return wirt_name_validate("vServer", spec->name, err);
}

static void format_name(const struct wirt_spec *spec, const struct config_key *k,
			struct config_out *out)
{
	out_printf(out, "%s = %s\n", k->key, spec->name);
}

static int parse_template(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	if (!copy_field(spec->template_name, sizeof(spec->template_name), value))
		return wirt_name_validate("template", value, err);
	return 0;
}

static int validate_template(const struct wirt_spec *spec, struct wirt_error *err)
{
	return wirt_name_validate("template", spec->template_name, err);
}

static void format_template(const struct wirt_spec *spec, const struct config_key *k,
			    struct config_out *out)
{
	out_printf(out, "%s = %s\n", k->key, spec->template_name);
}

static int parse_hostname(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	if (!copy_field(spec->hostname, sizeof(spec->hostname), value))
		return wirt_hostname_validate(value, err);
	return 0;
}

static int validate_hostname(const struct wirt_spec *spec, struct wirt_error *err)
{
	return wirt_hostname_validate(spec->hostname, err);
}

static void format_hostname(const struct wirt_spec *spec, const struct config_key *k,
			    struct config_out *out)
{
	out_printf(out, "%s = %s\n", k->key, spec->hostname);
}

static void absent_hostname(struct wirt_spec *spec)
{
	memcpy(spec->hostname, spec->name, sizeof(spec->name));
}

/* ---- [vserver] autostart ---- */

static int parse_autostart(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char shown[WIRT_ESCAPE_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			spec->autostart = true;
			return 0;
		}
		if (strcasecmp(value, no[i]) == 0) {
			spec->autostart = false;
			return 0;
		}
	}
	return wirt_error_invalid(err, "invalid boolean '%s': expected 'yes' or 'no'",
				  wirt_str_escape(value, shown, sizeof(shown)));
}

static void format_autostart(const struct wirt_spec *spec, const struct config_key *k,
			     struct config_out *out)
{
	out_printf(out, "%s = %s\n", k->key, spec->autostart ? "yes" : "no");
}

/* ---- [vserver] stop-signal ---- */

/* "RTMIN", "RTMIN+n", "RTMAX", "RTMAX-n" (after any "SIG"). Returns 0 when 'name' is
 * none of these, else the signal or -1 when the offset is out of range. */
static int parse_rt_signal(const char *name)
{
	struct wirt_error ignored;
	uint64_t off = 0;
	bool min;

	if (strncasecmp(name, "RTMIN", 5) == 0)
		min = true;
	else if (strncasecmp(name, "RTMAX", 5) == 0)
		min = false;
	else
		return 0;
	name += 5;
	if (*name) {
		if (*name != (min ? '+' : '-'))
			return -1;
		if (wirt_uint_parse(name + 1, 0, (uint64_t)(SIGRTMAX - SIGRTMIN), &off,
				    &ignored) < 0)
			return -1;
	}
	return min ? SIGRTMIN + (int)off : SIGRTMAX - (int)off;
}

static int parse_stop_signal(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	struct wirt_error ignored;
	const char *name = value;
	uint64_t num;
	int sig;

	if (strcasecmp(value, "auto") == 0) {
		spec->stop_signal = 0;
		return 0;
	}
	if (wirt_uint_parse(value, 1, (uint64_t)SIGRTMAX, &num, &ignored) == 0) {
		spec->stop_signal = (int)num;
		return 0;
	}
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	sig = parse_rt_signal(name);
	for (int i = 1; sig == 0 && *name && i < SIGRTMIN; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && strcasecmp(abbrev, name) == 0)
			sig = i;
	}
	if (sig <= 0)
		return wirt_error_invalid(err,
					  "invalid signal '%s': expected 'auto', a name like "
					  "'SIGPWR' or 'RTMIN+4', or a number from 1 to %d",
					  wirt_str_escape(value, shown, sizeof(shown)), SIGRTMAX);
	spec->stop_signal = sig;
	return 0;
}

static int validate_stop_signal(const struct wirt_spec *spec, struct wirt_error *err)
{
	int sig = spec->stop_signal;

	if (sig < 0 || sig > SIGRTMAX)
		return wirt_error_invalid(err, "must be 'auto' or a signal from 1 to %d, not '%d'",
					  SIGRTMAX, sig);
	/* Neither asks init to shut down: stop kills after the timeout anyway. */
	if (sig == SIGKILL || sig == SIGSTOP)
		return wirt_error_invalid(err, "must not be SIGKILL or SIGSTOP");
	return 0;
}

static void format_stop_signal(const struct wirt_spec *spec, const struct config_key *k,
			       struct config_out *out)
{
	int sig = spec->stop_signal;
	const char *abbrev;

	if (sig == 0)
		out_printf(out, "%s = auto\n", k->key);
	else if (sig == SIGRTMIN)
		out_printf(out, "%s = RTMIN\n", k->key);
	else if (sig > SIGRTMIN && sig <= SIGRTMAX)
		out_printf(out, "%s = RTMIN+%d\n", k->key, sig - SIGRTMIN);
	else if (sig > 0 && sig < SIGRTMIN && (abbrev = sigabbrev_np(sig)))
		out_printf(out, "%s = SIG%s\n", k->key, abbrev);
	else /* 32 and 33: glibc keeps them for itself and gives them no name */
		out_printf(out, "%s = %d\n", k->key, sig);
}

/* ---- [vserver] stop-timeout ---- */

static int parse_stop_timeout(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	uint64_t v;
	int r;

	r = wirt_uint_parse(value, 0, CONFIG_STOP_TIMEOUT_MAX, &v, err);
	if (r < 0)
		return r;
	spec->stop_timeout = (unsigned)v;
	return 0;
}

static int validate_stop_timeout(const struct wirt_spec *spec, struct wirt_error *err)
{
	if (spec->stop_timeout > CONFIG_STOP_TIMEOUT_MAX)
		return wirt_error_invalid(err, "must be at most %d seconds, not '%u'",
					  CONFIG_STOP_TIMEOUT_MAX, spec->stop_timeout);
	return 0;
}

static void format_stop_timeout(const struct wirt_spec *spec, const struct config_key *k,
				struct config_out *out)
{
	out_printf(out, "%s = %u\n", k->key, spec->stop_timeout);
}

/* ---- [ids] base, count ---- */

static int parse_u32(uint32_t *field, const char *value, struct wirt_error *err)
{
	uint64_t v;
	int r;

	r = wirt_uint_parse(value, 0, UINT32_MAX, &v, err);
	if (r < 0)
		return r;
	*field = (uint32_t)v;
	return 0;
}

static int parse_id_base(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return parse_u32(&spec->id_base, value, err);
}

static int validate_id_base(const struct wirt_spec *spec, struct wirt_error *err)
{
	uint32_t base = spec->id_base;

	/* What idrange.c hands out: slot n is WIRT_ID_FIRST + n * 65536. */
	if (base < WIRT_ID_FIRST || (base - WIRT_ID_FIRST) % WIRT_ID_COUNT != 0 ||
	    (base - WIRT_ID_FIRST) / WIRT_ID_COUNT >= WIRT_ID_SLOTS)
		return wirt_error_invalid(err,
					  "must be a multiple of %u at or above %u (%u + n * %u, "
					  "n < %u), not '%u'",
					  WIRT_ID_COUNT, WIRT_ID_FIRST, WIRT_ID_FIRST,
					  WIRT_ID_COUNT, WIRT_ID_SLOTS, base);
	return 0;
}

static void format_id_base(const struct wirt_spec *spec, const struct config_key *k,
			   struct config_out *out)
{
	out_printf(out, "%s = %u\n", k->key, spec->id_base);
}

static int parse_id_count(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return parse_u32(&spec->id_count, value, err);
}

static int validate_id_count(const struct wirt_spec *spec, struct wirt_error *err)
{
	/* A full 16-bit uid space inside: anything else breaks guests' nobody (65534). */
	if (spec->id_count != WIRT_ID_COUNT)
		return wirt_error_invalid(err, "must be %u, not '%u'", WIRT_ID_COUNT,
					  spec->id_count);
	return 0;
}

static void format_id_count(const struct wirt_spec *spec, const struct config_key *k,
			    struct config_out *out)
{
	out_printf(out, "%s = %u\n", k->key, spec->id_count);
}

/*
 * Every key, in the order they are written. Keys of one section stay together: the
 * formatter starts a new [section] whenever the section changes.
 */
/* clang-format off */
static const struct config_key config_keys[] = {
	/* section  key             flags         parse               validate               format               absent */
	{ "vserver", "name",         KEY_REQUIRED, parse_name,         validate_name,         format_name,         NULL },
	{ "vserver", "template",     KEY_REQUIRED, parse_template,     validate_template,     format_template,     NULL },
	{ "vserver", "hostname",     0,            parse_hostname,     validate_hostname,     format_hostname,     absent_hostname },
	{ "vserver", "autostart",    0,            parse_autostart,    NULL,                  format_autostart,    NULL },
	{ "vserver", "stop-signal",  0,            parse_stop_signal,  validate_stop_signal,  format_stop_signal,  NULL },
	{ "vserver", "stop-timeout", 0,            parse_stop_timeout, validate_stop_timeout, format_stop_timeout, NULL },
	{ "ids",     "base",         KEY_REQUIRED, parse_id_base,      validate_id_base,      format_id_base,      NULL },
	{ "ids",     "count",        0,            parse_id_count,     validate_id_count,     format_id_count,     NULL },
};
/* clang-format on */

static const struct config_key *config_key_find(const char *section, const char *key)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (strcmp(config_keys[i].section, section) == 0 &&
		    strcmp(config_keys[i].key, key) == 0)
			return &config_keys[i];
	return NULL;
}

static bool config_section_known(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++)
		if (strlen(config_keys[i].section) == len &&
		    memcmp(config_keys[i].section, name, len) == 0)
			return true;
	return false;
}

/* ---- the line check before inih ---- */

/* isspace() of the C locale, which is what inih strips. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* inih's find_chars_or_comment(): the first of 'chars', or NULL when the end or an
 * inline comment (';' after whitespace) comes first. */
static const char *find_chars(const char *s, const char *end, const char *chars)
{
	bool was_space = false;

	for (; s < end; s++) {
		if (strchr(chars, *s))
			return s;
		if (was_space && *s == ';')
			return NULL;
		was_space = is_space(*s);
	}
	return NULL;
}

static int check_section_line(const char *s, const char *end, int lineno, struct wirt_error *err)
{
	char name[CONFIG_LINE_MAX + 1], shown[WIRT_ESCAPE_MAX];
	const char *close;
	size_t len;

	close = find_chars(s + 1, end, "]");
	if (!close)
		return wirt_error_invalid(err, "line %d: expected ']'", lineno);
	if (close + 1 != end)
		return wirt_error_invalid(err, "line %d: unexpected text after ']'", lineno);
	len = (size_t)(close - s - 1);
	if (config_section_known(s + 1, len))
		return 0;
	memcpy(name, s + 1, len);
	name[len] = '\0';
	return wirt_error_invalid(err, "line %d: unknown section '[%s]'", lineno,
				  wirt_str_escape(name, shown, sizeof(shown)));
}

static int check_line(const char *line, size_t len, int lineno, struct wirt_error *err)
{
	const char *end = line + len, *s;

	if (memchr(line, '\0', len))
		return wirt_error_invalid(err, "line %d: contains a NUL byte", lineno);
	if (len > CONFIG_LINE_MAX)
		return wirt_error_invalid(err, "line %d: longer than %d characters", lineno,
					  CONFIG_LINE_MAX);
	if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		line += 3; /* a UTF-8 byte order mark, which inih skips too */
	for (s = line; s < end && is_space(*s); s++)
		;
	while (end > s && is_space(end[-1]))
		end--;
	if (s == end || *s == '#' || *s == ';')
		return 0;
	/* inih would append it to the value of the key above. */
	if (s != line)
		return wirt_error_invalid(err, "line %d: unexpected indentation", lineno);
	if (*s == '[')
		return check_section_line(s, end, lineno, err);
	if (!find_chars(s, end, "=:"))
		return wirt_error_invalid(err, "line %d: expected 'key = value'", lineno);
	return 0;
}

/* Checks line by line. Returns 0, or -EINVAL with *ret_good set to the length of the
 * text before the first bad line. */
static int check_lines(const char *text, size_t len, size_t *ret_good, struct wirt_error *err)
{
	const char *p = text, *end = text + len;

	for (int lineno = 1; p < end; lineno++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int r;

		r = check_line(p, (size_t)((nl ? nl : end) - p), lineno, err);
		if (r < 0) {
			*ret_good = (size_t)(p - text);
			return r;
		}
		p = nl ? nl + 1 : end;
	}
	*ret_good = len;
	return 0;
}

/* ---- parsing ---- */

struct parse_state {
	struct wirt_spec *spec;
	struct wirt_error *err;
	bool seen[ARRAY_SIZE(config_keys)];
	bool failed;
};

static int handle_key(struct parse_state *st, const char *section, const char *key,
		      const char *value)
{
	char shown_key[WIRT_ESCAPE_MAX], shown_section[WIRT_ESCAPE_MAX];
	const struct config_key *k;
	size_t i;
	int r;

	wirt_str_escape(key, shown_key, sizeof(shown_key));
	if (!*section)
		return wirt_error_invalid(st->err, "key '%s' outside of a section", shown_key);
	k = config_key_find(section, key);
	if (!k)
		return wirt_error_invalid(st->err, "unknown key '%s' in [%s]", shown_key,
					  wirt_str_escape(section, shown_section,
							  sizeof(shown_section)));
	i = (size_t)(k - config_keys);
	if (st->seen[i] && !(k->flags & KEY_REPEATED))
		return wirt_error_invalid(st->err, "duplicate key '%s' in [%s]", k->key,
					  k->section);
	st->seen[i] = true;
	r = k->parse(st->spec, value, st->err);
	if (r < 0)
		return wirt_error_prefix(st->err, "[%s] %s", k->section, k->key);
	return 0;
}

static int config_handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *st = user;

	/* inih goes on after an error and reports the line of the first one: keep the
	 * message of that one. */
	if (st->failed)
		return 0;
	if (handle_key(st, section, key, value) < 0) {
		st->failed = true;
		return 0;
	}
	return 1;
}

int wirt_config_parse(const char *text, size_t len, struct wirt_spec *spec,
		      struct wirt_error *err)
{
	struct parse_state st = { .spec = spec, .err = err };
	struct wirt_error line_err = { 0 };
	_cleanup_free_ char *copy = NULL;
	size_t good;
	int r, line_r;

	wirt_spec_init(spec, NULL);
	/* inih takes a C string: parse only the lines before the first bad one, so that
	 * an earlier bad key is still reported first. */
	line_r = check_lines(text, len, &good, &line_err);
	copy = malloc(good + 1);
	if (!copy)
		return wirt_errorf(err, ENOMEM, "parse config");
	memcpy(copy, text, good);
	copy[good] = '\0';

	r = ini_parse_string(copy, config_handler, &st);
	if (r > 0)
		return wirt_error_prefix(err, "line %d", r);
	if (r < 0)
		return wirt_errorf(err, ENOMEM, "parse config");
	if (line_r < 0) {
		*err = line_err;
		return line_r;
	}

	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (st.seen[i])
			continue;
		if (k->flags & KEY_REQUIRED)
			return wirt_error_invalid(err, "missing key '%s' in [%s]", k->key,
						  k->section);
		if (k->absent)
			k->absent(spec);
	}
	return wirt_config_validate(spec, err);
}

int wirt_config_validate(const struct wirt_spec *spec, struct wirt_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (k->validate && k->validate(spec, err) < 0)
			return wirt_error_prefix(err, "[%s] %s", k->section, k->key);
	}
	return 0;
}

int wirt_config_format(const struct wirt_spec *spec, char *buf, size_t size)
{
	struct config_out out = { .buf = buf, .size = size };
	const char *section = NULL;

	out_printf(&out, CONFIG_HEADER);
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		if (!section || strcmp(section, k->section) != 0) {
			out_printf(&out, "%s[%s]\n", section ? "\n" : "", k->section);
			section = k->section;
		}
		k->format(spec, k, &out);
	}
	if (out.len >= size || out.len > INT32_MAX)
		return -ENOSPC;
	return (int)out.len;
}

int wirt_config_load(const char *path, struct wirt_spec *spec, struct wirt_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t len = 0;
	int r;

	/* O_NONBLOCK: a FIFO put in the config's place must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return wirt_errorf(err, errno, "config '%s'", path);
	if (fstat(fd, &st) < 0)
		return wirt_errorf(err, errno, "config '%s': stat", path);
	if (!S_ISREG(st.st_mode))
		return wirt_error_invalid(err, "config '%s': not a regular file", path);

	/* One byte more than allowed tells "exactly the limit" from "larger". */
	text = malloc(CONFIG_FILE_MAX + 1);
	if (!text)
		return wirt_errorf(err, ENOMEM, "config '%s'", path);
	while (len <= CONFIG_FILE_MAX) {
		ssize_t n = read(fd, text + len, CONFIG_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wirt_errorf(err, errno, "config '%s': read", path);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > CONFIG_FILE_MAX)
		return wirt_error_plain(err, EFBIG, "config '%s': larger than %d bytes", path,
					CONFIG_FILE_MAX);

	r = wirt_config_parse(text, len, spec, err);
	if (r < 0)
		return wirt_error_prefix(err, "config '%s'", path);
	return 0;
}

int wirt_config_save(const char *path, const struct wirt_spec *spec, struct wirt_error *err)
{
	_cleanup_free_ char *text = NULL;
	int n, r;

	r = wirt_config_validate(spec, err);
	if (r < 0)
		return wirt_error_prefix(err, "config '%s'", path);
	text = malloc(CONFIG_FILE_MAX);
	if (!text)
		return wirt_errorf(err, ENOMEM, "config '%s'", path);
	n = wirt_config_format(spec, text, CONFIG_FILE_MAX);
	if (n < 0)
		return wirt_errorf(err, -n, "config '%s': format", path);
	r = wirt_write_file_atomic(path, text, (size_t)n, 0644);
	if (r < 0)
		return wirt_errorf(err, -r, "config '%s': write", path);
	return 0;
}
