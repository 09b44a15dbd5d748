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
