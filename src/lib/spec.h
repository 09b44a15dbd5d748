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

#define WIRT_CPUSET_MAX 128
#define WIRT_IO_MAX_DEVICES 8
#define WIRT_UNLIMITED UINT64_MAX /* a limit that is not set ("max") */
/* The smallest memory limit accepted: what a busybox vServer (init, httpd) needs to
 * start and run a command, with a margin. bench/memory-floor.sh measured 0.9-1.1 MiB
 * with busybox in the page cache and up to 2.2 MiB without (bench/RESULTS.md 5). */
#define WIRT_MEMORY_MIN (3ull << 20)

/* One device's I/O bandwidth cap (io.max / blkio.throttle.*): 0 = no cap on that. */
struct wirt_io_max {
	unsigned major, minor;
	uint64_t rbps, wbps, riops, wiops;
};

/* What the vServer may use of the host. Zero / WIRT_UNLIMITED mean "not set": the
 * kernel's default applies (no limit, weight 100). cgroup.c maps each knob to v2 or
 * v1 files (docs/resources.md has the table and the cpu weight/shares mapping). */
struct wirt_resources {
	uint32_t cpu_weight;		/* 1..10000, share under contention; 0 = 100 */
	uint32_t cpus_milli;		/* hard cap, thousandths of a CPU; 0 = none */
	char cpuset[WIRT_CPUSET_MAX];	/* "0-3,6"; "" = every CPU */
	uint64_t memory;		/* hard limit in bytes; WIRT_UNLIMITED = none */
	uint64_t memory_low;		/* guaranteed bytes; 0 = none */
	uint64_t swap;			/* swap on top of memory; WIRT_UNLIMITED = any */
	uint64_t pids;			/* max tasks; WIRT_UNLIMITED = none */
	uint32_t io_weight;		/* 1..10000; 0 = 100 */
	unsigned io_max_n;
	struct wirt_io_max io_max[WIRT_IO_MAX_DEVICES];
};

struct wirt_spec {
	char name[WIRT_NAME_MAX + 1];
	char template_name[WIRT_NAME_MAX + 1];
	char hostname[WIRT_HOSTNAME_MAX + 1];
	uint32_t id_base;  /* first host uid/gid of the vServer's range; 0 = not allocated */
	uint32_t id_count; /* WIRT_ID_COUNT */
	bool autostart;	   /* started at boot by wirt-autostart.service */
	int stop_signal;   /* signal that asks PID 1 to power off; 0 = chosen by init type */
	unsigned stop_timeout; /* seconds `stop` waits before it kills; 0 = default */
	struct wirt_resources resources;
};

#define WIRT_STOP_TIMEOUT_DEFAULT 30

/* Sets every resource knob to "not set". */
void wirt_resources_init(struct wirt_resources *res);

/* Fills spec with the defaults for a vServer named 'name' (hostname = name). */
void wirt_spec_init(struct wirt_spec *spec, const char *name);

#endif
