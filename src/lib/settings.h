/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Changing a vServer's settings: `wirt set NAME KEY=VALUE...`. All assignments are
 * checked first; then, on a running vServer, the new resource limits are written to
 * its cgroup (live), and only when that worked is the config saved. A failure changes
 * nothing: neither the config nor the running limits.
 */
#ifndef WIRT_SETTINGS_H
#define WIRT_SETTINGS_H

#include <stddef.h>

#include "error.h"
#include "spec.h"

/* Applies "key=value" assignments (config keys: memory=512M, cpu-weight=200, ...) to
 * vServer 'name'. Takes the vServer's lock. */
int wirt_vserver_set(const char *root, const char *name, char *const *assignments, size_t n,
		     struct wirt_error *err);

/* Adds or removes a port forward (`wirt port add|delete`): saved in the config, and in
 * force at once on a running vServer. -EEXIST / -ENOENT for a port that is / is not
 * forwarded; -EADDRINUSE when another vServer forwards it. */
int wirt_vserver_port(const char *root, const char *name, const struct wirt_net_port *port,
		      bool add, struct wirt_error *err);

/* Checks resource values against this host: cpus not above its online CPUs, a cpuset
 * of CPUs it has, io-max devices that exist. Used by create, set and start. */
int wirt_resources_check_host(const struct wirt_resources *res, struct wirt_error *err);

#endif
