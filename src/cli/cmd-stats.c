/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt stats [NAME] [--json] [--watch [--interval S]]: what the kernel reports for
 * each running vServer's cgroup (wirt_cgroup_read_stats) plus its network bytes
 * (/proc/<PID 1>/net/dev) and, with a disk of its own, that disk's use and size. CPU% is the CPU time used between two samples over the
 * wall time between them (100 = one CPU): all vServers are sampled, then again after
 * half a second. JSON (stable, docs/wirt.md "### stats"): bytes, microseconds, null
 * for unknown and for "no limit".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "vserver.h"

#define FIRST_GAP_MS 500
#define WATCH_INTERVAL_DEFAULT 2.0

struct sample {
	char name[WIRT_NAME_MAX + 1];
	enum wirt_vserver_state state;
	pid_t init;
	bool ok; /* stats read: the vServer has a cgroup */
	struct wirt_cgroup_stats cg;
	uint64_t net_rx, net_tx; /* WIRT_UNLIMITED: unknown */
	uint64_t disk_limit;	 /* its own disk's size; WIRT_UNLIMITED: none (the pool's) */
	uint64_t disk_used;	 /* bytes used on it, as df inside says; WIRT_UNLIMITED: unknown */
	double at;		 /* CLOCK_MONOTONIC, seconds */
	double cpu_percent;	 /* < 0: unknown */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* /proc/PID/net/dev shows the network namespace PID is in: the guest's. Bytes are
 * summed over its interfaces but lo. */
static void read_net(pid_t pid, uint64_t *rx, uint64_t *tx)
{
	char p[64], line[512];
	FILE *f;

	*rx = *tx = WIRT_UNLIMITED;
	if (pid <= 0)
		return;
	snprintf(p, sizeof(p), "/proc/%d/net/dev", pid);
	f = fopen(p, "re");
	if (!f)
		return;
	*rx = *tx = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[9];
		char *colon = strchr(line, ':'), *name = line;

		if (!colon)
			continue; /* the two header lines */
		*colon = '\0';
		while (*name == ' ')
			name++;
		if (strcmp(name, "lo") == 0)
			continue;
		/* rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes */
		if (sscanf(colon + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
			   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]) != 9)
			continue;
		*rx += v[0];
		*tx += v[8];
	}
	fclose(f);
}

/* The guest's "/" is an overlay, and overlayfs reports its upper layer's filesystem:
 * with a disk of its own, that disk (disk.h), as `df /` inside shows it. */
static void read_disk(pid_t pid, struct sample *s)
{
	struct statvfs sv;
	char p[64];

	s->disk_used = WIRT_UNLIMITED;
	if (pid <= 0 || s->disk_limit == WIRT_UNLIMITED)
		return;
	snprintf(p, sizeof(p), "/proc/%d/root/", pid);
	if (statvfs(p, &sv) == 0)
		s->disk_used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
}

static void take(const char *root, struct sample *s)
{
	struct wirt_error err = { 0 };
	struct wirt_cgroup cg;

	wirt_cgroup_init(&cg, root, s->name);
	s->ok = wirt_cgroup_read_stats(&cg, &s->cg, &err) == 0;
	read_net(s->init, &s->net_rx, &s->net_tx);
	read_disk(s->init, s);
	s->at = now();
	s->cpu_percent = -1;
}

/* CPU% of 'cur' against an earlier sample of the same vServer. */
static void cpu_percent(struct sample *cur, const struct sample *prev)
{
	double wall = cur->at - prev->at;

	if (!cur->ok || !prev->ok || wall <= 0 || cur->cg.cpu_usec == WIRT_UNLIMITED ||
	    prev->cg.cpu_usec == WIRT_UNLIMITED || cur->cg.cpu_usec < prev->cg.cpu_usec)
		return;
	cur->cpu_percent = (double)(cur->cg.cpu_usec - prev->cg.cpu_usec) / (wall * 1e4);
}

/* The vServers to show: 'name', or every one that runs (or crashed, guest alive:
 * its cgroup still holds processes). *ret is malloc'ed. A stopped 'name' is an
 * error. */
static int collect(const char *root, const char *name, struct sample **ret, size_t *ret_n,
		   struct wirt_error *err)
{
	char (*names)[WIRT_NAME_MAX + 1] = NULL;
	struct sample *s;
	size_t n = 0, all = 1;
	int r;

	if (!name) {
		r = wirt_vserver_list(root, &names, &all, err);
		if (r < 0)
			return wirt_error_prefix(err, "list");
	}
	s = calloc(all ? all : 1, sizeof(*s));
	if (!s) {
		free(names);
		return wirt_errorf(err, ENOMEM, "stats");
	}
	for (size_t i = 0; i < all; i++) {
		const char *nm = name ? name : names[i];
		struct wirt_status st;

		r = wirt_vserver_status(root, nm, &st, err);
		if (r < 0 && name) {
			free(s);
			return r;
		}
		if (r < 0)
			continue;
		if (st.state == WIRT_STATE_STOPPED ||
		    (st.state == WIRT_STATE_CRASHED && !st.guest_alive)) {
			if (!name)
				continue;
			free(s);
			return wirt_error_plain(err, ESRCH, "is %s: it has no cgroup",
						wirt_state_name(st.state));
		}
		snprintf(s[n].name, sizeof(s[n].name), "%s", nm);
		s[n].state = st.state;
		{
			struct wirt_spec spec;
			struct wirt_error ignored;

			s[n].disk_limit = wirt_vserver_load(root, nm, &spec, &ignored) == 0 &&
						  spec.disk
					  ? spec.disk
					  : WIRT_UNLIMITED;
		}
		s[n].init = st.guest_alive ? st.run.init : 0;
		n++;
	}
	free(names);
	*ret = s;
	*ret_n = n;
	return 0;
}

static void take_all(const char *root, struct sample *s, size_t n, const struct sample *prev,
		     size_t prev_n)
{
	for (size_t i = 0; i < n; i++) {
		take(root, &s[i]);
		for (size_t j = 0; j < prev_n; j++)
			if (strcmp(prev[j].name, s[i].name) == 0)
				cpu_percent(&s[i], &prev[j]);
	}
}

/* --- Output --- */

static void json_u64(const char *key, uint64_t v)
{
	if (v == WIRT_UNLIMITED)
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%" PRIu64, key, v);
}

static void print_json_one(const struct sample *s)
{
	const struct wirt_cgroup_stats *c = &s->cg;

	printf("{\"name\":");
	cli_json_string(s->name);
	printf(",\"state\":\"%s\"", wirt_state_name(s->state));
	if (s->init > 0)
		printf(",\"pid\":%d", s->init);
	else
		printf(",\"pid\":null");
	json_u64("cpu_usec", c->cpu_usec);
	if (s->cpu_percent >= 0)
		printf(",\"cpu_percent\":%.1f", s->cpu_percent);
	else
		printf(",\"cpu_percent\":null");
	json_u64("memory_current", c->memory_current);
	json_u64("memory_peak", c->memory_peak);
	json_u64("memory_limit", c->memory_limit);
	json_u64("swap_current", c->swap_current);
	json_u64("swap_limit", c->swap_limit);
	json_u64("pids_current", c->pids_current);
	json_u64("pids_limit", c->pids_limit);
	json_u64("io_read_bytes", c->io_read_bytes);
	json_u64("io_write_bytes", c->io_write_bytes);
	json_u64("io_read_ops", c->io_read_ops);
	json_u64("io_write_ops", c->io_write_ops);
	json_u64("oom_kills", c->oom_kills);
	json_u64("net_rx_bytes", s->net_rx);
	json_u64("net_tx_bytes", s->net_tx);
	json_u64("disk_used", s->disk_used);
	json_u64("disk_limit", s->disk_limit);
	printf("}");
}

static void print_json(const struct sample *s, size_t n, bool one)
{
	if (one) {
		print_json_one(&s[0]);
	} else {
		printf("[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				printf(",");
			print_json_one(&s[i]);
		}
		printf("]");
	}
	printf("\n");
}

/* 1536 -> "1.5K"; binary units as --memory takes them. "-" unknown. */
static const char *human(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "BKMGTPE";
	double d = (double)v;
	size_t u = 0;

	if (v == WIRT_UNLIMITED) {
		snprintf(buf, size, "-");
		return buf;
	}
	while (d >= 1024 && u + 1 < sizeof(units) - 1) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 "B", v);
	else if (d < 10 && d != (double)(uint64_t)d)
		snprintf(buf, size, "%.1f%c", d, units[u]);
	else
		snprintf(buf, size, "%.0f%c", d, units[u]);
	return buf;
}

static const char *limit(uint64_t v, char *buf, size_t size)
{
	if (v == WIRT_UNLIMITED)
		snprintf(buf, size, "max");
	else
		human(v, buf, size);
	return buf;
}

/* "1:02.34" (minutes) below an hour, "12:34:56" above. */
static const char *cpu_time(uint64_t usec, char *buf, size_t size)
{
	uint64_t s = usec / 1000000;

	if (usec == WIRT_UNLIMITED)
		snprintf(buf, size, "-");
	else if (s < 3600)
		snprintf(buf, size, "%" PRIu64 ":%02" PRIu64 ".%02" PRIu64, s / 60, s % 60,
			 usec % 1000000 / 10000);
	else
		snprintf(buf, size, "%" PRIu64 ":%02" PRIu64 ":%02" PRIu64, s / 3600,
			 s / 60 % 60, s % 60);
	return buf;
}

static const char *count(uint64_t v, char *buf, size_t size)
{
	if (v == WIRT_UNLIMITED)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%" PRIu64, v);
	return buf;
}

#define ROW_FMT "%-20s %6s %10s %15s %7s %7s %11s %7s %7s %7s %7s %4s %15s\n"

static void print_table(const struct sample *s, size_t n)
{
	printf(ROW_FMT, "NAME", "CPU%", "CPU-TIME", "MEM/LIMIT", "PEAK", "SWAP", "PIDS/LIMIT",
	       "IO-R", "IO-W", "NET-RX", "NET-TX", "OOM", "DISK/LIMIT");
	for (size_t i = 0; i < n; i++) {
		const struct wirt_cgroup_stats *c = &s[i].cg;
		char pct[16], t[32], a[16], b[16], mem[40], peak[16], swap[16], pids[48], ior[16],
			iow[16], rx[16], tx[16], oom[24], disk[40];

		if (!s[i].ok) {
			printf("%-20s (%s, no cgroup)\n", s[i].name, wirt_state_name(s[i].state));
			continue;
		}
		if (s[i].cpu_percent >= 0)
			snprintf(pct, sizeof(pct), "%.1f", s[i].cpu_percent);
		else
			snprintf(pct, sizeof(pct), "-");
		snprintf(mem, sizeof(mem), "%s/%s", human(c->memory_current, a, sizeof(a)),
			 limit(c->memory_limit, b, sizeof(b)));
		snprintf(pids, sizeof(pids), "%s/%s", count(c->pids_current, a, sizeof(a)),
			 c->pids_limit == WIRT_UNLIMITED ? "max" : count(c->pids_limit, b, sizeof(b)));
		if (s[i].disk_limit == WIRT_UNLIMITED)
			snprintf(disk, sizeof(disk), "-");
		else
			snprintf(disk, sizeof(disk), "%s/%s", human(s[i].disk_used, a, sizeof(a)),
				 human(s[i].disk_limit, b, sizeof(b)));
		printf(ROW_FMT, s[i].name, pct, cpu_time(c->cpu_usec, t, sizeof(t)), mem,
		       human(c->memory_peak, peak, sizeof(peak)),
		       human(c->swap_current, swap, sizeof(swap)), pids,
		       human(c->io_read_bytes, ior, sizeof(ior)),
		       human(c->io_write_bytes, iow, sizeof(iow)), human(s[i].net_rx, rx, sizeof(rx)),
		       human(s[i].net_tx, tx, sizeof(tx)), count(c->oom_kills, oom, sizeof(oom)),
		       disk);
	}
}

/* --- The verb --- */

struct opts {
	const char *name;
	bool json, watch;
	double interval;
};

static int parse(int argc, char **argv, struct opts *o)
{
	o->interval = WATCH_INTERVAL_DEFAULT;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			o->json = true;
		} else if (strcmp(argv[i], "--watch") == 0) {
			o->watch = true;
		} else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
			char *end;

			errno = 0;
			o->interval = strtod(argv[++i], &end);
			if (errno || *end || end == argv[i] || !(o->interval >= 0.1) ||
			    o->interval > 86400)
				return cli_usage("stats", "--interval takes seconds, 0.1 to 86400");
		} else if (argv[i][0] == '-') {
			return cli_usage("stats", "unknown option '%s'", argv[i]);
		} else if (o->name) {
			return cli_usage("stats", "expects at most one NAME");
		} else {
			o->name = argv[i];
		}
	}
	return 0;
}

static void show(const struct opts *o, const struct sample *s, size_t n)
{
	if (o->json)
		print_json(s, n, o->name != NULL);
	else
		print_table(s, n);
	fflush(stdout);
}

static int run_once(struct wirt_cli *cli, const struct opts *o)
{
	struct wirt_error err = { 0 };
	struct sample *first = NULL, *s = NULL;
	size_t n;

	if (collect(cli->root, o->name, &s, &n, &err) < 0) {
		if (o->name)
			return cli_fail_on("stats", o->name, &err);
		wirt_error_prefix(&err, "stats");
		return cli_fail(&err);
	}
	first = calloc(n ? n : 1, sizeof(*first));
	if (!first) {
		free(s);
		wirt_errorf(&err, ENOMEM, "stats");
		return cli_fail(&err);
	}
	memcpy(first, s, n * sizeof(*s));
	take_all(cli->root, first, n, NULL, 0);
	if (n)
		sleep_s(FIRST_GAP_MS / 1000.0);
	take_all(cli->root, s, n, first, n);
	show(o, s, n);
	free(first);
	free(s);
	return 0;
}

/* Redraws every interval until interrupted; the set of vServers is read anew each
 * time, so ones that start or stop come and go. */
static int run_watch(struct wirt_cli *cli, const struct opts *o)
{
	struct sample *prev = NULL, *s = NULL;
	size_t prev_n = 0, n;

	for (bool first = true;; first = false) {
		struct wirt_error err = { 0 };

		if (collect(cli->root, o->name, &s, &n, &err) < 0) {
			if (!o->name || err.code != ESRCH) {
				free(prev);
				return o->name ? cli_fail_on("stats", o->name, &err) : cli_fail(&err);
			}
			n = 0;
			s = NULL;
		}
		if (first && n) {
			/* A baseline, so the first screen already has CPU%. */
			prev = calloc(n, sizeof(*prev));
			if (prev) {
				memcpy(prev, s, n * sizeof(*s));
				take_all(cli->root, prev, n, NULL, 0);
				prev_n = n;
				sleep_s(FIRST_GAP_MS / 1000.0);
			}
		}
		take_all(cli->root, s, n, prev, prev_n);
		if (!o->json)
			printf("\033[H\033[2J"); /* home, clear */
		if (o->name && n == 0 && o->json)
			printf("null\n");
		else if (o->name && n == 0)
			printf("%s is not running\n", o->name);
		else
			show(o, s, n);
		free(prev);
		prev = s;
		prev_n = n;
		s = NULL;
		sleep_s(o->interval);
	}
}

int cmd_stats(struct wirt_cli *cli, int argc, char **argv)
{
	struct opts o = { 0 };
	int r;

	r = parse(argc, argv, &o);
	if (r)
		return r;
	return o.watch ? run_watch(cli, &o) : run_once(cli, &o);
}
