/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json's linux.seccomp: the OCI seccomp profile as plain data (names of
 * actions, operators, architectures and flags checked against libseccomp's), for the
 * engine to compile later. Syscall names are kept as written: a profile may name calls
 * this kernel lacks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"

#define ERRNO_MAX 4095 /* MAX_ERRNO: what a seccomp filter can return */

static const char *const scmp_actions[] = {
	[WIRT_SCMP_KILL] = "SCMP_ACT_KILL",
	[WIRT_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
	[WIRT_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
	[WIRT_SCMP_TRAP] = "SCMP_ACT_TRAP",
	[WIRT_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
	[WIRT_SCMP_TRACE] = "SCMP_ACT_TRACE",
	[WIRT_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
	[WIRT_SCMP_LOG] = "SCMP_ACT_LOG",
	[WIRT_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const scmp_ops[] = {
	[WIRT_SCMP_CMP_NE] = "SCMP_CMP_NE", [WIRT_SCMP_CMP_LT] = "SCMP_CMP_LT",
	[WIRT_SCMP_CMP_LE] = "SCMP_CMP_LE", [WIRT_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
	[WIRT_SCMP_CMP_GE] = "SCMP_CMP_GE", [WIRT_SCMP_CMP_GT] = "SCMP_CMP_GT",
	[WIRT_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
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

static int parse_errno_ret(json_t *obj, struct jpath *p, const char *key, bool *has,
			   uint32_t *ret, struct wirt_error *err)
{
	int64_t n;
	int r = jp_opt_int(obj, p, key, 0, ERRNO_MAX, -1, &n, err);

	if (r == 0 && n >= 0) {
		*has = true;
		*ret = (uint32_t)n;
	}
	return r;
}

static int parse_seccomp_arg(json_t *v, struct jpath *p, struct wirt_seccomp_arg *a,
			     struct wirt_error *err)
{
	bool has_value, has_two;
	int64_t index;
	size_t old;
	json_t *f;
	int r, op;

	r = jp_want_object(v, p, err);
	if (r == 0)
		r = jp_opt_int(v, p, "index", 0, 5, -1, &index, err);
	if (r == 0 && index < 0) {
		jp_key(p, "index");
		r = jp_bad(p, err, "missing");
	}
	if (r == 0)
		r = jp_opt_u64(v, p, "value", &has_value, &a->value, err);
	if (r == 0 && !has_value) {
		jp_key(p, "value");
		r = jp_bad(p, err, "missing");
	}
	if (r == 0)
		r = jp_opt_u64(v, p, "valueTwo", &has_two, &a->value_two, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "op", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_enum(f, p, scmp_ops, ARRAY_SIZE(scmp_ops), "seccomp operator", &op, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	a->index = (unsigned)index;
	a->op = (enum wirt_scmp_op)op;
	return 0;
}

/* errnoRet goes with the actions that return a value to the caller. */
static int check_errno_ret(bool has, int action, const struct jpath *p, const char *key,
			   struct wirt_error *err)
{
	struct jpath at = *p;

	if (!has || action == WIRT_SCMP_ERRNO || action == WIRT_SCMP_TRACE)
		return 0;
	jp_key(&at, key);
	return jp_bad(&at, err, "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
}

static int parse_seccomp_rule(json_t *v, struct jpath *p, struct wirt_seccomp_rule *rule,
			      struct wirt_error *err)
{
	size_t old, old2, n;
	json_t *f;
	int r, action;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "names", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_strv(f, p, false, &rule->names, err);
	if (r < 0)
		return r;
	if (rule->names.n == 0)
		return jp_bad(p, err, "empty");
	for (size_t i = 0; i < rule->names.n; i++) {
		if (!rule->names.v[i][0]) {
			jp_index(p, i);
			return jp_bad(p, err, "empty");
		}
	}
	jp_pop(p, old);
	f = jp_field(v, p, "action", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_enum(f, p, scmp_actions, ARRAY_SIZE(scmp_actions), "seccomp action", &action,
			 err);
	if (r < 0)
		return r;
	rule->action = (enum wirt_scmp_action)action;
	jp_pop(p, old);
	r = parse_errno_ret(v, p, "errnoRet", &rule->has_errno_ret, &rule->errno_ret, err);
	if (r == 0)
		r = check_errno_ret(rule->has_errno_ret, action, p, "errnoRet", err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "args", &old);
	if (f) {
		r = jp_want_array(f, p, err);
		if (r < 0)
			return r;
		n = json_array_size(f);
		rule->args = calloc(n + 1, sizeof(*rule->args));
		if (!rule->args)
			return jp_nomem(err);
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

int wirt_oci_seccomp_parse(json_t *v, struct jpath *p, struct wirt_seccomp_profile *sc,
			   struct wirt_error *err)
{
	size_t old, old2, n;
	json_t *f;
	int r, action, k;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "defaultAction", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_enum(f, p, scmp_actions, ARRAY_SIZE(scmp_actions), "seccomp action", &action,
			 err);
	if (r < 0)
		return r;
	if (action == WIRT_SCMP_NOTIFY) /* the kernel cannot notify about every call */
		return jp_bad(p, err, "SCMP_ACT_NOTIFY cannot be the default action");
	sc->default_action = (enum wirt_scmp_action)action;
	jp_pop(p, old);
	r = parse_errno_ret(v, p, "defaultErrnoRet", &sc->has_default_errno_ret,
			    &sc->default_errno_ret, err);
	if (r == 0)
		r = check_errno_ret(sc->has_default_errno_ret, action, p, "defaultErrnoRet", err);
	if (r < 0)
		return r;

	f = jp_field(v, p, "architectures", &old);
	if (f && (r = jp_want_strv(f, p, false, &sc->architectures, err)) < 0)
		return r;
	for (size_t i = 0; i < sc->architectures.n; i++) {
		old2 = jp_index(p, i);
		r = jp_want_enum(json_array_get(f, i), p, scmp_arches, ARRAY_SIZE(scmp_arches),
				 "architecture", &k, err);
		if (r < 0)
			return r;
		jp_pop(p, old2);
	}
	jp_pop(p, old);
	f = jp_field(v, p, "flags", &old);
	if (f && (r = jp_want_strv(f, p, false, &sc->flags, err)) < 0)
		return r;
	for (size_t i = 0; i < sc->flags.n; i++) {
		old2 = jp_index(p, i);
		r = jp_want_enum(json_array_get(f, i), p, scmp_flags, ARRAY_SIZE(scmp_flags),
				 "seccomp flag", &k, err);
		if (r < 0)
			return r;
		jp_pop(p, old2);
	}
	jp_pop(p, old);
	f = jp_field(v, p, "listenerPath", &old);
	if (f && (r = jp_want_absolute(f, p, &sc->listener_path, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "listenerMetadata", &old);
	if (f && (r = jp_dup_string(f, p, &sc->listener_metadata, err)) < 0)
		return r;
	if (f && !sc->listener_path) /* "MUST NOT be set if listenerPath is not set" */
		return jp_bad(p, err, "needs linux.seccomp.listenerPath");
	jp_pop(p, old);

	f = jp_field(v, p, "syscalls", &old);
	if (f) {
		r = jp_want_array(f, p, err);
		if (r < 0)
			return r;
		n = json_array_size(f);
		sc->rules = calloc(n + 1, sizeof(*sc->rules));
		if (!sc->rules)
			return jp_nomem(err);
		for (size_t i = 0; i < n; i++) {
			old2 = jp_index(p, i);
			sc->n_rules++;
			r = parse_seccomp_rule(json_array_get(f, i), p, &sc->rules[i], err);
			if (r < 0)
				return r;
			if (sc->rules[i].action == WIRT_SCMP_NOTIFY && !sc->listener_path) {
				jp_key(p, "action");
				return jp_bad(p, err, "SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
			}
			jp_pop(p, old2);
		}
	}
	jp_pop(p, old);
	return 0;
}
