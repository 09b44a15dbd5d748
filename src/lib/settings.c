/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt set`: changing a stored vServer config key by key, and live on a running
 * vServer (see settings.h); and the checks of resource values against this host
 * (CPUs online, block devices present) that create, set and start share.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "domain.h"
#include "fsutil.h"
#include "netaddr.h"
#include "netpool.h"
#include "network.h"
#include "paths.h"
#include "disk.h"
#include "settings.h"
#include "util.h"
#include "validate.h"
#include "vserver.h"

/* CPU numbers in lists are below this (config.c refuses larger ones). */
#define SETTINGS_CPU_MAX 4096
#define CPU_ONLINE_PATH "/sys/devices/system/cpu/online"
#define CPU_BITS (8 * sizeof(unsigned long))

struct cpu_set_bits {
	unsigned long bits[SETTINGS_CPU_MAX / CPU_BITS];
};

static void cpu_bits_set(struct cpu_set_bits *set, unsigned cpu)
{
	set->bits[cpu / CPU_BITS] |= 1ul << (cpu % CPU_BITS);
}

static bool cpu_bits_test(const struct cpu_set_bits *set, unsigned cpu)
{
	return set->bits[cpu / CPU_BITS] & (1ul << (cpu % CPU_BITS));
}

/* The kernel's list syntax ("0-3,6", what cpuset.cpus and the online file hold) into
 * bits. CPUs at or above SETTINGS_CPU_MAX are left out. Returns false on bad syntax. */
static bool cpu_list_parse(const char *list, struct cpu_set_bits *set)
{
	const char *p = list;

	memset(set, 0, sizeof(*set));
	while (*p && *p != '\n') {
		unsigned long first, last;
		char *end;

		if (*p < '0' || *p > '9')
			return false;
		first = last = strtoul(p, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return false;
			last = strtoul(end + 1, &end, 10);
		}
		if (last < first || (*end && *end != ',' && *end != '\n'))
			return false;
		for (unsigned long c = first; c <= last && c < SETTINGS_CPU_MAX; c++)
			cpu_bits_set(set, (unsigned)c);
		p = *end == ',' ? end + 1 : end;
	}
	return true;
}

static int check_cpus(const struct wirt_resources *res, struct wirt_error *err)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	char text[32];

	if (online < 1)
		return wirt_errorf(err, errno ? errno : EIO, "[resources] cpus: count online CPUs");
	if (res->cpus_milli > (uint64_t)online * 1000)
		return wirt_error_invalid(err,
					  "[resources] cpus: must be at most %ld (the host's "
					  "online CPUs), not '%s'",
					  online, wirt_cpus_format(res->cpus_milli, text, sizeof(text)));
	return 0;
}

static int check_cpuset(const struct wirt_resources *res, struct wirt_error *err)
{
	struct cpu_set_bits online, wanted;
	char text[1024] = "";
	_cleanup_fclose_ FILE *f = NULL;

	if (!res->cpuset[0])
		return 0;
	f = fopen(CPU_ONLINE_PATH, "re");
	if (!f || !fgets(text, sizeof(text), f))
		return wirt_errorf(err, f ? EIO : errno, "[resources] cpuset: read '%s'",
				   CPU_ONLINE_PATH);
	if (!cpu_list_parse(text, &online))
		return wirt_error_invalid(err, "[resources] cpuset: cannot read '%s'",
					  CPU_ONLINE_PATH);
	text[strcspn(text, "\n")] = '\0';
	if (!cpu_list_parse(res->cpuset, &wanted))
		return wirt_error_invalid(err, "[resources] cpuset: invalid CPU list");
	for (unsigned c = 0; c < SETTINGS_CPU_MAX; c++)
		if (cpu_bits_test(&wanted, c) && !cpu_bits_test(&online, c))
			return wirt_error_invalid(err,
						  "[resources] cpuset: CPU %u is not online "
						  "(online: %s)",
						  c, text);
	return 0;
}

static int check_io_devices(const struct wirt_resources *res, struct wirt_error *err)
{
	for (unsigned i = 0; i < res->io_max_n && i < WIRT_IO_MAX_DEVICES; i++) {
		const struct wirt_io_max *io = &res->io_max[i];
		char path[64];
		struct stat st;

		/* The kernel's own index of block devices by number. */
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", io->major, io->minor);
		if (stat(path, &st) == 0)
			continue;
		if (errno == ENOENT)
			return wirt_error_invalid(err, "[resources] io-max: no block device %u:%u",
						  io->major, io->minor);
		return wirt_errorf(err, errno, "[resources] io-max: stat '%s'", path);
	}
	return 0;
}

/* cgroup v1 has no swap limit of its own: memory.memsw.limit_in_bytes caps memory +
 * swap, so a swap limit needs a memory limit to add to. v2's memory.swap.max does not. */
static int check_swap(const struct wirt_resources *res, struct wirt_error *err)
{
	if (res->swap != WIRT_UNLIMITED && res->memory == WIRT_UNLIMITED &&
	    wirt_cgroup_detect() == WIRT_CGROUP_V1)
		return wirt_error_invalid(err,
					  "[resources] swap: this host's cgroup v1 limits swap only "
					  "together with memory: set memory too");
	return 0;
}

int wirt_resources_check_host(const struct wirt_resources *res, struct wirt_error *err)
{
	int r;

	r = check_cpus(res, err);
	if (r == 0)
		r = check_cpuset(res, err);
	if (r == 0)
		r = check_io_devices(res, err);
	if (r == 0)
		r = check_swap(res, err);
	return r;
}

/* ---- wirt_vserver_set ---- */

/* "ip+=ADDR" and "ip-=ADDR": one address more or less (a whole new list is "ip=..."). */
static int set_ip_delta(struct wirt_spec *spec, const char *value, bool add, const char *shown,
			struct wirt_error *err)
{
	struct wirt_net *net = &spec->net;
	struct wirt_net_addr a;
	char text[WIRT_NETADDR_TEXT_MAX];
	int r, i;

	r = wirt_netaddr_parse(value, &a, err);
	if (r < 0)
		return wirt_error_prefix(err, "'%s'", shown);
	i = wirt_netaddr_find(net->addrs, net->n_addrs, &a);
	if (i >= 0) {
		if (add)
			return wirt_error_invalid(err, "'%s': the vServer has %s already", shown,
						  wirt_netaddr_str(&a, text));
		memmove(&net->addrs[i], &net->addrs[i + 1],
			(net->n_addrs - (unsigned)i - 1) * sizeof(net->addrs[0]));
		net->n_addrs--;
		if (!net->n_addrs && net->mode == WIRT_NET_ROUTED)
			net->mode = WIRT_NET_NONE; /* routed without addresses is no network */
		return 0;
	}
	if (!add)
		return wirt_error_invalid(err, "'%s': %s is not an address of the vServer", shown,
					  wirt_netaddr_str(&a, text));
	if (net->n_addrs >= WIRT_NET_ADDRS_MAX)
		return wirt_error_invalid(err, "'%s': more than %d addresses", shown,
					  WIRT_NET_ADDRS_MAX);
	net->addrs[net->n_addrs++] = a;
	if (net->mode == WIRT_NET_NONE)
		net->mode = WIRT_NET_ROUTED;
	return 0;
}

/* Applies one "key=value" (or "section.key=value") to spec. */
static int set_one(struct wirt_spec *spec, const char *assignment, struct wirt_error *err)
{
	char key[64], shown[WIRT_ESCAPE_MAX];
	const char *eq = strchr(assignment, '='), *dot, *section = NULL, *name = key;
	size_t len;
	int r;

	wirt_str_escape(assignment, shown, sizeof(shown));
	len = eq ? (size_t)(eq - assignment) : 0;
	if (!eq || len == 0)
		return wirt_error_invalid(err, "'%s': expected KEY=VALUE", shown);
	if (strncmp(assignment, "ip+=", 4) == 0 || strncmp(assignment, "network.ip+=", 12) == 0 ||
	    strncmp(assignment, "ip-=", 4) == 0 || strncmp(assignment, "network.ip-=", 12) == 0)
		return set_ip_delta(spec, eq + 1, eq[-1] == '+', shown, err);
	if (len >= sizeof(key))
		len = sizeof(key) - 1; /* no key is that long: reported as unknown */
	memcpy(key, assignment, len);
	key[len] = '\0';
	dot = strchr(key, '.');
	if (dot) { /* "ids.base": no key has a '.' of its own */
		key[dot - key] = '\0';
		section = key;
		name = dot + 1;
	}
	r = wirt_config_set_key(spec, section, name, eq + 1, err);
	if (r < 0)
		return wirt_error_prefix(err, "'%s'", shown);
	return 0;
}

/* The new settings: every assignment, then the whole spec's checks. */
static int settings_change(struct wirt_spec *spec, char *const *assignments, size_t n,
			   struct wirt_error *err)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		r = set_one(spec, assignments[i], err);
		if (r < 0)
			return r;
	}
	r = wirt_config_validate(spec, err);
	if (r < 0)
		return r;
	return wirt_resources_check_host(&spec->resources, err);
}

static bool resources_equal(const struct wirt_resources *a, const struct wirt_resources *b)
{
	if (a->cpu_weight != b->cpu_weight || a->cpus_milli != b->cpus_milli ||
	    strcmp(a->cpuset, b->cpuset) != 0 || a->memory != b->memory ||
	    a->memory_low != b->memory_low || a->swap != b->swap || a->pids != b->pids ||
	    a->io_weight != b->io_weight || a->io_max_n != b->io_max_n)
		return false;
	for (unsigned i = 0; i < a->io_max_n && i < WIRT_IO_MAX_DEVICES; i++)
		if (memcmp(&a->io_max[i], &b->io_max[i], sizeof(a->io_max[i])) != 0)
			return false;
	return true;
}

/* disk=SIZE: the image and its filesystem resized now. Only while the vServer is
 * stopped: growing a mounted ext4 needs CAP_SYS_RESOURCE (EXT4_IOC_RESIZE_FS), which
 * hosts like these lack, and shrinking needs it unmounted anyway. A disk is made at
 * create: it can be resized, not added to or taken from a vServer. */
static int resize_disk(const char *root, const char *name, const struct wirt_spec *old,
		       const struct wirt_spec *spec, const struct wirt_status *st,
		       struct wirt_error *err)
{
	char path[PATH_MAX];

	if (!old->disk || !spec->disk)
		return wirt_error_plain(err, EINVAL, "disk: %s", old->disk
					? "a vServer's own disk cannot be removed (only resized)"
					: "a vServer created without --disk has no disk of its own to "
					  "resize");
	if (st->state != WIRT_STATE_STOPPED)
		return wirt_error_plain(err, EBUSY, "disk: resizing needs the vServer stopped "
						    "(stop, set, start)");
	return wirt_disk_resize(wirt_vserver_file(path, root, name, "disk.img"), spec->disk,
				err);
}

/* Writes the new limits to a running vServer's cgroup; on failure writes the old
 * ones back (the backends write knob by knob, so some are new by then). */
static int apply_live(const char *root, const char *name, const struct wirt_resources *old,
		      const struct wirt_resources *new, struct wirt_error *err)
{
	struct wirt_error ignored;
	struct wirt_cgroup cg;
	int r;

	wirt_cgroup_init(&cg, root, name);
	r = wirt_cgroup_apply(&cg, new, err);
	if (r < 0) {
		wirt_cgroup_apply(&cg, old, &ignored);
		return wirt_error_prefix(err, "apply to the running vServer");
	}
	return 0;
}

/* A change of a stored config: edit() changes the spec it is given. */
typedef int (*settings_edit_fn)(struct wirt_spec *spec, void *data, struct wirt_error *err);

/* Loads the config under the vServer's lock, edits it, checks the result (addresses
 * and ports against the other vServers), applies it to a running vServer and saves it:
 * the config is saved only when the live change worked, and a failed save undoes it. */
static int settings_apply(const char *root, const char *name, settings_edit_fn edit, void *data,
			  struct wirt_error *err)
{
	_cleanup_close_ int lock = -1, root_lock = -1;
	struct wirt_spec old, spec;
	struct wirt_status st;
	char path[PATH_MAX];
	bool live, live_net, net_changed;
	int r;

	r = wirt_name_validate("vServer", name, err);
	if (r < 0)
		return r;
	/* Loaded once before the lock for the "no such vServer" error (the lock file
	 * lives in its directory), and again under it: that copy is what we change. */
	r = wirt_vserver_load(root, name, &old, err);
	if (r < 0)
		return r;
	lock = wirt_vserver_lock(root, name, err);
	if (lock < 0)
		return lock;
	r = wirt_vserver_load(root, name, &old, err);
	if (r < 0)
		return r;
	spec = old;
	r = edit(&spec, data, err);
	if (r < 0)
		return r;

	net_changed = memcmp(&old.net, &spec.net, sizeof(old.net)) != 0;
	if (net_changed) {
		/* under the root's lock: no other vServer takes the same address meanwhile */
		root_lock = wirt_root_lock(root, err);
		if (root_lock < 0)
			return root_lock;
		r = wirt_network_check_conflicts(root, &spec, err);
		if (r < 0)
			return r;
	}

	r = wirt_vserver_status(root, name, &st, err);
	if (r < 0)
		return r;
	if (old.disk != spec.disk) {
		r = resize_disk(root, name, &old, &spec, &st, err);
		if (r < 0)
			return r;
	}
	/* Other keys (hostname, stop-signal, ...) take effect at the next start. */
	live = st.state == WIRT_STATE_RUNNING && !resources_equal(&old.resources, &spec.resources);
	if (live) {
		r = apply_live(root, name, &old.resources, &spec.resources, err);
		if (r < 0)
			return r;
	}
	live_net = st.state == WIRT_STATE_RUNNING && net_changed;
	if (live_net) {
		r = wirt_network_change(root, &old, &spec, st.run.init, err);
		if (r < 0) {
			r = wirt_error_prefix(err, "apply to the running vServer");
			goto undo_resources;
		}
	}
	r = wirt_config_save(wirt_vserver_file(path, root, name, "config"), &spec, err);
	if (r == 0)
		return 0;
	if (old.disk != spec.disk) {
		struct wirt_error ignored;

		(void)wirt_disk_resize(wirt_vserver_file(path, root, name, "disk.img"), old.disk,
				       &ignored);
	}
	if (live_net) {
		struct wirt_error ignored;

		(void)wirt_network_change(root, &spec, &old, st.run.init, &ignored);
	}
undo_resources:
	if (live) {
		struct wirt_error ignored;
		struct wirt_cgroup cg;

		wirt_cgroup_init(&cg, root, name);
		wirt_cgroup_apply(&cg, &old.resources, &ignored);
	}
	return r;
}

struct assignments {
	char *const *list;
	size_t n;
};

static int edit_assign(struct wirt_spec *spec, void *data, struct wirt_error *err)
{
	const struct assignments *a = data;

	return settings_change(spec, a->list, a->n, err);
}

int wirt_vserver_set(const char *root, const char *name, char *const *assignments, size_t n,
		     struct wirt_error *err)
{
	struct assignments a = { assignments, n };
	int r;

	if (n == 0)
		return wirt_error_invalid(err, "nothing to set");
	r = settings_apply(root, name, edit_assign, &a, err);
	/* its addresses may have changed: the edge forwards its domains to the new one */
	if (r == 0 && wirt_domain_vserver_changed(root, name, err) < 0)
		return wirt_error_prefix(err, "set, but the edge did not follow");
	return r;
}

struct port_edit {
	struct wirt_net_port port;
	bool add;
};

static int edit_port(struct wirt_spec *spec, void *data, struct wirt_error *err)
{
	const struct port_edit *e = data;
	struct wirt_net *net = &spec->net;
	const char *proto = e->port.proto == IPPROTO_TCP ? "tcp" : "udp";
	int i = wirt_net_port_find(net, &e->port);

	if (i >= 0) {
		if (e->add)
			return wirt_error_plain(err, EEXIST, "%s port %u is forwarded to port %u "
							     "already",
						proto, e->port.host_port, net->ports[i].guest_port);
		memmove(&net->ports[i], &net->ports[i + 1],
			(net->n_ports - (unsigned)i - 1) * sizeof(net->ports[0]));
		net->n_ports--;
		return 0;
	}
	if (!e->add)
		return wirt_error_plain(err, ENOENT, "%s port %u is not forwarded", proto,
					e->port.host_port);
	if (net->mode == WIRT_NET_NONE)
		return wirt_error_invalid(err, "the vServer has no address to forward to");
	if (net->n_ports >= WIRT_NET_PORTS_MAX)
		return wirt_error_invalid(err, "more than %d port forwards", WIRT_NET_PORTS_MAX);
	net->ports[net->n_ports++] = e->port;
	return 0;
}

int wirt_vserver_port(const char *root, const char *name, const struct wirt_net_port *port,
		      bool add, struct wirt_error *err)
{
	struct port_edit e = { *port, add };

	return settings_apply(root, name, edit_port, &e, err);
}
