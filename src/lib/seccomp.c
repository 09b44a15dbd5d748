/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's seccomp filter: a deny-list, since a vServer runs a whole distribution
 * and an allow-list would break it with every new syscall. The calls listed are either
 * host-global (modules, kexec, swap, clocks, accounting), known escape or abuse vectors
 * (open_by_handle_at: the 2014 "shocker" escape; keyrings are not namespaced), or
 * kernel attack surface a guest does not need (bpf, perf_event_open, userfaultfd).
 */
#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>

#include "security.h"
#include "util.h"

static const char *const denied_syscalls[] = {
	"init_module",	   "finit_module",  "delete_module", "kexec_load",
	"kexec_file_load", "open_by_handle_at", "add_key",   "request_key",
	"keyctl",	   "bpf",	    "perf_event_open", "userfaultfd",
	"swapon",	   "swapoff",	    "acct",	     "settimeofday",
	"clock_settime",   "clock_adjtime", "adjtimex",	     "syslog",
	"iopl",		   "ioperm",	    "lookup_dcookie", "quotactl",
	"nfsservctl",	   "uselib",	    "vm86",	     "vm86old",
	"create_module",   "get_kernel_syms", "query_module", "fanotify_init",
};

int wirt_seccomp_apply(int *ret_listener, struct wirt_error *err)
{
	scmp_filter_ctx ctx;
	int r;

	*ret_listener = -1;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return wirt_errorf(err, ENOMEM, "create seccomp filter");
	/* sysinfo(2) answers with the host's RAM and uptime, and no namespace or lxcfs can
	 * change that (busybox's free and uptime ask it): the supervisor answers instead. */
	r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sysinfo), 0);
	if (r < 0) {
		seccomp_release(ctx);
		return wirt_errorf(err, -r, "seccomp rule for 'sysinfo'");
	}
	for (size_t i = 0; i < ARRAY_SIZE(denied_syscalls); i++) {
		int nr = seccomp_syscall_resolve_name(denied_syscalls[i]);

		if (nr == __NR_SCMP_ERROR)
			continue; /* not a call on this architecture */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (r < 0 && r != -EDOM) {
			seccomp_release(ctx);
			return wirt_errorf(err, -r, "seccomp rule for '%s'", denied_syscalls[i]);
		}
	}
	/* The filter outlives no_new_privs concerns: guest root has CAP_SYS_ADMIN in its
	 * own namespace, which is what seccomp(2) asks for; don't set NNP on PID 1, or
	 * setuid programs (su, sudo, ping) in the guest would stop working. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (r == 0)
		r = seccomp_load(ctx);
	if (r == 0) {
		*ret_listener = seccomp_notify_fd(ctx);
		if (*ret_listener < 0)
			r = *ret_listener;
	}
	seccomp_release(ctx);
	if (r < 0)
		return wirt_errorf(err, -r, "load seccomp filter");
	return 0;
}

/* ---- an OCI seccomp profile (wirt-oci) ---- */

static uint32_t profile_action(enum wirt_scmp_action a, bool has_errno, uint32_t errno_ret)
{
	switch (a) {
	case WIRT_SCMP_KILL:
	case WIRT_SCMP_KILL_THREAD:
		return SCMP_ACT_KILL_THREAD;
	case WIRT_SCMP_KILL_PROCESS:
		return SCMP_ACT_KILL_PROCESS;
	case WIRT_SCMP_TRAP:
		return SCMP_ACT_TRAP;
	case WIRT_SCMP_ERRNO:
		return SCMP_ACT_ERRNO(has_errno ? errno_ret : EPERM);
	case WIRT_SCMP_TRACE:
		return SCMP_ACT_TRACE(has_errno ? errno_ret : EPERM);
	case WIRT_SCMP_LOG:
		return SCMP_ACT_LOG;
	case WIRT_SCMP_NOTIFY:
		return SCMP_ACT_NOTIFY;
	case WIRT_SCMP_ALLOW:
		break;
	}
	return SCMP_ACT_ALLOW;
}

static const enum scmp_compare profile_ops[] = {
	[WIRT_SCMP_CMP_NE] = SCMP_CMP_NE, [WIRT_SCMP_CMP_LT] = SCMP_CMP_LT,
	[WIRT_SCMP_CMP_LE] = SCMP_CMP_LE, [WIRT_SCMP_CMP_EQ] = SCMP_CMP_EQ,
	[WIRT_SCMP_CMP_GE] = SCMP_CMP_GE, [WIRT_SCMP_CMP_GT] = SCMP_CMP_GT,
	[WIRT_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

static struct scmp_arg_cmp profile_arg(const struct wirt_seccomp_arg *a)
{
	struct scmp_arg_cmp c = {
		.arg = a->index, .op = profile_ops[a->op], .datum_a = a->value, .datum_b = a->value_two,
	};
	return c;
}

/* One syscall of a rule. Args as runc reads them: conditions on distinct arguments
 * must all hold (one rule); several conditions on the same argument are alternatives
 * (one rule each), since one rule cannot test an argument twice. */
static int profile_add_call(scmp_filter_ctx ctx, uint32_t act, int nr,
			    const struct wirt_seccomp_rule *rule)
{
	struct scmp_arg_cmp c[6];
	unsigned seen = 0;
	bool alternatives = false;
	int r;

	if (rule->n_args == 0)
		return seccomp_rule_add(ctx, act, nr, 0);
	for (size_t i = 0; i < rule->n_args; i++) {
		if (seen & (1u << rule->args[i].index))
			alternatives = true;
		seen |= 1u << rule->args[i].index;
	}
	if (alternatives || rule->n_args > 6) {
		for (size_t i = 0; i < rule->n_args; i++) {
			c[0] = profile_arg(&rule->args[i]);
			r = seccomp_rule_add_array(ctx, act, nr, 1, c);
			if (r < 0)
				return r;
		}
		return 0;
	}
	for (size_t i = 0; i < rule->n_args; i++)
		c[i] = profile_arg(&rule->args[i]);
	return seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, c);
}

static int profile_flags(scmp_filter_ctx ctx, const struct wirt_strv *flags)
{
	for (size_t i = 0; i < flags->n; i++) {
		int r = 0;

		if (strcmp(flags->v[i], "SECCOMP_FILTER_FLAG_LOG") == 0)
			r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
		else if (strcmp(flags->v[i], "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
			r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
		else if (strcmp(flags->v[i], "SECCOMP_FILTER_FLAG_TSYNC") == 0)
			r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
		/* WAIT_KILLABLE_RECV: libseccomp 2.5 cannot ask for it; it only changes how a
		 * notified call waits, so the filter holds without it. */
		if (r < 0)
			return r;
	}
	return 0;
}

int wirt_seccomp_load_profile(const struct wirt_seccomp_profile *p, bool nnp, int *ret_listener,
			      struct wirt_error *err)
{
	uint32_t def = profile_action(p->default_action, p->has_default_errno_ret,
				      p->default_errno_ret);
	bool notify = false;
	scmp_filter_ctx ctx;
	int r = 0;

	*ret_listener = -1;
	ctx = seccomp_init(def);
	if (!ctx)
		return wirt_errorf(err, EINVAL, "create seccomp filter");
	for (size_t i = 0; r == 0 && i < p->architectures.n; i++) {
		/* "SCMP_ARCH_X86_64" -> "x86_64" as libseccomp names it. */
		char name[32];
		size_t k = 0;

		for (const char *s = p->architectures.v[i] + 10; *s && k < sizeof(name) - 1; s++)
			name[k++] = (char)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s);
		name[k] = '\0';
		uint32_t arch = seccomp_arch_resolve_name(name);
		if (arch == 0)
			continue; /* an architecture this libseccomp lacks: nothing runs as it */
		r = seccomp_arch_add(ctx, arch);
		if (r == -EEXIST)
			r = 0;
	}
	if (r == 0)
		r = profile_flags(ctx, &p->flags);
	for (size_t i = 0; r == 0 && i < p->n_rules; i++) {
		const struct wirt_seccomp_rule *rule = &p->rules[i];
		uint32_t act = profile_action(rule->action, rule->has_errno_ret, rule->errno_ret);

		if (act == def)
			continue; /* libseccomp refuses it, and it changes nothing */
		notify |= rule->action == WIRT_SCMP_NOTIFY;
		for (size_t n = 0; r == 0 && n < rule->names.n; n++) {
			int nr = seccomp_syscall_resolve_name(rule->names.v[n]);

			if (nr == __NR_SCMP_ERROR)
				continue; /* a call this kernel or libseccomp does not know */
			r = profile_add_call(ctx, act, nr, rule);
			if (r == -EDOM || r == -EEXIST)
				r = 0; /* not on this architecture / already there */
			if (r < 0)
				wirt_errorf(err, -r, "seccomp rule %zu for '%s'", i, rule->names.v[n]);
		}
		if (r < 0) {
			seccomp_release(ctx);
			return r;
		}
	}
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, nnp ? 1 : 0);
	if (r == 0)
		r = seccomp_load(ctx);
	if (r == 0 && notify) {
		*ret_listener = seccomp_notify_fd(ctx);
		if (*ret_listener < 0)
			r = *ret_listener;
	}
	seccomp_release(ctx);
	if (r < 0)
		return wirt_errorf(err, -r, "load seccomp profile");
	return 0;
}
