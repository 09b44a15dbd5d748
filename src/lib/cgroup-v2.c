/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v2 backend of wirt_cgroup_apply and wirt_cgroup_read_stats: one directory
 * in the unified hierarchy. The knob -> file mapping is the table 'knobs' below; v2's
 * files take wirt's values as they are (weights 1..10000, bytes, "max"), so there is
 * nothing to convert. docs/resources.md has the table for operators.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "util.h"

#define V2_PERIOD_US 100000
#define V2_QUOTA_MIN_US 1000 /* the kernel refuses a cpu.max quota below 1 ms */
#define BFQ_WEIGHT_MIN 1
#define BFQ_WEIGHT_MAX 1000

static void fmt_u64_or_max(uint64_t v, char *buf, size_t size)
{
	if (v == WIRT_UNLIMITED)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static bool fmt_cpu_weight(const struct wirt_resources *res, char *buf, size_t size)
{
	snprintf(buf, size, "%u", res->cpu_weight ? res->cpu_weight : 100);
	return res->cpu_weight != 0;
}

static bool fmt_cpu_max(const struct wirt_resources *res, char *buf, size_t size)
{
	uint64_t quota = (uint64_t)res->cpus_milli * V2_PERIOD_US / 1000;

	if (!res->cpus_milli) {
		snprintf(buf, size, "max %d", V2_PERIOD_US);
		return false;
	}
	if (quota < V2_QUOTA_MIN_US)
		quota = V2_QUOTA_MIN_US;
	snprintf(buf, size, "%" PRIu64 " %d", quota, V2_PERIOD_US);
	return true;
}

static bool fmt_memory_max(const struct wirt_resources *res, char *buf, size_t size)
{
	fmt_u64_or_max(res->memory, buf, size);
	return res->memory != WIRT_UNLIMITED;
}

static bool fmt_memory_low(const struct wirt_resources *res, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64, res->memory_low);
	return res->memory_low != 0;
}

static bool fmt_swap_max(const struct wirt_resources *res, char *buf, size_t size)
{
	fmt_u64_or_max(res->swap, buf, size);
	return res->swap != WIRT_UNLIMITED;
}

static bool fmt_pids_max(const struct wirt_resources *res, char *buf, size_t size)
{
	fmt_u64_or_max(res->pids, buf, size);
	return res->pids != WIRT_UNLIMITED;
}

/* cpuset.mems stays empty (= the parent's) unless cpus are set: then it is written
 * with the parent's effective nodes first, as runc and crun do, so the pair is
 * consistent. An empty cpuset.cpus means "the parent's CPUs" on v2. */
static int apply_cpuset(const char *dir, const struct wirt_resources *res,
			struct wirt_error *err)
{
	char parent[PATH_MAX], mems[4096];
	bool set = res->cpuset[0] != '\0';
	ssize_t n;
	int r;

	if (!wirt_cgroup_has(dir, "cpuset.cpus"))
		return wirt_cgroup_write_knob("cpuset", dir, "cpuset.cpus", res->cpuset, set, err);
	wirt_cgroup_parent(dir, parent);
	if (!set) {
		r = wirt_cgroup_write(dir, "cpuset.cpus", "\n", err);
		if (r == -ENOSPC) {
			/* The kernel refuses to empty the cpuset of a cgroup with tasks (a
			 * running vServer): give it every CPU of the parent instead. */
			n = wirt_cgroup_read(parent, "cpuset.cpus.effective", mems, sizeof(mems));
			if (n > 0)
				return wirt_cgroup_write(dir, "cpuset.cpus", mems, err);
			return r;
		}
		if (r == 0 && wirt_cgroup_has(dir, "cpuset.mems"))
			r = wirt_cgroup_write(dir, "cpuset.mems", "\n", err);
		return r == -ENOSPC ? 0 : r; /* mems: see above; the parent's stay */
	}
	n = wirt_cgroup_read(parent, "cpuset.mems.effective", mems, sizeof(mems));
	if (n > 0) {
		r = wirt_cgroup_write(dir, "cpuset.mems", mems, err);
		if (r < 0)
			return r;
	}
	return wirt_cgroup_write(dir, "cpuset.cpus", res->cpuset, err);
}

/* io.weight is blk-iocost's (1..10000, as wirt's); a host without it may have BFQ's
 * io.bfq.weight (1..1000): the weight is clamped into that range. */
static int apply_io_weight(const char *dir, const struct wirt_resources *res,
			   struct wirt_error *err)
{
	unsigned w = res->io_weight ? res->io_weight : 100;
	bool set = res->io_weight != 0;
	char val[32];

	if (wirt_cgroup_has(dir, "io.weight") || !wirt_cgroup_has(dir, "io.bfq.weight")) {
		snprintf(val, sizeof(val), "default %u", w);
		return wirt_cgroup_write_knob("io-weight", dir, "io.weight", val, set, err);
	}
	if (w < BFQ_WEIGHT_MIN)
		w = BFQ_WEIGHT_MIN;
	if (w > BFQ_WEIGHT_MAX)
		w = BFQ_WEIGHT_MAX;
	snprintf(val, sizeof(val), "default %u", w);
	return wirt_cgroup_write(dir, "io.bfq.weight", val, err);
}

static bool io_max_has(const struct wirt_resources *res, unsigned major, unsigned minor)
{
	for (unsigned i = 0; i < res->io_max_n; i++)
		if (res->io_max[i].major == major && res->io_max[i].minor == minor)
			return true;
	return false;
}

static void fmt_io_field(char *buf, size_t size, const char *key, uint64_t v)
{
	size_t len = strlen(buf);

	if (v)
		snprintf(buf + len, size - len, " %s=%" PRIu64, key, v);
	else
		snprintf(buf + len, size - len, " %s=max", key);
}

/* io.max lists the devices that have a limit; one that is no longer in res gets all
 * four fields "max", which removes its line. */
static int apply_io_max(const char *dir, const struct wirt_resources *res,
			struct wirt_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	char p[PATH_MAX], line[256], val[256];
	unsigned major, minor;
	int r;

	if (!wirt_cgroup_has(dir, "io.max"))
		return wirt_cgroup_write_knob("io-max", dir, "io.max", "", res->io_max_n > 0, err);
	snprintf(p, sizeof(p), "%s/io.max", dir);
	f = fopen(p, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u:%u", &major, &minor) != 2 || io_max_has(res, major, minor))
			continue;
		snprintf(val, sizeof(val), "%u:%u rbps=max wbps=max riops=max wiops=max", major,
			 minor);
		r = wirt_cgroup_write(dir, "io.max", val, err);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < res->io_max_n; i++) {
		const struct wirt_io_max *m = &res->io_max[i];

		snprintf(val, sizeof(val), "%u:%u", m->major, m->minor);
		fmt_io_field(val, sizeof(val), "rbps", m->rbps);
		fmt_io_field(val, sizeof(val), "wbps", m->wbps);
		fmt_io_field(val, sizeof(val), "riops", m->riops);
		fmt_io_field(val, sizeof(val), "wiops", m->wiops);
		r = wirt_cgroup_write(dir, "io.max", val, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The v2 mapping: one row a file (docs/resources.md). */
static const struct wirt_cgroup_knob knobs[] = {
	{ "cpu-weight", NULL, "cpu.weight", fmt_cpu_weight, NULL },
	{ "cpus", NULL, "cpu.max", fmt_cpu_max, NULL },
	{ "cpuset", NULL, "cpuset.cpus", NULL, apply_cpuset },
	{ "memory", NULL, "memory.max", fmt_memory_max, NULL },
	{ "memory-low", NULL, "memory.low", fmt_memory_low, NULL },
	{ "swap", NULL, "memory.swap.max", fmt_swap_max, NULL },
	{ "pids", NULL, "pids.max", fmt_pids_max, NULL },
	{ "io-weight", NULL, "io.weight", NULL, apply_io_weight },
	{ "io-max", NULL, "io.max", NULL, apply_io_max },
};

int wirt_cgroup_v2_apply(const struct wirt_cgroup *cg, const struct wirt_resources *res,
			 struct wirt_error *err)
{
	return wirt_cgroup_apply_knobs(cg, knobs, ARRAY_SIZE(knobs), res, err);
}

/* io.stat: "MAJ:MIN rbytes=N wbytes=N rios=N wios=N dbytes=N dios=N", one line a
 * device; summed over devices. */
static void read_io_stat(const char *dir, struct wirt_cgroup_stats *st)
{
	static const char *const keys[] = { "rbytes=", "wbytes=", "rios=", "wios=" };
	uint64_t *fields[] = { &st->io_read_bytes, &st->io_write_bytes, &st->io_read_ops,
			       &st->io_write_ops };
	_cleanup_fclose_ FILE *f = NULL;
	char p[PATH_MAX], line[512];

	snprintf(p, sizeof(p), "%s/io.stat", dir);
	f = fopen(p, "re");
	if (!f)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		*fields[i] = 0;
	while (fgets(line, sizeof(line), f)) {
		for (char *tok = strtok(line, " \n"); tok; tok = strtok(NULL, " \n")) {
			for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
				size_t kl = strlen(keys[i]);

				if (strncmp(tok, keys[i], kl) == 0)
					*fields[i] += strtoull(tok + kl, NULL, 10);
			}
		}
	}
}

int wirt_cgroup_v2_read_stats(const struct wirt_cgroup *cg, struct wirt_cgroup_stats *st,
			      struct wirt_error *err)
{
	static const struct {
		const char *file;
		size_t off;
	} plain[] = {
		{ "memory.current", offsetof(struct wirt_cgroup_stats, memory_current) },
		{ "memory.peak", offsetof(struct wirt_cgroup_stats, memory_peak) }, /* 5.19+ */
		{ "memory.max", offsetof(struct wirt_cgroup_stats, memory_limit) },
		{ "memory.swap.current", offsetof(struct wirt_cgroup_stats, swap_current) },
		{ "memory.swap.max", offsetof(struct wirt_cgroup_stats, swap_limit) },
		{ "pids.current", offsetof(struct wirt_cgroup_stats, pids_current) },
		{ "pids.max", offsetof(struct wirt_cgroup_stats, pids_limit) },
	};
	char dir[PATH_MAX];
	struct stat sb;

	memset(st, 0xff, sizeof(*st)); /* every field WIRT_UNLIMITED: unknown */
	wirt_cgroup_path(cg, NULL, dir);
	if (stat(dir, &sb) < 0) {
		if (errno == ENOENT)
			return wirt_error_plain(err, ENOENT, "cgroup '%s' does not exist", dir);
		return wirt_errorf(err, errno, "cgroup '%s'", dir);
	}
	(void)wirt_cgroup_read_key(dir, "cpu.stat", "usage_usec", &st->cpu_usec);
	for (size_t i = 0; i < ARRAY_SIZE(plain); i++)
		(void)wirt_cgroup_read_u64(dir, plain[i].file,
					   (uint64_t *)((char *)st + plain[i].off));
	read_io_stat(dir, st);
	/* memory.events counts the whole subtree (unless cgroup2 is mounted with
	 * memory_localevents): the guest's own sub-cgroups are included. */
	(void)wirt_cgroup_read_key(dir, "memory.events", "oom_kill", &st->oom_kills);
	return 0;
}
