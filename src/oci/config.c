/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json (OCI runtime-spec 1.0/1.1) to struct wirt_oci_spec, with jansson. Each
 * part of the document has its parse function; a 'struct jpath' follows the walk, so
 * the first wrong field is named as the spec names it (`mounts[3].options[1]: not a
 * string`). Unknown keys are accepted (the spec allows extensions); a known key with
 * the wrong type, a bad value or a field wirt cannot apply is an error.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "util.h"
#include "validate.h"

#define JPATH_MAX 200
#define CPU_SHARES_MIN 2      /* the kernel's MIN_SHARES */
#define CPU_SHARES_MAX 262144 /* MAX_SHARES */
#define CPU_PERIOD_DEFAULT 100000
#define CPU_PERIOD_MIN 1000    /* cpu.cfs_period_us: 1 ms ... */
#define CPU_PERIOD_MAX 1000000 /* ... to 1 s */
#define ERRNO_MAX 4095	       /* MAX_ERRNO: what a seccomp filter can return */
#define WEIGHT_MAX 10000

/* ---- where in the document: "linux.namespaces[2].type" ---- */

struct jpath {
	char buf[JPATH_MAX];
	size_t len;
};

static size_t jp_append(struct jpath *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends to the path and returns the length to go back to (a long path is cut). */
static size_t jp_append(struct jpath *p, const char *fmt, ...)
{
	size_t old = p->len;
	va_list ap;
	int n;

	if (old < sizeof(p->buf) - 1) {
		va_start(ap, fmt);
		n = vsnprintf(p->buf + old, sizeof(p->buf) - old, fmt, ap);
		va_end(ap);
		if (n > 0)
			p->len = old + ((size_t)n < sizeof(p->buf) - old ? (size_t)n
									  : sizeof(p->buf) - old - 1);
	}
	return old;
}

static size_t jp_key(struct jpath *p, const char *key)
{
	return p->len ? jp_append(p, ".%s", key) : jp_append(p, "%s", key);
}

static size_t jp_index(struct jpath *p, size_t i)
{
	return jp_append(p, "[%zu]", i);
}

/* A key of a map (annotations, sysctl): any text, so escaped and quoted. */
static size_t jp_mapkey(struct jpath *p, const char *key)
{
	char shown[WIRT_ESCAPE_MAX];

	return jp_append(p, "[\"%s\"]", wirt_str_escape(key, shown, sizeof(shown)));
}

static void jp_pop(struct jpath *p, size_t old)
{
	p->len = old;
	p->buf[old] = '\0';
}

static int bad(const struct jpath *p, struct wirt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "<path>: <cause>"; values in the cause are escaped by the caller. */
static int bad(const struct jpath *p, struct wirt_error *err, const char *fmt, ...)
{
	char cause[WIRT_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	return wirt_error_invalid(err, "%s: %s", p->len ? p->buf : "config.json", cause);
}

static int nomem(struct wirt_error *err)
{
	return wirt_errorf(err, ENOMEM, "parse config.json");
}

static const char *esc(const char *s, char *buf, size_t size)
{
	return wirt_str_escape(s, buf, size);
}

/* ---- typed values ---- */

/* obj[key], with the path pointing at it; NULL when absent or null (as Go's decoder,
 * which wrote most configs, reads a null: the field is not set). */
static json_t *field(json_t *obj, struct jpath *p, const char *key, size_t *saved)
{
	json_t *v = json_object_get(obj, key);

	*saved = jp_key(p, key);
	return json_is_null(v) ? NULL : v;
}

static int want_object(json_t *v, const struct jpath *p, struct wirt_error *err)
{
	return json_is_object(v) ? 0 : bad(p, err, "not an object");
}

static int want_array(json_t *v, const struct jpath *p, struct wirt_error *err)
{
	return json_is_array(v) ? 0 : bad(p, err, "not an array");
}

static int want_bool(json_t *v, const struct jpath *p, bool *ret, struct wirt_error *err)
{
	*ret = false;
	if (!json_is_boolean(v))
		return bad(p, err, "not a boolean");
	*ret = json_is_true(v);
	return 0;
}

static int want_string(json_t *v, const struct jpath *p, const char **ret,
		       struct wirt_error *err)
{
	*ret = "";
	if (!json_is_string(v))
		return bad(p, err, "not a string");
	*ret = json_string_value(v);
	return 0;
}

static int want_int(json_t *v, const struct jpath *p, int64_t min, int64_t max, int64_t *ret,
		    struct wirt_error *err)
{
	int64_t n;

	*ret = 0;
	if (!json_is_integer(v))
		return bad(p, err, "not an integer");
	n = json_integer_value(v);
	if (n < min || n > max)
		return bad(p, err, "%" PRId64 " out of range %" PRId64 "..%" PRId64, n, min, max);
	*ret = n;
	return 0;
}

static int want_u32(json_t *v, const struct jpath *p, uint32_t *ret, struct wirt_error *err)
{
	int64_t n = 0;
	int r = want_int(v, p, 0, UINT32_MAX, &n, err);

	if (r == 0)
		*ret = (uint32_t)n;
	return r;
}

static int dup_string(json_t *v, const struct jpath *p, char **ret, struct wirt_error *err)
{
	const char *s;
	int r = want_string(v, p, &s, err);

	if (r < 0)
		return r;
	free(*ret);
	*ret = strdup(s);
	return *ret ? 0 : nomem(err);
}

static bool is_absolute(const char *s)
{
	return s[0] == '/';
}

static int want_absolute(json_t *v, const struct jpath *p, char **ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	int r = dup_string(v, p, ret, err);

	if (r < 0)
		return r;
	if (!is_absolute(*ret))
		return bad(p, err, "'%s' is not an absolute path", esc(*ret, shown, sizeof(shown)));
	return 0;
}

static void strv_free(struct wirt_oci_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->n = 0;
	sv->v = NULL;
}

/* An array of strings; 'absolute': each must be an absolute path. */
static int want_strv(json_t *v, struct jpath *p, bool absolute, struct wirt_oci_strv *ret,
		     struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	strv_free(ret);
	ret->v = calloc(n + 1, sizeof(*ret->v));
	if (!ret->v)
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		r = absolute ? want_absolute(json_array_get(v, i), p, &ret->v[i], err)
			     : dup_string(json_array_get(v, i), p, &ret->v[i], err);
		ret->n = ret->v[i] ? i + 1 : i;
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

static void map_free(struct wirt_oci_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->keys[i]);
		free(m->values[i]);
	}
	free(m->keys);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

/* An object whose values are strings (annotations, sysctl). */
static int want_map(json_t *v, struct jpath *p, struct wirt_oci_map *ret, struct wirt_error *err)
{
	size_t n = json_object_size(v), old;
	const char *key;
	json_t *val;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	map_free(ret);
	ret->keys = calloc(n + 1, sizeof(*ret->keys));
	ret->values = calloc(n + 1, sizeof(*ret->values));
	if (!ret->keys || !ret->values)
		return nomem(err);
	json_object_foreach(v, key, val) {
		old = jp_mapkey(p, key);
		if (ret->n >= n) /* cannot happen: jansson's count */
			return bad(p, err, "too many keys");
		if (!key[0])
			return bad(p, err, "empty key");
		r = dup_string(val, p, &ret->values[ret->n], err);
		if (r < 0)
			return r;
		ret->keys[ret->n] = strdup(key);
		ret->n++;
		if (!ret->keys[ret->n - 1])
			return nomem(err);
		jp_pop(p, old);
	}
	return 0;
}

/* Looks 'name' up in a NULL-terminated table; returns its index or -1. */
static int lookup(const char *const *table, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (table[i] && strcmp(table[i], name) == 0)
			return (int)i;
	return -1;
}

/* A string from a fixed table: returns its index, or an error naming what it wanted. */
static int want_enum(json_t *v, const struct jpath *p, const char *const *table, size_t n,
		     const char *what, int *ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *s;
	int r = want_string(v, p, &s, err);

	*ret = -1;
	if (r < 0)
		return r;
	*ret = lookup(table, n, s);
	if (*ret < 0)
		return bad(p, err, "unknown %s '%s'", what, esc(s, shown, sizeof(shown)));
	return 0;
}

/* A key the spec defines but wirt cannot apply: refused, not ignored. */
static int refuse(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err)
{
	size_t old;
	json_t *v = field(obj, p, key, &old);

	if (v)
		return bad(p, err, "not supported by wirt");
	jp_pop(p, old);
	return 0;
}

/* ---- tables ---- */

static const char *const cap_names[] = {
	"CAP_CHOWN",	      "CAP_DAC_OVERRIDE",   "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",	      "CAP_KILL",	    "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETPCAP",	      "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",      "CAP_NET_RAW",	    "CAP_IPC_LOCK",	   "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",     "CAP_SYS_RAWIO",	    "CAP_SYS_CHROOT",	   "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",      "CAP_SYS_ADMIN",	    "CAP_SYS_BOOT",	   "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",   "CAP_SYS_TIME",	    "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",	      "CAP_AUDIT_WRITE",    "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",	    "CAP_SYSLOG",	   "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",	    "CAP_PERFMON",	   "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

const char *wirt_oci_cap_name(unsigned cap)
{
	return cap < ARRAY_SIZE(cap_names) ? cap_names[cap] : NULL;
}

static const char *const capset_keys[WIRT_OCI_CAPSETS] = {
	[WIRT_OCI_CAP_BOUNDING] = "bounding",	 [WIRT_OCI_CAP_EFFECTIVE] = "effective",
	[WIRT_OCI_CAP_INHERITABLE] = "inheritable", [WIRT_OCI_CAP_PERMITTED] = "permitted",
	[WIRT_OCI_CAP_AMBIENT] = "ambient",
};

static const char *const rlimit_names[] = {
	[RLIMIT_CPU] = "RLIMIT_CPU",	       [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
	[RLIMIT_DATA] = "RLIMIT_DATA",	       [RLIMIT_STACK] = "RLIMIT_STACK",
	[RLIMIT_CORE] = "RLIMIT_CORE",	       [RLIMIT_RSS] = "RLIMIT_RSS",
	[RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
	[RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
	[RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
	[RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
	[RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static const char *const ns_names[WIRT_OCI_NS_TYPES] = {
	[WIRT_OCI_NS_PID] = "pid",	 [WIRT_OCI_NS_NETWORK] = "network",
	[WIRT_OCI_NS_MOUNT] = "mount",	 [WIRT_OCI_NS_IPC] = "ipc",
	[WIRT_OCI_NS_UTS] = "uts",	 [WIRT_OCI_NS_USER] = "user",
	[WIRT_OCI_NS_CGROUP] = "cgroup", [WIRT_OCI_NS_TIME] = "time",
};

static const char *const hook_keys[WIRT_OCI_HOOK_KINDS] = {
	[WIRT_OCI_HOOK_PRESTART] = "prestart",
	[WIRT_OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
	[WIRT_OCI_HOOK_CREATE_CONTAINER] = "createContainer",
	[WIRT_OCI_HOOK_START_CONTAINER] = "startContainer",
	[WIRT_OCI_HOOK_POSTSTART] = "poststart",
	[WIRT_OCI_HOOK_POSTSTOP] = "poststop",
};

static const char *const scmp_actions[] = {
	[WIRT_OCI_SCMP_KILL] = "SCMP_ACT_KILL",
	[WIRT_OCI_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[WIRT_OCI_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[WIRT_OCI_SCMP_TRAP] = "SCMP_ACT_TRAP",
	[WIRT_OCI_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[WIRT_OCI_SCMP_TRACE] = "SCMP_ACT_TRACE",
	[WIRT_OCI_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[WIRT_OCI_SCMP_LOG] = "SCMP_ACT_LOG",
	[WIRT_OCI_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const scmp_ops[] = {
	[WIRT_OCI_CMP_NE] = "SCMP_CMP_NE", [WIRT_OCI_CMP_LT] = "SCMP_CMP_LT",
	[WIRT_OCI_CMP_LE] = "SCMP_CMP_LE", [WIRT_OCI_CMP_EQ] = "SCMP_CMP_EQ",
	[WIRT_OCI_CMP_GE] = "SCMP_CMP_GE", [WIRT_OCI_CMP_GT] = "SCMP_CMP_GT",
	[WIRT_OCI_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

/* What libseccomp 2.5 knows (seccomp_arch_resolve_name without the prefix). */
static const char *const scmp_arches[] = {
	"SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",    "SCMP_ARCH_X32",	  "SCMP_ARCH_ARM",
	"SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",	     "SCMP_ARCH_MIPS64",  "SCMP_ARCH_MIPS64N32",
	"SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64",  "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
	"SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE",   "SCMP_ARCH_S390",	  "SCMP_ARCH_S390X",
	"SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64",  "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K",     "SCMP_ARCH_SH",	     "SCMP_ARCH_SHEB",
};

static const char *const scmp_flags[] = {
	"SECCOMP_FILTER_FLAG_TSYNC",
	"SECCOMP_FILTER_FLAG_LOG",
	"SECCOMP_FILTER_FLAG_SPEC_ALLOW",
	"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};

/* rootfsPropagation: the spec's four, and their recursive forms runc also takes. */
static const char *const propagations[] = {
	"shared", "slave", "private", "unbindable", "rshared", "rslave", "rprivate", "runbindable",
};

/* ---- process ---- */

static int parse_user(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
		      struct wirt_error *err)
{
	json_t *f, *gids;
	size_t old, old2;
	int64_t n;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "uid", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_u32(f, p, &proc->uid, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "gid", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_u32(f, p, &proc->gid, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "umask", &old);
	if (f) {
		r = want_int(f, p, 0, 0777, &n, err);
		if (r < 0)
			return r;
		proc->has_umask = true;
		proc->umask = (uint32_t)n;
	}
	jp_pop(p, old);
	gids = field(v, p, "additionalGids", &old);
	if (gids) {
		r = want_array(gids, p, err);
		if (r < 0)
			return r;
		proc->additional_gids = calloc(json_array_size(gids) + 1, sizeof(uint32_t));
		if (!proc->additional_gids)
			return nomem(err);
		for (size_t i = 0; i < json_array_size(gids); i++) {
			old2 = jp_index(p, i);
			r = want_u32(json_array_get(gids, i), p, &proc->additional_gids[i], err);
			if (r < 0)
				return r;
			proc->n_gids++;
			jp_pop(p, old2);
		}
	}
	jp_pop(p, old);
	return 0;
}

static int parse_capabilities(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			      struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *name;
	size_t old, old2;
	json_t *set;
	int r, cap;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	proc->has_caps = true;
	for (int s = 0; s < WIRT_OCI_CAPSETS; s++) {
		set = field(v, p, capset_keys[s], &old);
		if (set) {
			r = want_array(set, p, err);
			if (r < 0)
				return r;
			for (size_t i = 0; i < json_array_size(set); i++) {
				old2 = jp_index(p, i);
				r = want_string(json_array_get(set, i), p, &name, err);
				if (r < 0)
					return r;
				cap = lookup(cap_names, ARRAY_SIZE(cap_names), name);
				if (cap < 0)
					return bad(p, err, "unknown capability '%s'",
						   esc(name, shown, sizeof(shown)));
				proc->caps[s] |= 1ull << cap;
				jp_pop(p, old2);
			}
		}
		jp_pop(p, old);
	}
	return 0;
}

static int parse_rlimit(json_t *v, struct jpath *p, struct wirt_oci_rlimit *rl,
			struct wirt_error *err)
{
	static const char *const keys[] = { "soft", "hard" };
	uint64_t *vals[] = { &rl->soft, &rl->hard };
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "type", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_enum(f, p, rlimit_names, ARRAY_SIZE(rlimit_names), "rlimit", &rl->resource, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		f = field(v, p, keys[i], &old);
		if (!f)
			return bad(p, err, "missing");
		r = want_int(f, p, 0, INT64_MAX, &n, err);
		if (r < 0)
			return r;
		*vals[i] = (uint64_t)n;
		jp_pop(p, old);
	}
	if (rl->soft > rl->hard)
		return bad(p, err, "soft %" PRIu64 " above hard %" PRIu64, rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			 struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	proc->rlimits = calloc(n + 1, sizeof(*proc->rlimits));
	if (!proc->rlimits)
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		r = parse_rlimit(json_array_get(v, i), p, &proc->rlimits[i], err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (proc->rlimits[j].resource == proc->rlimits[i].resource)
				return bad(p, err, "duplicate rlimit '%s'",
					   rlimit_names[proc->rlimits[i].resource]);
		proc->n_rlimits++;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_console_size(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			      struct wirt_error *err)
{
	static const char *const keys[] = { "height", "width" };
	unsigned *vals[] = { &proc->console_height, &proc->console_width };
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		f = field(v, p, keys[i], &old);
		if (!f)
			return bad(p, err, "missing");
		r = want_int(f, p, 0, UINT16_MAX, &n, err); /* struct winsize */
		if (r < 0)
			return r;
		*vals[i] = (unsigned)n;
		jp_pop(p, old);
	}
	proc->has_console_size = true;
	return 0;
}

static int parse_process(json_t *v, struct jpath *p, struct wirt_oci_process *proc,
			 struct wirt_error *err)
{
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;

	f = field(v, p, "terminal", &old);
	if (f && (r = want_bool(f, p, &proc->terminal, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "consoleSize", &old);
	if (f && (r = parse_console_size(f, p, proc, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "user", &old);
	if (!f)
		return bad(p, err, "missing");
	r = parse_user(f, p, proc, err);
	if (r < 0)
		return r;
	jp_pop(p, old);

	f = field(v, p, "args", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_strv(f, p, false, &proc->args, err);
	if (r < 0)
		return r;
	if (proc->args.n == 0)
		return bad(p, err, "empty");
	jp_pop(p, old);
	f = field(v, p, "env", &old);
	if (f && (r = want_strv(f, p, false, &proc->env, err)) < 0)
		return r;
	for (size_t i = 0; i < proc->env.n; i++) {
		if (!strchr(proc->env.v[i], '=')) {
			char shown[WIRT_ESCAPE_MAX];

			jp_index(p, i);
			return bad(p, err, "'%s' is not NAME=VALUE",
				   esc(proc->env.v[i], shown, sizeof(shown)));
		}
	}
	jp_pop(p, old);
	f = field(v, p, "cwd", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_absolute(f, p, &proc->cwd, err);
	if (r < 0)
		return r;
	jp_pop(p, old);

	f = field(v, p, "capabilities", &old);
	if (f && (r = parse_capabilities(f, p, proc, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "rlimits", &old);
	if (f && (r = parse_rlimits(f, p, proc, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "noNewPrivileges", &old);
	if (f && (r = want_bool(f, p, &proc->no_new_privileges, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "oomScoreAdj", &old);
	if (f) {
		r = want_int(f, p, -1000, 1000, &n, err); /* OOM_SCORE_ADJ_MIN..MAX */
		if (r < 0)
			return r;
		proc->has_oom_score_adj = true;
		proc->oom_score_adj = (int)n;
	}
	jp_pop(p, old);
	f = field(v, p, "apparmorProfile", &old);
	if (f && (r = dup_string(f, p, &proc->apparmor_profile, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "selinuxLabel", &old);
	if (f && (r = dup_string(f, p, &proc->selinux_label, err)) < 0)
		return r;
	jp_pop(p, old);
	/* runtime-spec 1.1's I/O priority and scheduler: wirt does not set them yet. */
	r = refuse(v, p, "ioPriority", err);
	if (r == 0)
		r = refuse(v, p, "scheduler", err);
	if (r == 0)
		r = refuse(v, p, "execCPUAffinity", err);
	return r;
}

/* ---- root, mounts, hooks ---- */

static int parse_root(json_t *v, struct jpath *p, struct wirt_oci_spec *s, struct wirt_error *err)
{
	size_t old;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "path", &old);
	if (!f)
		return bad(p, err, "missing");
	r = dup_string(f, p, &s->root_path, err);
	if (r < 0)
		return r;
	if (!s->root_path[0])
		return bad(p, err, "empty");
	jp_pop(p, old);
	f = field(v, p, "readonly", &old);
	if (f && (r = want_bool(f, p, &s->root_readonly, err)) < 0)
		return r;
	jp_pop(p, old);
	return 0;
}

static int parse_idmaps(json_t *v, struct jpath *p, size_t *ret_n, struct wirt_oci_idmap **ret,
			struct wirt_error *err)
{
	static const char *const keys[] = { "containerID", "hostID", "size" };
	size_t n = json_array_size(v), old, old2;
	struct wirt_oci_idmap *m;
	uint32_t *vals[3];
	json_t *e, *f;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	free(*ret);
	*ret_n = 0;
	*ret = calloc(n + 1, sizeof(**ret));
	if (!*ret)
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		m = &(*ret)[i];
		vals[0] = &m->container_id;
		vals[1] = &m->host_id;
		vals[2] = &m->size;
		old = jp_index(p, i);
		e = json_array_get(v, i);
		r = want_object(e, p, err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			f = field(e, p, keys[k], &old2);
			if (!f)
				return bad(p, err, "missing");
			r = want_u32(f, p, vals[k], err);
			if (r < 0)
				return r;
			jp_pop(p, old2);
		}
		if (m->size == 0)
			return bad(p, err, "size 0");
		if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX + 1 ||
		    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX + 1)
			return bad(p, err, "range past the last id 4294967295");
		(*ret_n)++;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_mount(json_t *v, struct jpath *p, struct wirt_oci_mount *m,
		       struct wirt_error *err)
{
	size_t old;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "destination", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_absolute(f, p, &m->destination, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "type", &old);
	if (f && (r = dup_string(f, p, &m->type, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "source", &old);
	if (f && (r = dup_string(f, p, &m->source, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "options", &old);
	if (f && (r = want_strv(f, p, false, &m->options, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "uidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &m->n_uid_mappings, &m->uid_mappings, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "gidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &m->n_gid_mappings, &m->gid_mappings, err)) < 0)
		return r;
	jp_pop(p, old);
	return 0;
}

static int parse_mounts(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	s->mounts = calloc(n + 1, sizeof(*s->mounts));
	if (!s->mounts)
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		s->n_mounts++; /* counted first: a half-parsed one is freed too */
		r = parse_mount(json_array_get(v, i), p, &s->mounts[i], err);
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_hook(json_t *v, struct jpath *p, struct wirt_oci_hook *h, struct wirt_error *err)
{
	size_t old;
	int64_t n;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "path", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_absolute(f, p, &h->path, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "args", &old);
	if (f && (r = want_strv(f, p, false, &h->args, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "env", &old);
	if (f && (r = want_strv(f, p, false, &h->env, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "timeout", &old);
	if (f) {
		r = want_int(f, p, 1, INT32_MAX, &n, err); /* "MUST be greater than zero" */
		if (r < 0)
			return r;
		h->timeout = (int)n;
	}
	jp_pop(p, old);
	return 0;
}

static int parse_hooks(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
		       struct wirt_error *err)
{
	size_t old, old2, n;
	json_t *list;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	for (int k = 0; k < WIRT_OCI_HOOK_KINDS; k++) {
		list = field(v, p, hook_keys[k], &old);
		if (list) {
			r = want_array(list, p, err);
			if (r < 0)
				return r;
			n = json_array_size(list);
			s->hooks[k].v = calloc(n + 1, sizeof(*s->hooks[k].v));
			if (!s->hooks[k].v)
				return nomem(err);
			for (size_t i = 0; i < n; i++) {
				old2 = jp_index(p, i);
				s->hooks[k].n++;
				r = parse_hook(json_array_get(list, i), p, &s->hooks[k].v[i], err);
				if (r < 0)
					return r;
				jp_pop(p, old2);
			}
		}
		jp_pop(p, old);
	}
	return 0;
}

/* ---- linux: namespaces, devices ---- */

static int parse_namespaces(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			    struct wirt_error *err)
{
	struct wirt_oci_namespace *ns;
	size_t old, old2;
	json_t *e, *f;
	int r, type;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_array_size(v); i++) {
		old = jp_index(p, i);
		e = json_array_get(v, i);
		r = want_object(e, p, err);
		if (r < 0)
			return r;
		f = field(e, p, "type", &old2);
		if (!f)
			return bad(p, err, "missing");
		r = want_enum(f, p, ns_names, ARRAY_SIZE(ns_names), "namespace", &type, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < s->n_namespaces; j++)
			if (s->namespaces[j].type == (enum wirt_oci_ns)type)
				return bad(p, err, "duplicate namespace '%s'", ns_names[type]);
		jp_pop(p, old2);
		/* types are distinct, so at most WIRT_OCI_NS_TYPES get here */
		ns = &s->namespaces[s->n_namespaces++];
		ns->type = (enum wirt_oci_ns)type;
		f = field(e, p, "path", &old2);
		if (f && (r = want_absolute(f, p, &ns->path, err)) < 0)
			return r;
		jp_pop(p, old2);
		jp_pop(p, old);
	}
	return 0;
}

static const struct wirt_oci_namespace *find_ns(const struct wirt_oci_spec *s, enum wirt_oci_ns t)
{
	for (size_t i = 0; i < s->n_namespaces; i++)
		if (s->namespaces[i].type == t)
			return &s->namespaces[i];
	return NULL;
}

static int parse_device(json_t *v, struct jpath *p, struct wirt_oci_device *d,
			struct wirt_error *err)
{
	static const char *const types[] = { "c", "b", "u", "p" };
	size_t old;
	int64_t n;
	json_t *f;
	int r, t;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "path", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_absolute(f, p, &d->path, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "type", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_enum(f, p, types, ARRAY_SIZE(types), "device type", &t, err);
	if (r < 0)
		return r;
	d->type = types[t][0];
	jp_pop(p, old);
	d->major = d->minor = -1;
	f = field(v, p, "major", &old);
	if (f && (r = want_int(f, p, 0, UINT32_MAX, &d->major, err)) < 0)
		return r;
	if (!f && d->type != 'p')
		return bad(p, err, "missing");
	jp_pop(p, old);
	f = field(v, p, "minor", &old);
	if (f && (r = want_int(f, p, 0, UINT32_MAX, &d->minor, err)) < 0)
		return r;
	if (!f && d->type != 'p')
		return bad(p, err, "missing");
	jp_pop(p, old);
	f = field(v, p, "fileMode", &old);
	if (f) {
		r = want_int(f, p, 0, 07777, &n, err);
		if (r < 0)
			return r;
		d->has_mode = true;
		d->file_mode = (uint32_t)n;
	}
	jp_pop(p, old);
	f = field(v, p, "uid", &old);
	if (f && (r = want_u32(f, p, &d->uid, err)) < 0)
		return r;
	d->has_uid = f != NULL;
	jp_pop(p, old);
	f = field(v, p, "gid", &old);
	if (f && (r = want_u32(f, p, &d->gid, err)) < 0)
		return r;
	d->has_gid = f != NULL;
	jp_pop(p, old);
	return 0;
}

static int parse_devices(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			 struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	s->devices = calloc(n + 1, sizeof(*s->devices));
	if (!s->devices)
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		s->n_devices++;
		r = parse_device(json_array_get(v, i), p, &s->devices[i], err);
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

/* ---- linux.resources ---- */

static int parse_device_rule(json_t *v, struct jpath *p, struct wirt_oci_device_rule *d,
			     struct wirt_error *err)
{
	static const char *const types[] = { "a", "c", "b" };
	char shown[WIRT_ESCAPE_MAX];
	const char *access;
	size_t old;
	json_t *f;
	int r, t;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "allow", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_bool(f, p, &d->allow, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	d->type = 'a';
	f = field(v, p, "type", &old);
	if (f) {
		r = want_enum(f, p, types, ARRAY_SIZE(types), "device type", &t, err);
		if (r < 0)
			return r;
		d->type = types[t][0];
	}
	jp_pop(p, old);
	d->major = d->minor = -1;
	f = field(v, p, "major", &old);
	if (f && (r = want_int(f, p, -1, UINT32_MAX, &d->major, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "minor", &old);
	if (f && (r = want_int(f, p, -1, UINT32_MAX, &d->minor, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "access", &old);
	if (f) {
		r = want_string(f, p, &access, err);
		if (r < 0)
			return r;
		if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return bad(p, err, "'%s' is not some of 'rwm'",
				   esc(access, shown, sizeof(shown)));
		for (size_t i = 0; access[i]; i++)
			if (strchr(access + i + 1, access[i]))
				return bad(p, err, "'%s' names '%c' twice",
					   esc(access, shown, sizeof(shown)), access[i]);
		memcpy(d->access, access, strlen(access) + 1);
	}
	jp_pop(p, old);
	return 0;
}

static int parse_device_rules(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			      struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	s->device_rules = calloc(n + 1, sizeof(*s->device_rules));
	if (!s->device_rules)
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		r = parse_device_rule(json_array_get(v, i), p, &s->device_rules[i], err);
		if (r < 0)
			return r;
		s->n_device_rules++;
		jp_pop(p, old);
	}
	return 0;
}

/* An int64 field, or 'absent' when it is not there. */
static int opt_int(json_t *obj, struct jpath *p, const char *key, int64_t min, int64_t max,
		   int64_t absent, int64_t *ret, struct wirt_error *err)
{
	size_t old;
	json_t *f = field(obj, p, key, &old);
	int r = 0;

	*ret = absent;
	if (f)
		r = want_int(f, p, min, max, ret, err);
	if (r == 0)
		jp_pop(p, old);
	return r;
}

/* A numeric field wirt cannot apply: refused unless absent or 'harmless'. */
static int refuse_int(json_t *obj, struct jpath *p, const char *key, int64_t harmless,
		      struct wirt_error *err)
{
	int64_t n;
	int r = opt_int(obj, p, key, INT64_MIN, INT64_MAX, harmless, &n, err);

	if (r == 0 && n != harmless) {
		jp_key(p, key);
		return bad(p, err, "not supported by wirt");
	}
	return r;
}

static int refuse_true(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err)
{
	size_t old;
	json_t *f = field(obj, p, key, &old);
	bool b = false;
	int r;

	if (f) {
		r = want_bool(f, p, &b, err);
		if (r < 0)
			return r;
		if (b)
			return bad(p, err, "not supported by wirt");
	}
	jp_pop(p, old);
	return 0;
}

/* An array that must be empty: a list of things wirt cannot apply. */
static int refuse_nonempty(json_t *obj, struct jpath *p, const char *key, struct wirt_error *err)
{
	size_t old;
	json_t *f = field(obj, p, key, &old);
	int r;

	if (f) {
		r = want_array(f, p, err);
		if (r < 0)
			return r;
		if (json_array_size(f))
			return bad(p, err, "not supported by wirt");
	}
	jp_pop(p, old);
	return 0;
}

static int parse_memory(json_t *v, struct jpath *p, struct wirt_resources *res,
			struct wirt_error *err)
{
	int64_t limit, reservation, swap;
	int r;

	r = want_object(v, p, err);
	if (r == 0)
		r = opt_int(v, p, "limit", -1, INT64_MAX, 0, &limit, err);
	if (r == 0)
		r = opt_int(v, p, "reservation", -1, INT64_MAX, 0, &reservation, err);
	if (r == 0)
		r = opt_int(v, p, "swap", -1, INT64_MAX, 0, &swap, err);
	if (r == 0)
		r = refuse(v, p, "kernel", err);
	if (r == 0)
		r = refuse(v, p, "kernelTCP", err);
	if (r == 0)
		r = refuse(v, p, "swappiness", err);
	if (r == 0)
		r = refuse_true(v, p, "disableOOMKiller", err);
	if (r < 0)
		return r;
	if (limit > 0) {
		if ((uint64_t)limit < WIRT_MEMORY_MIN) {
			jp_key(p, "limit");
			return bad(p, err, "%" PRId64 " below wirt's minimum %llu", limit,
				   WIRT_MEMORY_MIN);
		}
		res->memory = (uint64_t)limit;
	}
	if (reservation > 0)
		res->memory_low = (uint64_t)reservation;
	/* OCI's swap is memory plus swap (v1's memsw); wirt's is the swap alone. */
	if (swap == -1) {
		res->swap = WIRT_UNLIMITED;
	} else if (swap > 0) {
		jp_key(p, "swap");
		if (limit <= 0)
			return bad(p, err, "needs memory.limit (swap counts memory plus swap)");
		if (swap < limit)
			return bad(p, err, "%" PRId64 " below memory.limit %" PRId64
				   " (swap counts memory plus swap)", swap, limit);
		res->swap = (uint64_t)(swap - limit);
	}
	return 0;
}

static int parse_cpuset(const char *s, const struct jpath *p, struct wirt_resources *res,
			struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	if (strlen(s) >= sizeof(res->cpuset) || strspn(s, "0123456789,-") != strlen(s))
		return bad(p, err, "'%s' is not a CPU list like '0-3,6'",
			   esc(s, shown, sizeof(shown)));
	memcpy(res->cpuset, s, strlen(s) + 1);
	return 0;
}

/* shares (v1, 2..262144, default 1024) to weight (1..10000, default 100): the inverse
 * of the linear mapping cgroup.c uses on v1 (docs/resources.md), so a round trip keeps
 * the value and the defaults meet. */
static uint32_t shares_to_weight(uint64_t shares)
{
	uint64_t w = (shares * 100 + 512) / 1024;

	return w < 1 ? 1 : w > WEIGHT_MAX ? WEIGHT_MAX : (uint32_t)w;
}

static int set_cpus_milli(int64_t quota, int64_t period, const struct jpath *p,
			  struct wirt_resources *res, struct wirt_error *err)
{
	/* rounded up: a cap never comes out lower than asked */
	uint64_t milli = ((uint64_t)quota * 1000 + (uint64_t)period - 1) / (uint64_t)period;

	if (milli > 4096 * 1000)
		return bad(p, err, "quota %" PRId64 " per period %" PRId64 " is above 4096 CPUs",
			   quota, period);
	res->cpus_milli = (uint32_t)milli;
	return 0;
}

static int parse_cpu(json_t *v, struct jpath *p, struct wirt_resources *res,
		     struct wirt_error *err)
{
	int64_t shares, quota, period;
	const char *cpus;
	size_t old;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r == 0)
		r = opt_int(v, p, "shares", 0, CPU_SHARES_MAX, 0, &shares, err);
	if (r == 0)
		r = opt_int(v, p, "quota", -1, INT64_MAX / 1000, 0, &quota, err);
	if (r == 0)
		r = opt_int(v, p, "period", 0, CPU_PERIOD_MAX, 0, &period, err);
	if (r == 0)
		r = refuse_int(v, p, "burst", 0, err);
	if (r == 0)
		r = refuse_int(v, p, "realtimeRuntime", 0, err);
	if (r == 0)
		r = refuse_int(v, p, "realtimePeriod", 0, err);
	if (r == 0)
		r = refuse_int(v, p, "idle", 0, err);
	if (r < 0)
		return r;
	if (shares > 0 && shares < CPU_SHARES_MIN) {
		jp_key(p, "shares");
		return bad(p, err, "%" PRId64 " below the kernel's minimum 2", shares);
	}
	if (shares > 0)
		res->cpu_weight = shares_to_weight((uint64_t)shares);
	if (period > 0 && period < CPU_PERIOD_MIN) {
		jp_key(p, "period");
		return bad(p, err, "%" PRId64 " out of range 1000..1000000", period);
	}
	if (quota > 0) {
		old = jp_key(p, "quota");
		r = set_cpus_milli(quota, period ? period : CPU_PERIOD_DEFAULT, p, res, err);
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	f = field(v, p, "cpus", &old);
	if (f) {
		r = want_string(f, p, &cpus, err);
		if (r == 0)
			r = parse_cpuset(cpus, p, res, err);
		if (r < 0)
			return r;
	}
	jp_pop(p, old);
	f = field(v, p, "mems", &old);
	if (f) {
		r = want_string(f, p, &cpus, err);
		if (r < 0)
			return r;
		if (cpus[0]) /* the engine has no cpuset.mems */
			return bad(p, err, "not supported by wirt");
	}
	jp_pop(p, old);
	return 0;
}

static struct wirt_io_max *io_max_for(struct wirt_resources *res, unsigned major, unsigned minor)
{
	for (unsigned i = 0; i < res->io_max_n; i++)
		if (res->io_max[i].major == major && res->io_max[i].minor == minor)
			return &res->io_max[i];
	if (res->io_max_n >= WIRT_IO_MAX_DEVICES)
		return NULL;
	res->io_max[res->io_max_n] = (struct wirt_io_max){ .major = major, .minor = minor };
	return &res->io_max[res->io_max_n++];
}

static int parse_throttle(json_t *v, struct jpath *p, size_t which, struct wirt_resources *res,
			  struct wirt_error *err)
{
	static const char *const keys[] = { "major", "minor", "rate" };
	int64_t vals[3];
	struct wirt_io_max *m;
	size_t old;
	json_t *e;
	int r;

	r = want_array(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_array_size(v); i++) {
		old = jp_index(p, i);
		e = json_array_get(v, i);
		r = want_object(e, p, err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			r = opt_int(e, p, keys[k], 0, k < 2 ? UINT32_MAX : INT64_MAX, -1, &vals[k],
				    err);
			if (r < 0)
				return r;
			if (vals[k] < 0) {
				jp_key(p, keys[k]);
				return bad(p, err, "missing");
			}
		}
		m = io_max_for(res, (unsigned)vals[0], (unsigned)vals[1]);
		if (!m)
			return bad(p, err, "more than %d devices", WIRT_IO_MAX_DEVICES);
		/* 0 means "no cap" in wirt_io_max, as it does in OCI */
		if (which == 0)
			m->rbps = (uint64_t)vals[2];
		else if (which == 1)
			m->wbps = (uint64_t)vals[2];
		else if (which == 2)
			m->riops = (uint64_t)vals[2];
		else
			m->wiops = (uint64_t)vals[2];
		jp_pop(p, old);
	}
	return 0;
}

static int parse_blkio(json_t *v, struct jpath *p, struct wirt_resources *res,
		       struct wirt_error *err)
{
	static const char *const throttles[] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
						 "throttleReadIOPSDevice",
						 "throttleWriteIOPSDevice" };
	int64_t weight;
	size_t old;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	/* BFQ's scale (10..1000, default 100): what runc and crun write to io.bfq.weight,
	 * and what cgroup.c writes for io_weight on v1 with BFQ */
	if (r == 0)
		r = opt_int(v, p, "weight", 10, 1000, 0, &weight, err);
	if (r == 0)
		r = refuse(v, p, "leafWeight", err);
	if (r == 0)
		r = refuse_nonempty(v, p, "weightDevice", err);
	if (r < 0)
		return r;
	if (weight)
		res->io_weight = (uint32_t)weight;
	for (size_t i = 0; i < ARRAY_SIZE(throttles); i++) {
		f = field(v, p, throttles[i], &old);
		if (f && (r = parse_throttle(f, p, i, res, err)) < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

/* "max" or a number of bytes / tasks, as cgroup v2 files hold them. */
static int unified_u64(const char *s, const struct jpath *p, uint64_t *ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	char *end;

	if (strcmp(s, "max") == 0) {
		*ret = WIRT_UNLIMITED;
		return 0;
	}
	errno = 0;
	if (s[0] >= '0' && s[0] <= '9') {
		*ret = strtoull(s, &end, 10);
		if (errno == 0 && !*end && *ret != WIRT_UNLIMITED)
			return 0;
	}
	return bad(p, err, "'%s' is not a number or 'max'", esc(s, shown, sizeof(shown)));
}

/* linux.resources.unified: the cgroup v2 files wirt sets itself; any other is refused
 * (writing a file the engine does not know of could undo what it set). */
static int parse_unified(json_t *v, struct jpath *p, struct wirt_resources *res,
			 struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *key, *s;
	uint64_t n, quota, period;
	size_t old;
	json_t *val;
	int r, used;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	json_object_foreach(v, key, val) {
		old = jp_mapkey(p, key);
		r = want_string(val, p, &s, err);
		if (r < 0)
			return r;
		if (strcmp(key, "memory.max") == 0 || strcmp(key, "memory.low") == 0 ||
		    strcmp(key, "memory.swap.max") == 0 || strcmp(key, "pids.max") == 0) {
			r = unified_u64(s, p, &n, err);
			if (r < 0)
				return r;
			if (strcmp(key, "memory.max") == 0 && n < WIRT_MEMORY_MIN)
				return bad(p, err, "%" PRIu64 " below wirt's minimum %llu", n,
					   WIRT_MEMORY_MIN);
			if (key[0] == 'p')
				res->pids = n ? n : WIRT_UNLIMITED;
			else if (strcmp(key, "memory.max") == 0)
				res->memory = n;
			else if (strcmp(key, "memory.low") == 0)
				res->memory_low = n == WIRT_UNLIMITED ? 0 : n;
			else
				res->swap = n;
		} else if (strcmp(key, "cpu.weight") == 0) {
			r = unified_u64(s, p, &n, err);
			if (r == 0 && (n < 1 || n > WEIGHT_MAX))
				r = bad(p, err, "'%s' out of range 1..10000",
					esc(s, shown, sizeof(shown)));
			if (r < 0)
				return r;
			res->cpu_weight = (uint32_t)n;
		} else if (strcmp(key, "cpu.max") == 0) {
			period = CPU_PERIOD_DEFAULT;
			used = 0;
			if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || s[3] == ' ')) {
				res->cpus_milli = 0;
				continue;
			}
			if (sscanf(s, "%" SCNu64 " %" SCNu64 "%n", &quota, &period, &used) < 1 ||
			    (used && s[used]) || quota == 0 || quota > INT64_MAX / 1000 ||
			    period < CPU_PERIOD_MIN || period > CPU_PERIOD_MAX ||
			    !(s[0] >= '0' && s[0] <= '9'))
				return bad(p, err, "'%s' is not 'QUOTA [PERIOD]' or 'max'",
					   esc(s, shown, sizeof(shown)));
			r = set_cpus_milli((int64_t)quota, (int64_t)period, p, res, err);
			if (r < 0)
				return r;
		} else if (strcmp(key, "cpuset.cpus") == 0) {
			r = parse_cpuset(s, p, res, err);
			if (r < 0)
				return r;
		} else {
			return bad(p, err, "not supported by wirt");
		}
		jp_pop(p, old);
	}
	return 0;
}

static int parse_resources(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			   struct wirt_error *err)
{
	struct wirt_resources *res = &s->spec.resources;
	int64_t pids;
	size_t old;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "devices", &old);
	if (f && (r = parse_device_rules(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "memory", &old);
	if (f && (r = parse_memory(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "cpu", &old);
	if (f && (r = parse_cpu(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "pids", &old);
	if (f) {
		r = want_object(f, p, err);
		if (r == 0)
			r = opt_int(f, p, "limit", INT64_MIN, INT64_MAX, 0, &pids, err);
		if (r < 0)
			return r;
		/* as runc: 0 leaves it unset, a negative value means "max" */
		res->pids = pids > 0 ? (uint64_t)pids : WIRT_UNLIMITED;
	}
	jp_pop(p, old);
	f = field(v, p, "blockIO", &old);
	if (f && (r = parse_blkio(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	r = refuse_nonempty(v, p, "hugepageLimits", err);
	if (r == 0)
		r = refuse(v, p, "rdma", err);
	if (r < 0)
		return r;
	f = field(v, p, "network", &old);
	if (f) {
		r = want_object(f, p, err);
		if (r == 0)
			r = refuse(f, p, "classID", err);
		if (r == 0)
			r = refuse_nonempty(f, p, "priorities", err);
		if (r < 0)
			return r;
	}
	jp_pop(p, old);
	f = field(v, p, "unified", &old);
	if (f && (r = parse_unified(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	return 0;
}

/* ---- linux.seccomp ---- */

static int parse_errno_ret(json_t *obj, struct jpath *p, const char *key, bool *has,
			   uint32_t *ret, struct wirt_error *err)
{
	int64_t n;
	int r = opt_int(obj, p, key, 0, ERRNO_MAX, -1, &n, err);

	if (r == 0 && n >= 0) {
		*has = true;
		*ret = (uint32_t)n;
	}
	return r;
}

static int parse_seccomp_arg(json_t *v, struct jpath *p, struct wirt_oci_seccomp_arg *a,
			     struct wirt_error *err)
{
	int64_t index, value, value_two;
	size_t old;
	json_t *f;
	int r, op;

	r = want_object(v, p, err);
	if (r == 0)
		r = opt_int(v, p, "index", 0, 5, -1, &index, err);
	if (r == 0 && index < 0) {
		jp_key(p, "index");
		r = bad(p, err, "missing");
	}
	/* jansson reads integers as int64: values past INT64_MAX do not parse */
	if (r == 0)
		r = opt_int(v, p, "value", 0, INT64_MAX, -1, &value, err);
	if (r == 0 && value < 0) {
		jp_key(p, "value");
		r = bad(p, err, "missing");
	}
	if (r == 0)
		r = opt_int(v, p, "valueTwo", 0, INT64_MAX, 0, &value_two, err);
	if (r < 0)
		return r;
	f = field(v, p, "op", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_enum(f, p, scmp_ops, ARRAY_SIZE(scmp_ops), "seccomp operator", &op, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	a->index = (unsigned)index;
	a->value = (uint64_t)value;
	a->value_two = (uint64_t)value_two;
	a->op = (enum wirt_oci_seccomp_op)op;
	return 0;
}

/* errnoRet goes with the actions that return a value to the caller. */
static int check_errno_ret(bool has, int action, const struct jpath *p, const char *key,
			   struct wirt_error *err)
{
	struct jpath at = *p;

	if (!has || action == WIRT_OCI_SCMP_ERRNO || action == WIRT_OCI_SCMP_TRACE)
		return 0;
	jp_key(&at, key);
	return bad(&at, err, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
}

static int parse_seccomp_rule(json_t *v, struct jpath *p, struct wirt_oci_seccomp_rule *rule,
			      struct wirt_error *err)
{
	size_t old, old2, n;
	json_t *f;
	int r, action;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "names", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_strv(f, p, false, &rule->names, err);
	if (r < 0)
		return r;
	if (rule->names.n == 0)
		return bad(p, err, "empty");
	for (size_t i = 0; i < rule->names.n; i++) {
		if (!rule->names.v[i][0]) {
			jp_index(p, i);
			return bad(p, err, "empty");
		}
	}
	jp_pop(p, old);
	f = field(v, p, "action", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_enum(f, p, scmp_actions, ARRAY_SIZE(scmp_actions), "seccomp action", &action,
		      err);
	if (r < 0)
		return r;
	rule->action = (enum wirt_oci_seccomp_action)action;
	jp_pop(p, old);
	r = parse_errno_ret(v, p, "errnoRet", &rule->has_errno_ret, &rule->errno_ret, err);
	if (r == 0)
		r = check_errno_ret(rule->has_errno_ret, action, p, "errnoRet", err);
	if (r < 0)
		return r;
	f = field(v, p, "args", &old);
	if (f) {
		r = want_array(f, p, err);
		if (r < 0)
			return r;
		n = json_array_size(f);
		rule->args = calloc(n + 1, sizeof(*rule->args));
		if (!rule->args)
			return nomem(err);
		for (size_t i = 0; i < n; i++) {
			old2 = jp_index(p, i);
			r = parse_seccomp_arg(json_array_get(f, i), p, &rule->args[i], err);
			if (r < 0)
				return r;
			rule->n_args++;
			jp_pop(p, old2);
		}
	}
	jp_pop(p, old);
	return 0;
}

static int parse_seccomp(json_t *v, struct jpath *p, struct wirt_oci_seccomp *sc,
			 struct wirt_error *err)
{
	size_t old, old2, n;
	json_t *f;
	int r, action, k;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "defaultAction", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_enum(f, p, scmp_actions, ARRAY_SIZE(scmp_actions), "seccomp action", &action,
		      err);
	if (r < 0)
		return r;
	if (action == WIRT_OCI_SCMP_NOTIFY) /* the kernel cannot notify about every call */
		return bad(p, err, "SCMP_ACT_NOTIFY cannot be the default action");
	sc->default_action = (enum wirt_oci_seccomp_action)action;
	jp_pop(p, old);
	r = parse_errno_ret(v, p, "defaultErrnoRet", &sc->has_default_errno_ret,
			    &sc->default_errno_ret, err);
	if (r == 0)
		r = check_errno_ret(sc->has_default_errno_ret, action, p, "defaultErrnoRet", err);
	if (r < 0)
		return r;

	f = field(v, p, "architectures", &old);
	if (f && (r = want_strv(f, p, false, &sc->architectures, err)) < 0)
		return r;
	for (size_t i = 0; i < sc->architectures.n; i++) {
		old2 = jp_index(p, i);
		r = want_enum(json_array_get(f, i), p, scmp_arches, ARRAY_SIZE(scmp_arches),
			      "architecture", &k, err);
		if (r < 0)
			return r;
		jp_pop(p, old2);
	}
	jp_pop(p, old);
	f = field(v, p, "flags", &old);
	if (f && (r = want_strv(f, p, false, &sc->flags, err)) < 0)
		return r;
	for (size_t i = 0; i < sc->flags.n; i++) {
		old2 = jp_index(p, i);
		r = want_enum(json_array_get(f, i), p, scmp_flags, ARRAY_SIZE(scmp_flags),
			      "seccomp flag", &k, err);
		if (r < 0)
			return r;
		jp_pop(p, old2);
	}
	jp_pop(p, old);
	f = field(v, p, "listenerPath", &old);
	if (f && (r = want_absolute(f, p, &sc->listener_path, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "listenerMetadata", &old);
	if (f && (r = dup_string(f, p, &sc->listener_metadata, err)) < 0)
		return r;
	jp_pop(p, old);

	f = field(v, p, "syscalls", &old);
	if (f) {
		r = want_array(f, p, err);
		if (r < 0)
			return r;
		n = json_array_size(f);
		sc->rules = calloc(n + 1, sizeof(*sc->rules));
		if (!sc->rules)
			return nomem(err);
		for (size_t i = 0; i < n; i++) {
			old2 = jp_index(p, i);
			sc->n_rules++;
			r = parse_seccomp_rule(json_array_get(f, i), p, &sc->rules[i], err);
			if (r < 0)
				return r;
			if (sc->rules[i].action == WIRT_OCI_SCMP_NOTIFY && !sc->listener_path) {
				jp_key(p, "action");
				return bad(p, err, "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
			}
			jp_pop(p, old2);
		}
	}
	jp_pop(p, old);
	return 0;
}

/* ---- linux: the rest ---- */

static int parse_personality(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			     struct wirt_error *err)
{
	static const char *const domains[] = { "LINUX", "LINUX32" };
	size_t old;
	json_t *f;
	int r, d;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "domain", &old);
	if (!f)
		return bad(p, err, "missing");
	r = want_enum(f, p, domains, ARRAY_SIZE(domains), "personality domain", &d, err);
	if (r < 0)
		return r;
	s->personality_domain = strdup(domains[d]);
	if (!s->personality_domain)
		return nomem(err);
	jp_pop(p, old);
	f = field(v, p, "flags", &old);
	if (f && (r = want_strv(f, p, false, &s->personality_flags, err)) < 0)
		return r;
	jp_pop(p, old);
	s->has_personality = true;
	return 0;
}

static int parse_time_offsets(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			      struct wirt_error *err)
{
	static const char *const clocks[] = { "monotonic", "boottime" };
	int64_t nsec;
	size_t old;
	json_t *f;
	int r;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		f = field(v, p, clocks[i], &old);
		if (f) {
			r = want_object(f, p, err);
			if (r == 0)
				r = opt_int(f, p, "secs", INT64_MIN, INT64_MAX, 0,
					    &s->time_offset_secs[i], err);
			if (r == 0)
				r = opt_int(f, p, "nanosecs", 0, 999999999, 0, &nsec, err);
			if (r < 0)
				return r;
			s->time_offset_nanosecs[i] = (uint32_t)nsec;
			s->has_time_offsets[i] = true;
		}
		jp_pop(p, old);
	}
	if ((s->has_time_offsets[0] || s->has_time_offsets[1]) && !find_ns(s, WIRT_OCI_NS_TIME))
		return bad(p, err, "needs a time namespace");
	return 0;
}

static int parse_linux(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
		       struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const struct wirt_oci_namespace *user;
	size_t old;
	json_t *f;
	int r, k;

	r = want_object(v, p, err);
	if (r < 0)
		return r;
	f = field(v, p, "namespaces", &old);
	if (f && (r = parse_namespaces(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);

	user = find_ns(s, WIRT_OCI_NS_USER);
	f = field(v, p, "uidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &s->n_uid_mappings, &s->uid_mappings, err)) < 0)
		return r;
	if (s->n_uid_mappings && (!user || user->path))
		return bad(p, err, "needs a new user namespace");
	jp_pop(p, old);
	f = field(v, p, "gidMappings", &old);
	if (f && (r = parse_idmaps(f, p, &s->n_gid_mappings, &s->gid_mappings, err)) < 0)
		return r;
	if (s->n_gid_mappings && (!user || user->path))
		return bad(p, err, "needs a new user namespace");
	jp_pop(p, old);

	f = field(v, p, "devices", &old);
	if (f && (r = parse_devices(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "resources", &old);
	if (f && (r = parse_resources(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "cgroupsPath", &old);
	if (f && (r = dup_string(f, p, &s->cgroups_path, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "sysctl", &old);
	if (f && (r = want_map(f, p, &s->sysctl, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "seccomp", &old);
	if (f) {
		s->has_seccomp = true;
		r = parse_seccomp(f, p, &s->seccomp, err);
		if (r < 0)
			return r;
	}
	jp_pop(p, old);
	f = field(v, p, "maskedPaths", &old);
	if (f && (r = want_strv(f, p, true, &s->masked_paths, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "readonlyPaths", &old);
	if (f && (r = want_strv(f, p, true, &s->readonly_paths, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "rootfsPropagation", &old);
	if (f) {
		r = dup_string(f, p, &s->rootfs_propagation, err);
		if (r < 0)
			return r;
		k = lookup(propagations, ARRAY_SIZE(propagations), s->rootfs_propagation);
		if (k < 0)
			return bad(p, err, "unknown propagation '%s'",
				   esc(s->rootfs_propagation, shown, sizeof(shown)));
	}
	jp_pop(p, old);
	f = field(v, p, "mountLabel", &old);
	if (f && (r = dup_string(f, p, &s->mount_label, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "personality", &old);
	if (f && (r = parse_personality(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = field(v, p, "timeOffsets", &old);
	if (f && (r = parse_time_offsets(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	r = refuse(v, p, "intelRdt", err);
	if (r == 0)
		r = refuse(v, p, "memoryPolicy", err);
	if (r == 0)
		r = refuse(v, p, "netDevices", err);
	return r;
}

/* ---- the document ---- */

static int parse_hostname(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			  struct wirt_error *err)
{
	const char *name;
	int r = want_string(v, p, &name, err);

	if (r < 0)
		return r;
	if (!name[0]) /* the spec's "not set" */
		return 0;
	r = wirt_hostname_validate(name, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s", p->buf);
	memcpy(s->spec.hostname, name, strlen(name) + 1); /* validated: fits */
	return 0;
}

static int parse_document(json_t *root, struct wirt_oci_spec *s, struct wirt_error *err)
{
	struct jpath p = { .len = 0 };
	const char *version;
	size_t old;
	json_t *f;
	int r;

	r = want_object(root, &p, err);
	if (r < 0)
		return r;
	f = field(root, &p, "ociVersion", &old);
	if (!f)
		return bad(&p, err, "missing");
	r = dup_string(f, &p, &s->oci_version, err);
	if (r < 0)
		return r;
	version = s->oci_version;
	if (strncmp(version, "1.", 2) != 0) {
		char shown[WIRT_ESCAPE_MAX];

		return bad(&p, err, "unsupported version '%s' (wirt reads 1.x)",
			   esc(version, shown, sizeof(shown)));
	}
	jp_pop(&p, old);
	f = field(root, &p, "root", &old);
	if (!f)
		return bad(&p, err, "missing");
	r = parse_root(f, &p, s, err);
	if (r < 0)
		return r;
	jp_pop(&p, old);
	f = field(root, &p, "process", &old);
	if (f) {
		s->has_process = true;
		r = parse_process(f, &p, &s->process, err);
		if (r < 0)
			return r;
	}
	jp_pop(&p, old);
	f = field(root, &p, "mounts", &old);
	if (f && (r = parse_mounts(f, &p, s, err)) < 0)
		return r;
	jp_pop(&p, old);
	f = field(root, &p, "hooks", &old);
	if (f && (r = parse_hooks(f, &p, s, err)) < 0)
		return r;
	jp_pop(&p, old);
	f = field(root, &p, "annotations", &old);
	if (f && (r = want_map(f, &p, &s->annotations, err)) < 0)
		return r;
	jp_pop(&p, old);
	/* linux before hostname: a hostname needs a UTS namespace */
	f = field(root, &p, "linux", &old);
	if (f && (r = parse_linux(f, &p, s, err)) < 0)
		return r;
	jp_pop(&p, old);
	f = field(root, &p, "hostname", &old);
	if (f && (r = parse_hostname(f, &p, s, err)) < 0)
		return r;
	if (s->spec.hostname[0] && !find_ns(s, WIRT_OCI_NS_UTS))
		return bad(&p, err, "needs a uts namespace");
	jp_pop(&p, old);
	f = field(root, &p, "domainname", &old);
	if (f && (r = dup_string(f, &p, &s->domainname, err)) < 0)
		return r;
	if (s->domainname && s->domainname[0]) {
		r = wirt_hostname_validate(s->domainname, err);
		if (r < 0)
			return wirt_error_prefix(err, "%s", p.buf);
		if (!find_ns(s, WIRT_OCI_NS_UTS))
			return bad(&p, err, "needs a uts namespace");
	}
	jp_pop(&p, old);
	return 0;
}

int wirt_oci_config_parse(const char *data, size_t size, struct wirt_oci_spec *ret,
			  struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX * 2];
	json_error_t jerr;
	json_t *root;
	int r;

	memset(ret, 0, sizeof(*ret));
	wirt_spec_init(&ret->spec, "");
	if (size > WIRT_OCI_CONFIG_MAX)
		return wirt_error_invalid(err, "config.json: larger than %u bytes",
					  WIRT_OCI_CONFIG_MAX);
	/* Duplicate keys are refused: two readers could take different ones. */
	root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return wirt_error_invalid(err, "config.json: line %d column %d: %s", jerr.line,
					  jerr.column, esc(jerr.text, shown, sizeof(shown)));
	r = parse_document(root, ret, err);
	json_decref(root);
	return r;
}

int wirt_oci_config_load(const char *path, struct wirt_oci_spec *ret, struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int r;

	memset(ret, 0, sizeof(*ret));
	wirt_spec_init(&ret->spec, "");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '%s'", path);
	buf = malloc(WIRT_OCI_CONFIG_MAX + 1);
	if (!buf)
		return nomem(err);
	for (;;) {
		n = read(fd, buf + len, WIRT_OCI_CONFIG_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wirt_errorf(err, errno, "read '%s'", path);
		if (n == 0 || len + (size_t)n > WIRT_OCI_CONFIG_MAX) {
			len += (size_t)n;
			break;
		}
		len += (size_t)n;
	}
	r = wirt_oci_config_parse(buf, len, ret, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s", path);
	return 0;
}

static void idmaps_free(struct wirt_oci_idmap **m, size_t *n)
{
	free(*m);
	*m = NULL;
	*n = 0;
}

void wirt_oci_spec_free(struct wirt_oci_spec *s)
{
	struct wirt_oci_process *proc = &s->process;

	free(s->oci_version);
	free(s->root_path);
	free(proc->additional_gids);
	strv_free(&proc->args);
	strv_free(&proc->env);
	free(proc->cwd);
	free(proc->rlimits);
	free(proc->apparmor_profile);
	free(proc->selinux_label);
	free(s->domainname);
	for (size_t i = 0; i < s->n_mounts; i++) {
		free(s->mounts[i].destination);
		free(s->mounts[i].type);
		free(s->mounts[i].source);
		strv_free(&s->mounts[i].options);
		idmaps_free(&s->mounts[i].uid_mappings, &s->mounts[i].n_uid_mappings);
		idmaps_free(&s->mounts[i].gid_mappings, &s->mounts[i].n_gid_mappings);
	}
	free(s->mounts);
	for (int k = 0; k < WIRT_OCI_HOOK_KINDS; k++) {
		for (size_t i = 0; i < s->hooks[k].n; i++) {
			free(s->hooks[k].v[i].path);
			strv_free(&s->hooks[k].v[i].args);
			strv_free(&s->hooks[k].v[i].env);
		}
		free(s->hooks[k].v);
	}
	map_free(&s->annotations);
	for (size_t i = 0; i < s->n_namespaces; i++)
		free(s->namespaces[i].path);
	idmaps_free(&s->uid_mappings, &s->n_uid_mappings);
	idmaps_free(&s->gid_mappings, &s->n_gid_mappings);
	for (size_t i = 0; i < s->n_devices; i++)
		free(s->devices[i].path);
	free(s->devices);
	free(s->device_rules);
	free(s->cgroups_path);
	map_free(&s->sysctl);
	strv_free(&s->seccomp.architectures);
	strv_free(&s->seccomp.flags);
	free(s->seccomp.listener_path);
	free(s->seccomp.listener_metadata);
	for (size_t i = 0; i < s->seccomp.n_rules; i++) {
		strv_free(&s->seccomp.rules[i].names);
		free(s->seccomp.rules[i].args);
	}
	free(s->seccomp.rules);
	strv_free(&s->masked_paths);
	strv_free(&s->readonly_paths);
	free(s->rootfs_propagation);
	free(s->mount_label);
	free(s->personality_domain);
	strv_free(&s->personality_flags);
	memset(s, 0, sizeof(*s));
	wirt_spec_init(&s->spec, "");
}
