/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A vServer's INI config to and from struct wirt_spec (see config.h). One table,
 * config_keys[], drives parsing, the validation pass and formatting: a new key is one
 * row there plus its small parse/validate/format functions.
 *
 * The [resources] keys are written only when set, so configs written before them stay
 * as they were; "not set" means the kernel's default (see spec.h).
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
#include <inttypes.h>
#include <netinet/in.h>
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
#include "disk.h"
#include "fsutil.h"
#include "idrange.h"
#include "netaddr.h"
#include "util.h"
#include "validate.h"

#define CONFIG_FILE_MAX (64 * 1024)
/* inih reads a line into a 200-byte buffer (INI_MAX_LINE) with its '\r', '\n' and NUL;
 * this leaves room for all three. */
#define CONFIG_LINE_MAX 190
#define CONFIG_STOP_TIMEOUT_MAX 86400 /* a day: anything longer is a typo */
#define CONFIG_WEIGHT_MAX 10000	      /* cgroup v2's cpu.weight and io.weight */
#define CONFIG_CPU_MAX 4096	      /* CPU numbers are below it, CPU counts at most it */
#define CONFIG_PIDS_MAX 4194304	      /* PID_MAX_LIMIT on 64-bit */
#define CONFIG_DEV_MAJOR_MAX 4096     /* the kernel's dev_t: 12 bits of major ... */
#define CONFIG_DEV_MINOR_MAX 1048576  /* ... and 20 of minor */
#define CONFIG_IO_ENTRY_MAX 160	      /* one io-max device entry; the longest valid is ~120 */

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
	/* Sets the default when the file has no such key (for a repeated key: the empty
	 * list); NULL: wirt_spec_init's. */
	void (*absent)(struct wirt_spec *spec);
};

#define KEY_REQUIRED (1u << 0)
/* May appear more than once; parse then adds to a list instead of setting a field. */
#define KEY_REPEATED (1u << 1)
/* Part of the vServer's identity: wirt_config_set_key refuses it. */
#define KEY_FIXED (1u << 2)
/* validate looks at other keys too, so wirt_config_set_key leaves it to the whole
 * spec's validation (`wirt set x memory-low=1G memory=2G` must work in either order). */
#define KEY_RELATED (1u << 3)

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

/* ---- [resources] ---- */

/* bytes as the shortest exact size: "512M", "1G", "1536" (what wirt_size_parse reads). */
static const char *size_text(uint64_t bytes, char *buf, size_t size)
{
	static const char units[] = "TGMK";

	for (int i = 0; bytes && i < 4; i++) {
		int shift = 10 * (4 - i);

		if (bytes % (1ull << shift) == 0) {
			snprintf(buf, size, "%" PRIu64 "%c", bytes >> shift, units[i]);
			return buf;
		}
	}
	snprintf(buf, size, "%" PRIu64, bytes);
	return buf;
}

static int parse_weight(uint32_t *field, const char *value, struct wirt_error *err)
{
	uint64_t v;
	int r;

	r = wirt_uint_parse(value, 1, CONFIG_WEIGHT_MAX, &v, err);
	if (r < 0)
		return r;
	*field = (uint32_t)v;
	return 0;
}

static int validate_weight(uint32_t weight, struct wirt_error *err)
{
	if (weight > CONFIG_WEIGHT_MAX) /* 0 is "not set" */
		return wirt_error_invalid(err, "must be from 1 to %d, not '%u'", CONFIG_WEIGHT_MAX,
					  weight);
	return 0;
}

static int parse_cpu_weight(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return parse_weight(&spec->resources.cpu_weight, value, err);
}

static int validate_cpu_weight(const struct wirt_spec *spec, struct wirt_error *err)
{
	return validate_weight(spec->resources.cpu_weight, err);
}

static void format_cpu_weight(const struct wirt_spec *spec, const struct config_key *k,
			      struct config_out *out)
{
	if (spec->resources.cpu_weight)
		out_printf(out, "%s = %u\n", k->key, spec->resources.cpu_weight);
}

/* "0.5", "2", "1.25": a decimal with up to three digits after the point. */
static int parse_cpus(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	uint64_t whole = 0, frac = 0;
	const char *p = value;
	int digits = 0;

	if (strcmp(value, "max") == 0) {
		spec->resources.cpus_milli = 0;
		return 0;
	}
	wirt_str_escape(value, shown, sizeof(shown));
	if (*p < '0' || *p > '9')
		goto syntax;
	for (; *p >= '0' && *p <= '9'; p++)
		if (whole <= CONFIG_CPU_MAX) /* past it, the digits only make it larger */
			whole = whole * 10 + (uint64_t)(*p - '0');
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			goto syntax;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (uint64_t)(*p - '0');
		if (digits > 3)
			return wirt_error_invalid(err,
						  "invalid number of CPUs '%s': at most 3 digits "
						  "after '.'",
						  shown);
		for (; digits < 3; digits++)
			frac *= 10;
	}
	if (*p)
		goto syntax;
	if (whole * 1000 + frac == 0)
		return wirt_error_invalid(err, "invalid number of CPUs '%s': must be more than 0",
					  shown);
	if (whole * 1000 + frac > CONFIG_CPU_MAX * 1000)
		return wirt_error_invalid(err, "invalid number of CPUs '%s': must be at most %d",
					  shown, CONFIG_CPU_MAX);
	spec->resources.cpus_milli = (uint32_t)(whole * 1000 + frac);
	return 0;

syntax:
	return wirt_error_invalid(err,
				  "invalid number of CPUs '%s': expected a number like '0.5' or "
				  "'2', or 'max'",
				  shown);
}

static int validate_cpus(const struct wirt_spec *spec, struct wirt_error *err)
{
	char text[32];

	if (spec->resources.cpus_milli > CONFIG_CPU_MAX * 1000)
		return wirt_error_invalid(err, "must be at most %d, not '%s'", CONFIG_CPU_MAX,
					  wirt_cpus_format(spec->resources.cpus_milli, text,
						    sizeof(text)));
	return 0;
}

static void format_cpus(const struct wirt_spec *spec, const struct config_key *k,
			struct config_out *out)
{
	char text[32];

	if (spec->resources.cpus_milli)
		out_printf(out, "%s = %s\n", k->key,
			   wirt_cpus_format(spec->resources.cpus_milli, text, sizeof(text)));
}

/* A CPU number below CONFIG_CPU_MAX at *p; advances *p. Returns -1 when there is none
 * or it is too large (*ret_large tells which). */
static int cpu_number(const char **p, bool *ret_large)
{
	int v = 0;

	if (**p < '0' || **p > '9')
		return -1;
	for (; **p >= '0' && **p <= '9'; (*p)++) {
		v = v * 10 + (**p - '0');
		if (v >= CONFIG_CPU_MAX) {
			*ret_large = true;
			return -1;
		}
	}
	return v;
}

/* The kernel's list syntax ("0-3,6"), ascending, every CPU below CONFIG_CPU_MAX. The
 * empty list is every CPU. */
static int cpuset_check(const char *list, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *p = list, *item, *prev = NULL;
	int last = -1, prev_len = 0;

	wirt_str_escape(list, shown, sizeof(shown));
	if (strlen(list) >= WIRT_CPUSET_MAX)
		return wirt_error_invalid(err, "invalid CPU list '%s': longer than %d characters",
					  shown, WIRT_CPUSET_MAX - 1);
	while (*p) {
		bool large = false;
		int first, end;

		item = p;
		first = end = cpu_number(&p, &large);
		if (first >= 0 && *p == '-') {
			p++;
			end = cpu_number(&p, &large);
		}
		if (large)
			return wirt_error_invalid(err,
						  "invalid CPU list '%s': CPU numbers must be below %d",
						  shown, CONFIG_CPU_MAX);
		if (first < 0 || end < 0 || (*p && *p != ',') || (*p == ',' && !p[1]))
			return wirt_error_invalid(err,
						  "invalid CPU list '%s': expected CPU numbers and "
						  "ranges like '0-3,6'",
						  shown);
		if (end < first)
			return wirt_error_invalid(err,
						  "invalid CPU list '%s': range '%.*s' is not ascending",
						  shown, (int)(p - item), item);
		if (first <= last)
			return wirt_error_invalid(err,
						  "invalid CPU list '%s': '%.*s' does not come after "
						  "'%.*s'",
						  shown, (int)(p - item), item, prev_len, prev);
		last = end;
		prev = item;
		prev_len = (int)(p - item);
		if (*p == ',')
			p++;
	}
	return 0;
}

static int parse_cpuset(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	int r;

	r = cpuset_check(value, err);
	if (r < 0)
		return r;
	memcpy(spec->resources.cpuset, value, strlen(value) + 1);
	return 0;
}

static int validate_cpuset(const struct wirt_spec *spec, struct wirt_error *err)
{
	if (!memchr(spec->resources.cpuset, '\0', sizeof(spec->resources.cpuset)))
		return wirt_error_invalid(err, "not a string");
	return cpuset_check(spec->resources.cpuset, err);
}

static void format_cpuset(const struct wirt_spec *spec, const struct config_key *k,
			  struct config_out *out)
{
	if (spec->resources.cpuset[0])
		out_printf(out, "%s = %s\n", k->key, spec->resources.cpuset);
}

/* A size, or "max" for WIRT_UNLIMITED when 'max_ok'. */
static int parse_limit(uint64_t *field, const char *value, bool max_ok, struct wirt_error *err)
{
	if (max_ok && strcmp(value, "max") == 0) {
		*field = WIRT_UNLIMITED;
		return 0;
	}
	return wirt_size_parse(value, field, err);
}

static int memory_min_check(uint64_t bytes, const char *shown, struct wirt_error *err)
{
	char min[32];

	if (bytes < WIRT_MEMORY_MIN)
		return wirt_error_invalid(err, "must be at least %s (what a busybox init needs), "
					  "not '%s'",
					  size_text(WIRT_MEMORY_MIN, min, sizeof(min)), shown);
	return 0;
}

static int parse_memory(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	uint64_t v;
	int r;

	r = parse_limit(&v, value, true, err);
	if (r < 0)
		return r;
	r = memory_min_check(v, wirt_str_escape(value, shown, sizeof(shown)), err);
	if (r < 0)
		return r;
	spec->resources.memory = v;
	return 0;
}

static int validate_memory(const struct wirt_spec *spec, struct wirt_error *err)
{
	uint64_t v = spec->resources.memory;
	char text[32];

	if (v == WIRT_UNLIMITED)
		return 0;
	return memory_min_check(v, size_text(v, text, sizeof(text)), err);
}

/* "key = size", or nothing when 'bytes' is 'unset'. */
static void format_size_key(uint64_t bytes, uint64_t unset, const struct config_key *k,
			    struct config_out *out)
{
	char text[32];

	if (bytes != unset)
		out_printf(out, "%s = %s\n", k->key, size_text(bytes, text, sizeof(text)));
}

static void format_memory(const struct wirt_spec *spec, const struct config_key *k,
			  struct config_out *out)
{
	format_size_key(spec->resources.memory, WIRT_UNLIMITED, k, out);
}

/* disk: the vServer's own disk (disk.h); "none" or 0 for the pool's space. */
static int parse_disk(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	if (strcmp(value, "none") == 0) {
		spec->disk = 0;
		return 0;
	}
	return wirt_size_parse(value, &spec->disk, err);
}

static int validate_disk(const struct wirt_spec *spec, struct wirt_error *err)
{
	char text[32];

	if (spec->disk && spec->disk < WIRT_DISK_MIN)
		return wirt_error_invalid(err, "at least 32M, not '%s'",
					  size_text(spec->disk, text, sizeof(text)));
	if (spec->disk % 4096)
		return wirt_error_invalid(err, "a multiple of 4K, not '%s'",
					  size_text(spec->disk, text, sizeof(text)));
	return 0;
}

static void format_disk(const struct wirt_spec *spec, const struct config_key *k,
			struct config_out *out)
{
	format_size_key(spec->disk, 0, k, out);
}

static int parse_memory_low(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return parse_limit(&spec->resources.memory_low, value, false, err);
}

static int validate_memory_low(const struct wirt_spec *spec, struct wirt_error *err)
{
	const struct wirt_resources *res = &spec->resources;
	char low[32], mem[32];

	/* A guarantee above the limit could never be used; the kernel would take it. */
	if (res->memory != WIRT_UNLIMITED && res->memory_low > res->memory)
		return wirt_error_invalid(err, "must not be more than memory (%s), not '%s'",
					  size_text(res->memory, mem, sizeof(mem)),
					  size_text(res->memory_low, low, sizeof(low)));
	return 0;
}

static void format_memory_low(const struct wirt_spec *spec, const struct config_key *k,
			      struct config_out *out)
{
	format_size_key(spec->resources.memory_low, 0, k, out);
}

static int parse_swap(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return parse_limit(&spec->resources.swap, value, true, err);
}

static void format_swap(const struct wirt_spec *spec, const struct config_key *k,
			struct config_out *out)
{
	format_size_key(spec->resources.swap, WIRT_UNLIMITED, k, out);
}

static int parse_pids(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	struct wirt_error ignored;

	if (strcmp(value, "max") == 0) {
		spec->resources.pids = WIRT_UNLIMITED;
		return 0;
	}
	if (wirt_uint_parse(value, 1, CONFIG_PIDS_MAX, &spec->resources.pids, &ignored) < 0)
		return wirt_error_invalid(err,
					  "invalid number '%s': expected an integer from 1 to %d "
					  "or 'max'",
					  wirt_str_escape(value, shown, sizeof(shown)),
					  CONFIG_PIDS_MAX);
	return 0;
}

static int validate_pids(const struct wirt_spec *spec, struct wirt_error *err)
{
	uint64_t v = spec->resources.pids;

	if (v != WIRT_UNLIMITED && (v < 1 || v > CONFIG_PIDS_MAX))
		return wirt_error_invalid(err, "must be from 1 to %d or 'max', not '%" PRIu64 "'",
					  CONFIG_PIDS_MAX, v);
	return 0;
}

static void format_pids(const struct wirt_spec *spec, const struct config_key *k,
			struct config_out *out)
{
	if (spec->resources.pids != WIRT_UNLIMITED)
		out_printf(out, "%s = %" PRIu64 "\n", k->key, spec->resources.pids);
}

static int parse_io_weight(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return parse_weight(&spec->resources.io_weight, value, err);
}

static int validate_io_weight(const struct wirt_spec *spec, struct wirt_error *err)
{
	return validate_weight(spec->resources.io_weight, err);
}

static void format_io_weight(const struct wirt_spec *spec, const struct config_key *k,
			     struct config_out *out)
{
	if (spec->resources.io_weight)
		out_printf(out, "%s = %u\n", k->key, spec->resources.io_weight);
}

/* ---- [resources] io-max: "MAJ:MIN:rbps=..,wbps=..,riops=..,wiops=.." entries ---- */

static const char *const io_limit_names[] = { "rbps", "wbps", "riops", "wiops" };

static uint64_t *io_limit_field(struct wirt_io_max *io, size_t i)
{
	uint64_t *fields[] = { &io->rbps, &io->wbps, &io->riops, &io->wiops };

	return fields[i];
}

/* A device number below 'max' at *p, then 'sep'. Returns -1 when there is none. */
static long long io_dev_number(const char **p, char sep, long long max)
{
	long long v = 0;

	if (**p < '0' || **p > '9')
		return -1;
	for (; **p >= '0' && **p <= '9'; (*p)++)
		if (v < max)
			v = v * 10 + (**p - '0');
	if (**p != sep)
		return -1;
	(*p)++;
	return v;
}

/* One "name=value" of an entry into io. The message names the limit. */
static int parse_io_limit(struct wirt_io_max *io, const char *item, size_t len,
			  bool seen[], struct wirt_error *err)
{
	char text[CONFIG_IO_ENTRY_MAX + 1], shown[WIRT_ESCAPE_MAX];
	const char *eq, *value;
	uint64_t v;
	size_t i;
	int r;

	memcpy(text, item, len);
	text[len] = '\0';
	eq = strchr(text, '=');
	if (!eq)
		return wirt_error_invalid(err, "expected '%s=VALUE'",
					  *text ? wirt_str_escape(text, shown, sizeof(shown)) :
						  "LIMIT");
	for (i = 0; i < ARRAY_SIZE(io_limit_names); i++)
		if (strlen(io_limit_names[i]) == (size_t)(eq - text) &&
		    memcmp(io_limit_names[i], text, (size_t)(eq - text)) == 0)
			break;
	if (i == ARRAY_SIZE(io_limit_names)) {
		text[eq - text] = '\0';
		return wirt_error_invalid(err, "unknown limit '%s' (limits: rbps, wbps, riops, "
					  "wiops)",
					  wirt_str_escape(text, shown, sizeof(shown)));
	}
	if (seen[i])
		return wirt_error_invalid(err, "'%s' given twice", io_limit_names[i]);
	seen[i] = true;
	value = eq + 1;
	if (i < 2)
		r = wirt_size_parse(value, &v, err);
	else
		r = wirt_uint_parse(value, 0, UINT64_MAX, &v, err);
	if (r == 0 && v == 0)
		r = wirt_error_invalid(err, "must be more than 0 (leave it out for no limit)");
	if (r < 0)
		return wirt_error_prefix(err, "%s", io_limit_names[i]);
	*io_limit_field(io, i) = v;
	return 0;
}

static int parse_io_entry_limits(struct wirt_io_max *io, const char *entry,
				 struct wirt_error *err)
{
	unsigned dev_major, dev_minor;
	const char *p = entry;
	bool seen[4] = { false };
	long long n;

	n = io_dev_number(&p, ':', CONFIG_DEV_MAJOR_MAX);
	if (n >= CONFIG_DEV_MAJOR_MAX)
		return wirt_error_invalid(err, "major number must be below %d",
					  CONFIG_DEV_MAJOR_MAX);
	dev_major = (unsigned)n;
	if (n >= 0)
		n = io_dev_number(&p, ':', CONFIG_DEV_MINOR_MAX);
	if (n >= CONFIG_DEV_MINOR_MAX)
		return wirt_error_invalid(err, "minor number must be below %d",
					  CONFIG_DEV_MINOR_MAX);
	if (n < 0 || !*p)
		return wirt_error_invalid(err,
					  "expected 'MAJ:MIN:rbps=..,wbps=..,riops=..,wiops=..'");
	dev_minor = (unsigned)n;
	*io = (struct wirt_io_max){ .major = dev_major, .minor = dev_minor };
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int r;

		r = parse_io_limit(io, p, len, seen, err);
		if (r < 0)
			return r;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

static int io_max_add(struct wirt_resources *res, const struct wirt_io_max *io,
		      struct wirt_error *err)
{
	for (unsigned i = 0; i < res->io_max_n; i++)
		if (res->io_max[i].major == io->major && res->io_max[i].minor == io->minor)
			return wirt_error_invalid(err, "device %u:%u is given twice", io->major,
						  io->minor);
	if (res->io_max_n >= WIRT_IO_MAX_DEVICES)
		return wirt_error_invalid(err, "more than %d devices", WIRT_IO_MAX_DEVICES);
	res->io_max[res->io_max_n++] = *io;
	return 0;
}

/* Entries separated by ';' (each line adds to the list). Spaces around an entry are
 * fine; " ;" would begin an inline comment for inih, which the line is cut at. */
static int parse_io_max(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char entry[CONFIG_IO_ENTRY_MAX + 1], shown[WIRT_ESCAPE_MAX];
	const char *p = value;
	struct wirt_io_max io;

	while (*p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return 0;
	for (;;) {
		const char *semi = strchr(p, ';'), *end;
		int r;

		end = semi ? semi : p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if (p == end)
			return wirt_error_invalid(err, "empty entry");
		if ((size_t)(end - p) > CONFIG_IO_ENTRY_MAX)
			return wirt_error_invalid(err, "entry longer than %d characters",
						  CONFIG_IO_ENTRY_MAX);
		memcpy(entry, p, (size_t)(end - p));
		entry[end - p] = '\0';
		r = parse_io_entry_limits(&io, entry, err);
		if (r < 0)
			return wirt_error_prefix(err, "invalid entry '%s'",
						 wirt_str_escape(entry, shown, sizeof(shown)));
		r = io_max_add(&spec->resources, &io, err);
		if (r < 0)
			return r;
		if (!semi)
			return 0;
		p = semi + 1;
	}
}

static int validate_io_max(const struct wirt_spec *spec, struct wirt_error *err)
{
	const struct wirt_resources *res = &spec->resources;

	if (res->io_max_n > WIRT_IO_MAX_DEVICES)
		return wirt_error_invalid(err, "more than %d devices", WIRT_IO_MAX_DEVICES);
	for (unsigned i = 0; i < res->io_max_n; i++) {
		const struct wirt_io_max *io = &res->io_max[i];

		if (io->major >= CONFIG_DEV_MAJOR_MAX || io->minor >= CONFIG_DEV_MINOR_MAX)
			return wirt_error_invalid(err, "invalid device %u:%u", io->major,
						  io->minor);
		if (!io->rbps && !io->wbps && !io->riops && !io->wiops)
			return wirt_error_invalid(err, "device %u:%u has no limit", io->major,
						  io->minor);
		for (unsigned j = 0; j < i; j++)
			if (res->io_max[j].major == io->major && res->io_max[j].minor == io->minor)
				return wirt_error_invalid(err, "device %u:%u is given twice",
							  io->major, io->minor);
	}
	return 0;
}

/* One line per device: eight devices with every limit would not fit one line. */
static void format_io_max(const struct wirt_spec *spec, const struct config_key *k,
			  struct config_out *out)
{
	const struct wirt_resources *res = &spec->resources;

	for (unsigned i = 0; i < res->io_max_n; i++) {
		struct wirt_io_max io = res->io_max[i];
		const char *sep = "";

		out_printf(out, "%s = %u:%u:", k->key, io.major, io.minor);
		for (size_t l = 0; l < ARRAY_SIZE(io_limit_names); l++) {
			uint64_t v = *io_limit_field(&io, l);
			char text[32];

			if (!v)
				continue;
			if (l < 2)
				size_text(v, text, sizeof(text));
			else
				snprintf(text, sizeof(text), "%" PRIu64, v);
			out_printf(out, "%s%s=%s", sep, io_limit_names[l], text);
			sep = ",";
		}
		out_printf(out, "\n");
	}
}

static void absent_io_max(struct wirt_spec *spec)
{
	spec->resources.io_max_n = 0;
}

/* ---- [network]: mode, ip, bridge, mac, gateway, policy, resolver, port ---- */

static const char *const net_mode_names[] = { "none", "routed", "bridged" };

static int parse_net_mode(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(net_mode_names); i++)
		if (strcmp(value, net_mode_names[i]) == 0) {
			spec->net.mode = (enum wirt_net_mode)i;
			spec->net.mode_set = true;
			return 0;
		}
	return wirt_error_invalid(err, "must be routed, bridged or none, not '%s'",
				  wirt_str_escape(value, shown, sizeof(shown)));
}

static int validate_net_mode(const struct wirt_spec *spec, struct wirt_error *err)
{
	const struct wirt_net *net = &spec->net;

	if (net->mode == WIRT_NET_NONE && net->n_addrs)
		return wirt_error_invalid(err, "is none, but the vServer has addresses");
	if (net->mode == WIRT_NET_ROUTED && !net->n_addrs)
		return wirt_error_invalid(err, "routed needs an address (--ip, or a pool "
					       "in the host's config)");
	if (net->mode == WIRT_NET_BRIDGED && !net->bridge[0])
		return wirt_error_invalid(err, "bridged needs a bridge (--bridge)");
	if (net->mode != WIRT_NET_BRIDGED && net->bridge[0])
		return wirt_error_invalid(err, "is %s, but a bridge is set",
					  net_mode_names[net->mode]);
	return 0;
}

static void format_net_mode(const struct wirt_spec *spec, const struct config_key *k,
			    struct config_out *out)
{
	if (spec->net.mode != WIRT_NET_NONE || spec->net.mode_set)
		out_printf(out, "%s = %s\n", k->key, net_mode_names[spec->net.mode]);
}

static int net_addr_add(const char *item, void *data, struct wirt_error *err)
{
	struct wirt_spec *spec = data;
	struct wirt_net *net = &spec->net;
	struct wirt_net_addr a;
	char text[WIRT_NETADDR_TEXT_MAX];
	int r = wirt_netaddr_parse(item, &a, err);

	if (r < 0)
		return r;
	if (wirt_netaddr_find(net->addrs, net->n_addrs, &a) >= 0)
		return wirt_error_invalid(err, "address %s given twice", wirt_netaddr_str(&a, text));
	if (net->n_addrs >= WIRT_NET_ADDRS_MAX)
		return wirt_error_invalid(err, "more than %d addresses", WIRT_NET_ADDRS_MAX);
	net->addrs[net->n_addrs++] = a;
	if (!net->mode_set && net->mode == WIRT_NET_NONE)
		net->mode = WIRT_NET_ROUTED;
	return 0;
}

static int parse_net_ip(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	return wirt_list_each(value, net_addr_add, spec, err);
}

static void format_net_ip(const struct wirt_spec *spec, const struct config_key *k,
			  struct config_out *out)
{
	char text[WIRT_NETADDR_TEXT_MAX];

	for (unsigned i = 0; i < spec->net.n_addrs; i++)
		out_printf(out, "%s = %s\n", k->key,
			   wirt_netaddr_str_prefix(&spec->net.addrs[i], text));
}

static void absent_net_ip(struct wirt_spec *spec)
{
	spec->net.n_addrs = 0;
	if (!spec->net.mode_set && spec->net.mode == WIRT_NET_ROUTED)
		spec->net.mode = WIRT_NET_NONE;
}

int wirt_ifname_validate(const char *name, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	size_t n = strlen(name);

	if (n == 0 || n > WIRT_IFNAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return wirt_error_invalid(err, "invalid interface name '%s': 1 to %d characters",
					  wirt_str_escape(name, shown, sizeof(shown)),
					  WIRT_IFNAME_MAX);
	for (size_t i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || strchr("_.-", name[i])))
			return wirt_error_invalid(err, "invalid interface name '%s': only "
						       "letters, digits, '_', '.' and '-'",
						  wirt_str_escape(name, shown, sizeof(shown)));
	return 0;
}

static int parse_net_bridge(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	int r = wirt_ifname_validate(value, err);

	if (r < 0)
		return r;
	/* A bridge named like a vServer's veth would have its packets dropped as one. */
	if (value[0] == 'w' && strchr(value, '-') && strchr(value, '-') - value <= 5)
		return wirt_error_invalid(err, "a bridge name must not look like a vServer's "
					       "interface (w...-), not '%s'", value);
	snprintf(spec->net.bridge, sizeof(spec->net.bridge), "%s", value);
	if (!spec->net.mode_set)
		spec->net.mode = WIRT_NET_BRIDGED;
	return 0;
}

static void format_net_bridge(const struct wirt_spec *spec, const struct config_key *k,
			      struct config_out *out)
{
	if (spec->net.bridge[0])
		out_printf(out, "%s = %s\n", k->key, spec->net.bridge);
}

static int parse_net_mac(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	int r = wirt_mac_parse(value, spec->net.mac, err);

	if (r == 0)
		spec->net.has_mac = true;
	return r;
}

static void format_net_mac(const struct wirt_spec *spec, const struct config_key *k,
			   struct config_out *out)
{
	char text[WIRT_MAC_TEXT_MAX];

	if (spec->net.has_mac)
		out_printf(out, "%s = %s\n", k->key, wirt_mac_str(spec->net.mac, text));
}

static int parse_net_gateway(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	int r = wirt_netaddr_parse_host(value, &spec->net.gateway, err);

	if (r == 0)
		spec->net.has_gateway = true;
	return r;
}

static int validate_net_gateway(const struct wirt_spec *spec, struct wirt_error *err)
{
	const struct wirt_net *net = &spec->net;

	if (!net->has_gateway)
		return 0;
	if (net->mode != WIRT_NET_BRIDGED)
		return wirt_error_invalid(err, "only bridged mode takes a gateway (routed "
					       "vServers route through wirt's)");
	for (unsigned i = 0; i < net->n_addrs; i++)
		if (wirt_netaddr_in(&net->addrs[i], &net->gateway))
			return 0;
	return wirt_error_invalid(err, "is in none of the vServer's networks (give the "
				       "address with its prefix: --ip 10.0.0.5/24)");
}

static void format_net_gateway(const struct wirt_spec *spec, const struct config_key *k,
			       struct config_out *out)
{
	char text[WIRT_NETADDR_TEXT_MAX];

	if (spec->net.has_gateway)
		out_printf(out, "%s = %s\n", k->key, wirt_netaddr_str(&spec->net.gateway, text));
}

static int parse_net_policy(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	if (strcmp(value, "allow") == 0)
		spec->net.policy = WIRT_POLICY_ALLOW;
	else if (strcmp(value, "deny") == 0)
		spec->net.policy = WIRT_POLICY_DENY;
	else
		return wirt_error_invalid(err, "must be allow or deny, not '%s'",
					  wirt_str_escape(value, shown, sizeof(shown)));
	return 0;
}

static void format_net_policy(const struct wirt_spec *spec, const struct config_key *k,
			      struct config_out *out)
{
	if (spec->net.policy == WIRT_POLICY_DENY)
		out_printf(out, "%s = deny\n", k->key);
}

static int net_resolver_add(const char *item, void *data, struct wirt_error *err)
{
	struct wirt_net *net = &((struct wirt_spec *)data)->net;

	if (net->n_resolvers >= WIRT_NET_RESOLVERS_MAX)
		return wirt_error_invalid(err, "more than %d nameservers", WIRT_NET_RESOLVERS_MAX);
	return wirt_netaddr_parse_host(item, &net->resolvers[net->n_resolvers++], err);
}

static int parse_net_resolver(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	spec->net.n_resolvers = 0;
	return wirt_list_each(value, net_resolver_add, spec, err);
}

static void format_net_resolver(const struct wirt_spec *spec, const struct config_key *k,
				struct config_out *out)
{
	char text[WIRT_NETADDR_TEXT_MAX];

	if (!spec->net.n_resolvers)
		return;
	out_printf(out, "%s =", k->key);
	for (unsigned i = 0; i < spec->net.n_resolvers; i++)
		out_printf(out, " %s", wirt_netaddr_str(&spec->net.resolvers[i], text));
	out_printf(out, "\n");
}

int wirt_port_parse(const char *proto, const char *host_port, const char *guest_port,
		    struct wirt_net_port *ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	uint64_t hp, gp;

	if (strcasecmp(proto, "tcp") == 0)
		ret->proto = IPPROTO_TCP;
	else if (strcasecmp(proto, "udp") == 0)
		ret->proto = IPPROTO_UDP;
	else
		return wirt_error_invalid(err, "protocol must be tcp or udp, not '%s'",
					  wirt_str_escape(proto, shown, sizeof(shown)));
	if (wirt_uint_parse(host_port, 1, 65535, &hp, err) < 0)
		return wirt_error_prefix(err, "host port");
	if (wirt_uint_parse(guest_port, 1, 65535, &gp, err) < 0)
		return wirt_error_prefix(err, "guest port");
	ret->host_port = (uint16_t)hp;
	ret->guest_port = (uint16_t)gp;
	return 0;
}

/* "tcp 8080 80": protocol, host port, guest port. */
static int parse_net_port(struct wirt_spec *spec, const char *value, struct wirt_error *err)
{
	struct wirt_net *net = &spec->net;
	char proto[8], hp[8], gp[8], extra[2], shown[WIRT_ESCAPE_MAX];
	struct wirt_net_port port;
	int r;

	if (sscanf(value, "%7s %7s %7s %1s", proto, hp, gp, extra) != 3)
		return wirt_error_invalid(err, "expected 'tcp|udp HOSTPORT GUESTPORT', not '%s'",
					  wirt_str_escape(value, shown, sizeof(shown)));
	r = wirt_port_parse(proto, hp, gp, &port, err);
	if (r < 0)
		return r;
	if (wirt_net_port_find(net, &port) >= 0)
		return wirt_error_invalid(err, "%s port %u forwarded twice", proto, port.host_port);
	if (net->n_ports >= WIRT_NET_PORTS_MAX)
		return wirt_error_invalid(err, "more than %d port forwards", WIRT_NET_PORTS_MAX);
	net->ports[net->n_ports++] = port;
	return 0;
}

static int validate_net_port(const struct wirt_spec *spec, struct wirt_error *err)
{
	if (spec->net.n_ports && spec->net.mode == WIRT_NET_NONE)
		return wirt_error_invalid(err, "port forwards need an address");
	return 0;
}

static void format_net_port(const struct wirt_spec *spec, const struct config_key *k,
			    struct config_out *out)
{
	for (unsigned i = 0; i < spec->net.n_ports; i++) {
		const struct wirt_net_port *p = &spec->net.ports[i];

		out_printf(out, "%s = %s %u %u\n", k->key, p->proto == IPPROTO_TCP ? "tcp" : "udp",
			   p->host_port, p->guest_port);
	}
}

static void absent_net_port(struct wirt_spec *spec)
{
	spec->net.n_ports = 0;
}

/*
 * Every key, in the order they are written. Keys of one section stay together: the
 * formatter starts a new [section] whenever the section changes.
 */
/* clang-format off */
static const struct config_key config_keys[] = {
	/* section  key             flags         parse               validate               format               absent */
	{ "vserver", "name",         KEY_REQUIRED | KEY_FIXED, parse_name, validate_name,   format_name,         NULL },
	{ "vserver", "template",     KEY_REQUIRED | KEY_FIXED, parse_template, validate_template, format_template, NULL },
	{ "vserver", "hostname",     0,            parse_hostname,     validate_hostname,     format_hostname,     absent_hostname },
	{ "vserver", "autostart",    0,            parse_autostart,    NULL,                  format_autostart,    NULL },
	{ "vserver", "stop-signal",  0,            parse_stop_signal,  validate_stop_signal,  format_stop_signal,  NULL },
	{ "vserver", "stop-timeout", 0,            parse_stop_timeout, validate_stop_timeout, format_stop_timeout, NULL },
	{ "ids",     "base",         KEY_REQUIRED | KEY_FIXED, parse_id_base, validate_id_base, format_id_base,   NULL },
	{ "ids",     "count",        KEY_FIXED,    parse_id_count,     validate_id_count,     format_id_count,     NULL },
	{ "resources", "cpu-weight", 0,            parse_cpu_weight,   validate_cpu_weight,   format_cpu_weight,   NULL },
	{ "resources", "cpus",       0,            parse_cpus,         validate_cpus,         format_cpus,         NULL },
	{ "resources", "cpuset",     0,            parse_cpuset,       validate_cpuset,       format_cpuset,       NULL },
	{ "resources", "memory",     0,            parse_memory,       validate_memory,       format_memory,       NULL },
	{ "resources", "memory-low", KEY_RELATED,  parse_memory_low,   validate_memory_low,   format_memory_low,   NULL },
	{ "resources", "swap",       0,            parse_swap,         NULL,                  format_swap,         NULL },
	{ "resources", "pids",       0,            parse_pids,         validate_pids,         format_pids,         NULL },
	{ "resources", "io-weight",  0,            parse_io_weight,    validate_io_weight,    format_io_weight,    NULL },
	{ "resources", "io-max",     KEY_REPEATED, parse_io_max,       validate_io_max,       format_io_max,       absent_io_max },
	{ "resources", "disk",       0,            parse_disk,         validate_disk,         format_disk,         NULL },
	{ "network", "mode",         KEY_RELATED,  parse_net_mode,     validate_net_mode,     format_net_mode,     NULL },
	{ "network", "ip",           KEY_REPEATED | KEY_RELATED, parse_net_ip, NULL,       format_net_ip,       absent_net_ip },
	{ "network", "bridge",       KEY_RELATED,  parse_net_bridge,   NULL,                  format_net_bridge,   NULL },
	{ "network", "mac",          0,            parse_net_mac,      NULL,                  format_net_mac,      NULL },
	{ "network", "gateway",      KEY_RELATED,  parse_net_gateway,  validate_net_gateway,  format_net_gateway,  NULL },
	{ "network", "policy",       0,            parse_net_policy,   NULL,                  format_net_policy,   NULL },
	{ "network", "resolver",     0,            parse_net_resolver, NULL,                  format_net_resolver, NULL },
	{ "network", "port",         KEY_REPEATED | KEY_RELATED, parse_net_port, validate_net_port, format_net_port, absent_net_port },
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

/* Does any key of the section that starts at config_keys[first] write a line? */
static bool section_has_lines(const struct wirt_spec *spec, size_t first)
{
	struct config_out dry = { 0 };

	for (size_t i = first; i < ARRAY_SIZE(config_keys) && dry.len == 0; i++) {
		if (strcmp(config_keys[i].section, config_keys[first].section) != 0)
			break;
		config_keys[i].format(spec, &config_keys[i], &dry);
	}
	return dry.len > 0;
}

int wirt_config_format(const struct wirt_spec *spec, char *buf, size_t size)
{
	struct config_out out = { .buf = buf, .size = size };
	const char *section = NULL;
	bool skip = false;

	out_printf(&out, CONFIG_HEADER);
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		const struct config_key *k = &config_keys[i];

		/* A section with nothing set ([resources] of most configs) is left out. */
		if (!section || strcmp(section, k->section) != 0) {
			skip = !section_has_lines(spec, i);
			if (!skip)
				out_printf(&out, "%s[%s]\n", section ? "\n" : "", k->section);
			section = k->section;
		}
		if (!skip)
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

/* "unknown key 'foo' (keys: hostname, ...)": the keys `wirt set` can change. */
static int unknown_key(const char *section, const char *key, struct wirt_error *err)
{
	char shown_key[WIRT_ESCAPE_MAX], shown_section[WIRT_ESCAPE_MAX], keys[256];
	size_t len = 0;

	keys[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(config_keys); i++) {
		if (config_keys[i].flags & KEY_FIXED)
			continue;
		len += (size_t)snprintf(keys + len, len < sizeof(keys) ? sizeof(keys) - len : 0,
					"%s%s", len ? ", " : "", config_keys[i].key);
	}
	wirt_str_escape(key, shown_key, sizeof(shown_key));
	if (section)
		return wirt_error_invalid(err, "unknown key '%s' in [%s] (keys: %s)", shown_key,
					  wirt_str_escape(section, shown_section,
							  sizeof(shown_section)),
					  keys);
	return wirt_error_invalid(err, "unknown key '%s' (keys: %s)", shown_key, keys);
}

int wirt_config_set_key(struct wirt_spec *spec, const char *section, const char *key,
			const char *value, struct wirt_error *err)
{
	const struct config_key *k = NULL;
	struct wirt_spec changed;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(config_keys) && !k; i++)
		if ((!section || strcmp(config_keys[i].section, section) == 0) &&
		    strcmp(config_keys[i].key, key) == 0)
			k = &config_keys[i];
	if (!k)
		return unknown_key(section, key, err);
	if (k->flags & KEY_FIXED)
		return wirt_error_invalid(err, "key '%s' cannot be changed", k->key);

	/* On a copy, so a bad value changes nothing. A value of a repeated key is the
	 * whole list: it replaces what the key held. */
	changed = *spec;
	if ((k->flags & KEY_REPEATED) && k->absent)
		k->absent(&changed);
	r = k->parse(&changed, value, err);
	if (r == 0 && k->validate && !(k->flags & KEY_RELATED))
		r = k->validate(&changed, err);
	if (r < 0)
		return r;
	*spec = changed;
	return 0;
}
