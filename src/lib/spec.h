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

#define WIRT_NET_ADDRS_MAX 16	 /* addresses of one vServer */
#define WIRT_NET_RESOLVERS_MAX 3 /* nameservers: what glibc's resolver reads */
#define WIRT_IFNAME_MAX 15	 /* IFNAMSIZ - 1 */

enum wirt_net_mode {
	WIRT_NET_NONE,	  /* loopback only */
	WIRT_NET_ROUTED,  /* a veth, host routes to its addresses, no shared layer 2 */
	WIRT_NET_BRIDGED, /* a veth whose host end is a port of a bridge */
};

/* An IPv4 or IPv6 address with its prefix length, in network byte order. */
struct wirt_net_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t prefix;
	uint8_t addr[16];
};

/* Tenant policy: may the vServer talk to other vServers of the host? */
enum wirt_net_policy {
	WIRT_POLICY_ALLOW,
	WIRT_POLICY_DENY,
};

#define WIRT_NET_PORTS_MAX 32 /* port forwards of one vServer */

/* A port of the host's own addresses forwarded to the vServer (`wirt port add`). */
struct wirt_net_port {
	int proto; /* IPPROTO_TCP or IPPROTO_UDP */
	uint16_t host_port, guest_port;
};

/* The vServer's network (docs/network.md). Mode defaults to routed when it has
 * addresses, none otherwise. */
struct wirt_net {
	enum wirt_net_mode mode;
	bool mode_set; /* the config names the mode (else it follows the addresses) */
	enum wirt_net_policy policy;
	unsigned n_addrs;
	struct wirt_net_addr addrs[WIRT_NET_ADDRS_MAX];
	char bridge[WIRT_IFNAME_MAX + 1]; /* bridged: the bridge its veth joins */
	uint8_t mac[6];			  /* bridged: its MAC, stable across restarts */
	bool has_mac;
	bool has_gateway;
	struct wirt_net_addr gateway; /* bridged: the default route's gateway */
	unsigned n_resolvers;	      /* 0: /etc/resolv.conf is the guest's own */
	struct wirt_net_addr resolvers[WIRT_NET_RESOLVERS_MAX];
	unsigned n_ports;
	struct wirt_net_port ports[WIRT_NET_PORTS_MAX];
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
	uint64_t disk;	   /* bytes of its own disk (disk.h); 0 = none, the pool's space */
	struct wirt_net net;
};

#define WIRT_STOP_TIMEOUT_DEFAULT 30

/* Sets every resource knob to "not set". */
void wirt_resources_init(struct wirt_resources *res);

/* Fills spec with the defaults for a vServer named 'name' (hostname = name). */
void wirt_spec_init(struct wirt_spec *spec, const char *name);

#endif
