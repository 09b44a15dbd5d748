/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a guest process may do on top of its user namespace: a reduced capability
 * bounding set (caps.c) and a seccomp deny-list (seccomp.c). Both are applied in the
 * last steps before a guest process runs its program, for PID 1 and for `exec`.
 */
#ifndef WIRT_SECURITY_H
#define WIRT_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A list of strings: n entries, then a NULL, so v can go to execve as it is. */
struct wirt_strv {
	size_t n;
	char **v;
};

enum wirt_capset {
	WIRT_CAPSET_BOUNDING,
	WIRT_CAPSET_EFFECTIVE,
	WIRT_CAPSET_INHERITABLE,
	WIRT_CAPSET_PERMITTED,
	WIRT_CAPSET_AMBIENT,
	WIRT_CAPSETS,
};

enum wirt_scmp_action {
	WIRT_SCMP_KILL,
	WIRT_SCMP_KILL_PROCESS,
	WIRT_SCMP_KILL_THREAD,
	WIRT_SCMP_TRAP,
	WIRT_SCMP_ERRNO,
	WIRT_SCMP_TRACE,
	WIRT_SCMP_ALLOW,
	WIRT_SCMP_LOG,
	WIRT_SCMP_NOTIFY,
};

enum wirt_scmp_op {
	WIRT_SCMP_CMP_NE,
	WIRT_SCMP_CMP_LT,
	WIRT_SCMP_CMP_LE,
	WIRT_SCMP_CMP_EQ,
	WIRT_SCMP_CMP_GE,
	WIRT_SCMP_CMP_GT,
	WIRT_SCMP_CMP_MASKED_EQ,
};

struct wirt_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value, value_two;
	enum wirt_scmp_op op;
};

struct wirt_seccomp_rule {
	struct wirt_strv names; /* syscall names, at least one */
	enum wirt_scmp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	size_t n_args;
	struct wirt_seccomp_arg *args;
};

struct wirt_seccomp_profile {
	enum wirt_scmp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	struct wirt_strv architectures; /* "SCMP_ARCH_X86_64", ... */
	struct wirt_strv flags;	    /* "SECCOMP_FILTER_FLAG_LOG", ... */
	char *listener_path, *listener_metadata; /* NULL: not set */
	size_t n_rules;
	struct wirt_seccomp_rule *rules;
};

/* Drops the capabilities no guest needs from the bounding set (and the ambient and
 * inheritable sets). Call as root in the guest's user namespace. */
int wirt_caps_apply(struct wirt_error *err);

/* Loads the seccomp deny-list: the calls a guest never needs fail with EPERM (module
 * loading, kexec, open_by_handle_at, keyrings, bpf, perf, swap, clock setting, ...).
 * sysinfo(2) is passed to a listener (*ret_listener, a close-on-exec fd for
 * wirt_sysinfo_answer in sysinfo.h), which answers with the vServer's own memory and
 * uptime. */
int wirt_seccomp_apply(int *ret_listener, struct wirt_error *err);

/* Drops from the bounding set every capability not in 'bounding' (bit n = capability
 * n). Needs CAP_SETPCAP: call before leaving root. */
int wirt_caps_bound(uint64_t bounding, struct wirt_error *err);

/* Sets the effective, permitted and inheritable sets and raises the ambient ones, as
 * 'sets' (indexed by enum wirt_capset; the bounding entry is ignored) says. After a
 * change of uid made with PR_SET_KEEPCAPS, so that the permitted set survived it. */
int wirt_caps_set(const uint64_t sets[WIRT_CAPSETS], struct wirt_error *err);

/* The highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
unsigned wirt_caps_last(void);

/* Compiles a seccomp profile (an OCI config's linux.seccomp) with libseccomp and
 * loads it. 'nnp': also set no_new_privs (else the caller must hold CAP_SYS_ADMIN).
 * Syscalls this kernel or libseccomp does not know are skipped, as are rules whose
 * action is the default one. With SCMP_ACT_NOTIFY rules, *ret_listener is the
 * listener (close-on-exec), else -1. */
int wirt_seccomp_load_profile(const struct wirt_seccomp_profile *p, bool nnp, int *ret_listener,
			      struct wirt_error *err);

#endif
