/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v1 backend of wirt_cgroup_apply and wirt_cgroup_read_stats: one directory
 * per controller hierarchy. The knob -> file mapping is the table 'knobs' below. v1
 * speaks other units than wirt's (v2's) values: cpu weight becomes cpu.shares, io
 * weight BFQ's or CFQ's weight, swap the memory+swap limit memsw; docs/resources.md
 * explains each mapping and where v1 means something else (soft limit vs memory.low).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "util.h"

#define V1_PERIOD_US 100000
#define V1_QUOTA_MIN_US 1000 /* the kernel refuses a cfs quota below 1 ms */
#define V1_SHARES_MIN 2	     /* kernel/sched: MIN_SHARES */
#define V1_SHARES_MAX 262144 /* kernel/sched: MAX_SHARES */
#define BFQ_WEIGHT_MIN 1
#define BFQ_WEIGHT_MAX 1000
#define CFQ_WEIGHT_MIN 10 /* blkio.weight of CFQ (gone in 5.0): 10..1000, default 500 */
#define CFQ_WEIGHT_MAX 1000
/* "No limit" reads back as PAGE_COUNTER_MAX pages (9223372036854771712 with 4 KiB
 * pages), not -1: anything from 2^62 up is no limit. */
#define V1_UNLIMITED_MIN (UINT64_C(1) << 62)

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* cpu.weight -> cpu.shares: linear, shares = weight * 1024 / 100, rounded. The
 * defaults meet (100 -> 1024) and every ratio of weights is kept, which is what
 * "share under contention" means. (runc's old shares -> weight formula,
 * 1 + (shares - 2) * 9999 / 262142, maps 1024 to 39, not 100: the trap this avoids.)
 * Weights 1..10000 give 10..102400, inside the kernel's 2..262144. */
static uint64_t v1_shares(uint32_t weight)
{
	uint64_t w = weight ? weight : 100;

	return clamp_u64((w * 1024 + 50) / 100, V1_SHARES_MIN, V1_SHARES_MAX);
}

static bool fmt_shares(const struct wirt_resources *res, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64, v1_shares(res->cpu_weight));
	return res->cpu_weight != 0;
}

/* The period is always 100 ms, so only the quota says the cap (and -1 none). */
static bool fmt_period(const struct wirt_resources *res, char *buf, size_t size)
{
	snprintf(buf, size, "%d", V1_PERIOD_US);
	return res->cpus_milli != 0;
}

static bool fmt_quota(const struct wirt_resources *res, char *buf, size_t size)
{
	uint64_t quota = (uint64_t)res->cpus_milli * V1_PERIOD_US / 1000;

	if (!res->cpus_milli) {
		snprintf(buf, size, "-1");
		return false;
	}
	snprintf(buf, size, "%" PRIu64, quota < V1_QUOTA_MIN_US ? V1_QUOTA_MIN_US : quota);
	return true;
}

/* memory-low -> the soft limit: v1 has no protection, only a target that global
 * reclaim pushes cgroups above their soft limit back to first (docs/resources.md). */
static bool fmt_soft_limit(const struct wirt_resources *res, char *buf, size_t size)
{
	if (res->memory_low)
		snprintf(buf, size, "%" PRIu64, res->memory_low);
	else
		snprintf(buf, size, "-1");
	return res->memory_low != 0;
}

static bool fmt_pids(const struct wirt_resources *res, char *buf, size_t size)
{
	if (res->pids == WIRT_UNLIMITED)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRIu64, res->pids);
	return res->pids != WIRT_UNLIMITED;
}

/* A v1 cpuset with empty cpus or mems refuses tasks, so "not set" is the parent's
 * CPUs, not empty as on v2. mems is (re)written from the parent first: a cgroup
 * created before cpuset was mounted, or by hand, may have none. */
static int apply_cpuset(const char *dir, const struct wirt_resources *res,
			struct wirt_error *err)
{
	char parent[PATH_MAX], val[4096];
	bool set = res->cpuset[0] != '\0';
	int r;

	if (!wirt_cgroup_has(dir, "cpuset.cpus"))
		return wirt_cgroup_write_knob("cpuset", dir, "cpuset.cpus", res->cpuset, set, err);
	wirt_cgroup_parent(dir, parent);
	if (wirt_cgroup_read(parent, "cpuset.mems", val, sizeof(val)) > 0) {
		r = wirt_cgroup_write(dir, "cpuset.mems", val, err);
		if (r < 0)
			return r;
	}
	if (set)
		return wirt_cgroup_write(dir, "cpuset.cpus", res->cpuset, err);
	r = (int)wirt_cgroup_read(parent, "cpuset.cpus", val, sizeof(val));
	if (r < 0)
		return wirt_errorf(err, -r, "read '%s/cpuset.cpus'", parent);
	return wirt_cgroup_write(dir, "cpuset.cpus", val, err);
}

static void fmt_limit(uint64_t v, char *buf, size_t size)
{
	if (v == WIRT_UNLIMITED)
		snprintf(buf, size, "-1");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

/* v1 refuses to lower a limit below what it cannot reclaim (EBUSY), where v2 would
 * OOM-kill: say so, with the usage. */
static int write_memory(const char *dir, const char *file, const char *usage_file,
			const char *val, struct wirt_error *err)
{
	uint64_t usage;
	int r;

	r = wirt_cgroup_write(dir, file, val, err);
	if (r != -EBUSY || wirt_cgroup_read_u64(dir, usage_file, &usage) < 0)
		return r;
	return wirt_errorf(err, EBUSY,
			   "write '%s' to '%s/%s' (below the %" PRIu64
			   " bytes the vServer uses, and the kernel could not reclaim enough)",
			   val, dir, file, usage);
}

/* memory and swap together: memory.memsw.limit_in_bytes limits memory + swap, so it
 * is memory + swap, and the kernel keeps memsw >= limit at every moment (EINVAL
 * otherwise). So when the new memsw is at least the current limit, memsw goes first
 * (growing); else the limit goes first (shrinking below the current limit). Either
 * order keeps memsw >= limit between the two writes, since new memsw >= new limit and
 * current memsw >= current limit. */
static int apply_memory(const char *dir, const struct wirt_resources *res,
			struct wirt_error *err)
{
	bool has_memsw = wirt_cgroup_has(dir, "memory.memsw.limit_in_bytes");
	uint64_t memsw = WIRT_UNLIMITED, cur;
	char limit_s[32], memsw_s[32];
	int r;

	if (res->swap != WIRT_UNLIMITED) {
		if (!has_memsw)
			return wirt_error_plain(
				err, ENOENT,
				"swap: this host has no swap accounting: no '%s/memory.memsw.limit_in_bytes' (boot with swapaccount=1)",
				dir);
		if (res->memory == WIRT_UNLIMITED)
			return wirt_error_invalid(
				err, "swap: cgroup v1 limits swap only with memory (memory.memsw.limit_in_bytes is memory + swap): set memory too");
		memsw = res->memory + res->swap < res->memory ? WIRT_UNLIMITED
							       : res->memory + res->swap;
	}
	fmt_limit(res->memory, limit_s, sizeof(limit_s));
	fmt_limit(memsw, memsw_s, sizeof(memsw_s));
	if (!has_memsw)
		return wirt_cgroup_write_knob("memory", dir, "memory.limit_in_bytes", limit_s,
					      res->memory != WIRT_UNLIMITED, err);
	if (wirt_cgroup_read_u64(dir, "memory.limit_in_bytes", &cur) < 0 || cur >= V1_UNLIMITED_MIN)
		cur = WIRT_UNLIMITED;
	if (memsw >= cur) {
		r = write_memory(dir, "memory.memsw.limit_in_bytes", "memory.memsw.usage_in_bytes",
				 memsw_s, err);
		if (r == 0)
			r = write_memory(dir, "memory.limit_in_bytes", "memory.usage_in_bytes",
					 limit_s, err);
	} else {
		r = write_memory(dir, "memory.limit_in_bytes", "memory.usage_in_bytes", limit_s,
				 err);
		if (r == 0)
			r = write_memory(dir, "memory.memsw.limit_in_bytes",
					 "memory.memsw.usage_in_bytes", memsw_s, err);
	}
	return r;
}

/* io weight: BFQ's blkio.bfq.weight (1..1000, default 100) takes wirt's weight as it
 * is, clamped to 1000; CFQ's blkio.weight (10..1000, default 500; kernels before 5.0)
 * takes weight * 5, clamped, so the defaults meet. Either only acts on devices whose
 * scheduler is that one. */
static int apply_io_weight(const char *dir, const struct wirt_resources *res,
			   struct wirt_error *err)
{
	uint64_t w = res->io_weight ? res->io_weight : 100;
	bool set = res->io_weight != 0;
	char val[32];

	if (wirt_cgroup_has(dir, "blkio.bfq.weight")) {
		snprintf(val, sizeof(val), "%" PRIu64, clamp_u64(w, BFQ_WEIGHT_MIN, BFQ_WEIGHT_MAX));
		return wirt_cgroup_write(dir, "blkio.bfq.weight", val, err);
	}
	if (wirt_cgroup_has(dir, "blkio.weight")) {
		snprintf(val, sizeof(val), "%" PRIu64,
			 clamp_u64(w * 5, CFQ_WEIGHT_MIN, CFQ_WEIGHT_MAX));
		return wirt_cgroup_write(dir, "blkio.weight", val, err);
	}
	if (!set)
		return 0;
	return wirt_error_plain(err, ENOENT,
				"io-weight: this host's blkio cgroups have neither '%s/blkio.bfq.weight' nor 'blkio.weight' (no BFQ scheduler loaded)",
				dir);
}

static const struct {
	const char *file;
	size_t off; /* of the value in struct wirt_io_max */
} throttle_files[] = {
	{ "blkio.throttle.read_bps_device", offsetof(struct wirt_io_max, rbps) },
	{ "blkio.throttle.write_bps_device", offsetof(struct wirt_io_max, wbps) },
	{ "blkio.throttle.read_iops_device", offsetof(struct wirt_io_max, riops) },
	{ "blkio.throttle.write_iops_device", offsetof(struct wirt_io_max, wiops) },
};

static bool io_max_has(const struct wirt_resources *res, unsigned major, unsigned minor)
{
	for (unsigned i = 0; i < res->io_max_n; i++)
		if (res->io_max[i].major == major && res->io_max[i].minor == minor)
			return true;
	return false;
}

/* One throttle file: "MAJ:MIN N" sets a device's rule, "MAJ:MIN 0" removes it.
 * Devices listed but no longer in res are removed first. */
static int apply_throttle_file(const char *dir, const char *file, size_t off,
			       const struct wirt_resources *res, struct wirt_error *err)
{
	_cleanup_fclose_ FILE *f = NULL;
	char p[PATH_MAX], line[256], val[64];
	unsigned major, minor;
	int r;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "re");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u:%u", &major, &minor) != 2 || io_max_has(res, major, minor))
			continue;
		snprintf(val, sizeof(val), "%u:%u 0", major, minor);
		r = wirt_cgroup_write(dir, file, val, err);
		if (r < 0)
			return r;
	}
	for (unsigned i = 0; i < res->io_max_n; i++) {
		const struct wirt_io_max *m = &res->io_max[i];

		snprintf(val, sizeof(val), "%u:%u %" PRIu64, m->major, m->minor,
			 *(const uint64_t *)((const char *)m + off));
		r = wirt_cgroup_write(dir, file, val, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_io_max(const char *dir, const struct wirt_resources *res,
			struct wirt_error *err)
{
	int r;

	if (!wirt_cgroup_has(dir, throttle_files[0].file))
		return wirt_cgroup_write_knob("io-max", dir, throttle_files[0].file, "",
					      res->io_max_n > 0, err);
	for (size_t i = 0; i < ARRAY_SIZE(throttle_files); i++) {
		r = apply_throttle_file(dir, throttle_files[i].file, throttle_files[i].off, res,
					err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The v1 mapping: one row a file, in the order they are written (docs/resources.md).
 * The period goes before the quota; memory and swap are one step (apply_memory). */
static const struct wirt_cgroup_knob knobs[] = {
	{ "cpu-weight", "cpu", "cpu.shares", fmt_shares, NULL },
	{ "cpus", "cpu", "cpu.cfs_period_us", fmt_period, NULL },
	{ "cpus", "cpu", "cpu.cfs_quota_us", fmt_quota, NULL },
	{ "cpuset", "cpuset", "cpuset.cpus", NULL, apply_cpuset },
	{ "memory", "memory", "memory.limit_in_bytes", NULL, apply_memory },
	{ "memory-low", "memory", "memory.soft_limit_in_bytes", fmt_soft_limit, NULL },
	{ "pids", "pids", "pids.max", fmt_pids, NULL },
	{ "io-weight", "blkio", "blkio.bfq.weight", NULL, apply_io_weight },
	{ "io-max", "blkio", "blkio.throttle.*_device", NULL, apply_io_max },
};

int wirt_cgroup_v1_apply(const struct wirt_cgroup *cg, const struct wirt_resources *res,
			 struct wirt_error *err)
{
	return wirt_cgroup_apply_knobs(cg, knobs, ARRAY_SIZE(knobs), res, err);
}

/* blkio.throttle.io_service_bytes_recursive / io_serviced_recursive: "MAJ:MIN Read N",
 * "MAJ:MIN Write N", ... a device, then "Total N". Read and Write summed over
 * devices. The throttle layer counts every bio of a v1 cgroup, limited or not. */
static void read_blkio(const char *dir, const char *file, uint64_t *ret_read,
		       uint64_t *ret_write)
{
	_cleanup_fclose_ FILE *f = NULL;
	char p[PATH_MAX], line[256], op[16];
	unsigned long long v;
	unsigned major, minor;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "re");
	if (!f)
		return;
	*ret_read = *ret_write = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%u:%u %15s %llu", &major, &minor, op, &v) != 4)
			continue;
		if (strcmp(op, "Read") == 0)
			*ret_read += v;
		else if (strcmp(op, "Write") == 0)
			*ret_write += v;
	}
}

static uint64_t limit_or_unlimited(uint64_t v)
{
	return v >= V1_UNLIMITED_MIN ? WIRT_UNLIMITED : v;
}

static void read_memory_stats(const char *dir, struct wirt_cgroup_stats *st)
{
	uint64_t memsw_usage, memsw_limit;

	(void)wirt_cgroup_read_u64(dir, "memory.usage_in_bytes", &st->memory_current);
	(void)wirt_cgroup_read_u64(dir, "memory.max_usage_in_bytes", &st->memory_peak);
	if (wirt_cgroup_read_u64(dir, "memory.limit_in_bytes", &st->memory_limit) == 0)
		st->memory_limit = limit_or_unlimited(st->memory_limit);
	/* memsw counts memory + swap: swap is the difference. */
	if (st->memory_current != WIRT_UNLIMITED &&
	    wirt_cgroup_read_u64(dir, "memory.memsw.usage_in_bytes", &memsw_usage) == 0)
		st->swap_current = memsw_usage > st->memory_current
					   ? memsw_usage - st->memory_current
					   : 0;
	if (wirt_cgroup_read_u64(dir, "memory.memsw.limit_in_bytes", &memsw_limit) == 0) {
		memsw_limit = limit_or_unlimited(memsw_limit);
		if (memsw_limit == WIRT_UNLIMITED || st->memory_limit == WIRT_UNLIMITED)
			st->swap_limit = WIRT_UNLIMITED;
		else
			st->swap_limit = memsw_limit - st->memory_limit;
	}
	/* Since 4.13; it counts the subtree, as memory.events does on v2. */
	(void)wirt_cgroup_read_key(dir, "memory.oom_control", "oom_kill", &st->oom_kills);
}

int wirt_cgroup_v1_read_stats(const struct wirt_cgroup *cg, struct wirt_cgroup_stats *st,
			      struct wirt_error *err)
{
	static const char *const probe[] = { "pids", "memory", "cpuacct" };
	char dir[PATH_MAX];
	bool exists = false;

	memset(st, 0xff, sizeof(*st)); /* every field WIRT_UNLIMITED: unknown */
	for (size_t i = 0; i < ARRAY_SIZE(probe) && !exists; i++)
		exists = access(wirt_cgroup_path(cg, probe[i], dir), F_OK) == 0;
	if (!exists)
		return wirt_error_plain(err, ENOENT, "cgroup '%s' does not exist",
					wirt_cgroup_path(cg, "memory", dir));
	if (wirt_cgroup_read_u64(wirt_cgroup_path(cg, "cpuacct", dir), "cpuacct.usage",
				 &st->cpu_usec) == 0)
		st->cpu_usec /= 1000; /* ns */
	read_memory_stats(wirt_cgroup_path(cg, "memory", dir), st);
	wirt_cgroup_path(cg, "pids", dir);
	(void)wirt_cgroup_read_u64(dir, "pids.current", &st->pids_current);
	(void)wirt_cgroup_read_u64(dir, "pids.max", &st->pids_limit);
	wirt_cgroup_path(cg, "blkio", dir);
	read_blkio(dir, "blkio.throttle.io_service_bytes_recursive", &st->io_read_bytes,
		   &st->io_write_bytes);
	read_blkio(dir, "blkio.throttle.io_serviced_recursive", &st->io_read_ops,
		   &st->io_write_ops);
	return 0;
}
