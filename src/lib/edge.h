/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The edge: one HAProxy per root dir on the host's public addresses, shared by the
 * vServers' domains (docs/edge.md). Its configuration is generated from the domains
 * (domain.h) and the vServers' addresses, into a new directory
 * <root>/edge/gen/<n>/ that `haproxy -c` must accept before <root>/edge/current points
 * to it; the running HAProxy (master-worker: old workers finish their connections)
 * then reloads. A broken generation never replaces a working one. ACME's HTTP-01
 * answers live in <root>/edge/acme.map, changed at run time through the admin socket
 * without a reload.
 */
#ifndef WIRT_EDGE_H
#define WIRT_EDGE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "hostconf.h"

#define WIRT_HAPROXY "/usr/sbin/haproxy"

/* Generates, checks and applies the configuration; starts HAProxy when it is not
 * running, reloads it when it is, and returns once the new worker serves; with no
 * domain left it stops HAProxy. The caller holds wirt_edge_lock(). */
int wirt_edge_apply(const char *root, const struct wirt_hostconf *hc, struct wirt_error *err);

/* Stops HAProxy (its connections end); the configuration stays. */
int wirt_edge_stop(const char *root, struct wirt_error *err);

struct wirt_edge_status {
	bool running;
	pid_t pid; /* HAProxy's master */
	char config[256]; /* the configuration in use */
};

int wirt_edge_status(const char *root, struct wirt_edge_status *st, struct wirt_error *err);

/* Serves 'auth' at /.well-known/acme-challenge/'token' on port 80 (auth NULL: stops). */
int wirt_edge_challenge(const char *root, const char *token, const char *auth,
			struct wirt_error *err);

#endif
