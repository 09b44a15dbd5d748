/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small texts of wirt-oci's command line and config, parsed: container ids,
 * signal names, exec's UID[:GID], systemd's "slice:prefix:name" cgroup paths. Pure
 * functions of their input, fuzzed by tests/fuzz/fuzz-oci-names.c.
 */
#ifndef WIRT_OCI_NAMES_H
#define WIRT_OCI_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OCI_ID_MAX 1024

/* Checks a container id as runc does: letters, digits, '_', '+', '-', '.'; not "."
 * or "..". 0 or -EINVAL with the cause in err. */
int oci_id_check(const char *id, struct wirt_error *err);

/* A signal as runc's kill takes it: "KILL", "SIGKILL", "9", "RTMIN+3". -1: unknown. */
int oci_signal_parse(const char *s);

/* exec --user: "UID" or "UID:GID", decimal, each below 2^32 - 1. 0 or -EINVAL. */
int oci_user_parse(const char *s, uint32_t *ret_uid, uint32_t *ret_gid);

/* systemd's "slice:prefix:name" (NULL: system.slice, prefix wirt-oci, name 'id') as
 * the path systemd gives it, into buf. 0 or -EINVAL with the cause in err. */
int oci_systemd_cgroup_path(const char *cgpath, const char *id, char *buf, size_t size,
			    struct wirt_error *err);

#endif
