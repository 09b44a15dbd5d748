/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct wirt_spec: the one in-memory description of a guest. Both front doors fill
 * it (the `wirt` CLI from a vServer's INI config, `wirt-oci` from config.json) and the
 * engine runs from it. Plain data, fixed-size: it is copied across fork() and clone().
 */
#ifndef WIRT_SPEC_H
#define WIRT_SPEC_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define WIRT_NAME_MAX 63     /* vServer and template names: fits a cgroup, a veth, a file */
#define WIRT_HOSTNAME_MAX 64 /* HOST_NAME_MAX */
#define WIRT_ID_COUNT 65536u /* host ids per vServer: a full 16-bit uid space inside */

struct wirt_spec {
	char name[WIRT_NAME_MAX + 1];
	char template_name[WIRT_NAME_MAX + 1];
	char hostname[WIRT_HOSTNAME_MAX + 1];
	uint32_t id_base;  /* first host uid/gid of the vServer's range; 0 = not allocated */
	uint32_t id_count; /* WIRT_ID_COUNT */
	bool autostart;	   /* started at boot by wirt-autostart.service */
	int stop_signal;   /* signal that asks PID 1 to power off; 0 = chosen by init type */
	unsigned stop_timeout; /* seconds `stop` waits before it kills; 0 = default */
};

#define WIRT_STOP_TIMEOUT_DEFAULT 30

/* Fills spec with the defaults for a vServer named 'name' (hostname = name). */
void wirt_spec_init(struct wirt_spec *spec, const char *name);

#endif
