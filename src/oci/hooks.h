/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OCI hooks (runtime-spec config.md "POSIX-platform Hooks"): each hook is run with its
 * args and env, the container's state JSON on stdin, and its timeout; a failing hook
 * fails the step that runs it (create, start) except poststart and poststop, whose
 * failures are only logged, as the spec says. Its output is kept for the error.
 */
#ifndef WIRT_OCI_HOOKS_H
#define WIRT_OCI_HOOKS_H

#include "config.h"
#include "error.h"

/* Runs the hooks of 'kind' in order with 'state' (JSON text) on stdin; stops at the
 * first failure: "<kind> hook '<path>': exit status 3: <its first output line>". */
int oci_hooks_run(const struct wirt_oci_spec *s, enum wirt_oci_hook_kind kind,
		  const char *state, struct wirt_error *err);

#endif
