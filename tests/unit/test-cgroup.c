/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the cgroup backends (cgroup-v1.c, cgroup-v2.c): wirt_cgroup_apply and
 * wirt_cgroup_read_stats against fake v1 and v2 trees in a temp dir, with the files
 * pre-created as the kernel has them ($WIRT_CGROUP_ROOT points there,
 * $WIRT_CGROUP_MODE says which mode it is). Then, as root, the same on this host's
 * real cgroups, where the kernel enforces what a fake tree cannot: the order of the
 * memory and memsw writes on v1.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "check.h"
#include "fsutil.h"

#define V1_NOLIMIT "9223372036854771712\n" /* what -1 reads back as, 4 KiB pages */
#define M (UINT64_C(1) << 20)

static char base[PATH_MAX];
static char root_v1[PATH_MAX], root_v2[PATH_MAX];

static void put(const char *root, const char *rel, const char *content)
{
	char p[PATH_MAX], dir[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", p);
	*strrchr(dir, '/') = '\0';
	if (wirt_mkdir_p(dir, 0755) < 0) {
		fprintf(stderr, "mkdir -p '%s': %s\n", dir, strerror(errno));
		exit(1);
	}
	f = fopen(p, "we");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "write '%s': %s\n", p, strerror(errno));
		exit(1);
	}
}

/* The whole file, exactly (a static buffer: one value a time). */
static const char *get(const char *root, const char *rel)
{
	static char buf[4096];
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (wirt_read_file(p, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "(missing)");
	return buf;
}

static void rm(const char *root, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	wirt_rm_rf(p);
}

static void use_tree(const char *root, const char *mode)
{
	setenv("WIRT_CGROUP_ROOT", root, 1);
	setenv("WIRT_CGROUP_MODE", mode, 1);
}

/* A v1 cgroup "wirt/t1" as a fresh mkdir leaves it (cpuset copied from the parent). */
static void fake_v1(void)
{
	static const char *const files[][2] = {
		{ "cpu/wirt/t1/cpu.shares", "1024\n" },
		{ "cpu/wirt/t1/cpu.cfs_period_us", "100000\n" },
		{ "cpu/wirt/t1/cpu.cfs_quota_us", "-1\n" },
		{ "cpuacct/wirt/t1/cpuacct.usage", "0\n" },
		{ "cpuset/cpuset.cpus", "0-3\n" },
		{ "cpuset/cpuset.mems", "0\n" },
		{ "cpuset/wirt/cpuset.cpus", "0-3\n" },
		{ "cpuset/wirt/cpuset.mems", "0\n" },
		{ "cpuset/wirt/t1/cpuset.cpus", "0-3\n" },
		{ "cpuset/wirt/t1/cpuset.mems", "0\n" },
		{ "memory/wirt/t1/memory.limit_in_bytes", V1_NOLIMIT },
		{ "memory/wirt/t1/memory.memsw.limit_in_bytes", V1_NOLIMIT },
		{ "memory/wirt/t1/memory.soft_limit_in_bytes", V1_NOLIMIT },
		{ "memory/wirt/t1/memory.usage_in_bytes", "0\n" },
		{ "memory/wirt/t1/memory.max_usage_in_bytes", "0\n" },
		{ "memory/wirt/t1/memory.memsw.usage_in_bytes", "0\n" },
		{ "memory/wirt/t1/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n" },
		{ "pids/wirt/t1/pids.max", "max\n" },
		{ "pids/wirt/t1/pids.current", "0\n" },
		{ "blkio/wirt/t1/blkio.bfq.weight", "100\n" },
		{ "blkio/wirt/t1/blkio.throttle.read_bps_device", "" },
		{ "blkio/wirt/t1/blkio.throttle.write_bps_device", "" },
		{ "blkio/wirt/t1/blkio.throttle.read_iops_device", "" },
		{ "blkio/wirt/t1/blkio.throttle.write_iops_device", "" },
		{ "blkio/wirt/t1/blkio.throttle.io_service_bytes_recursive", "Total 0\n" },
		{ "blkio/wirt/t1/blkio.throttle.io_serviced_recursive", "Total 0\n" },
	};

	wirt_rm_rf(root_v1);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(root_v1, files[i][0], files[i][1]);
	use_tree(root_v1, "v1");
}

/* A v2 cgroup "wirt/t1" with cpu, cpuset, memory, pids and io enabled. */
static void fake_v2(void)
{
	static const char *const files[][2] = {
		{ "wirt/cpuset.mems.effective", "0-1\n" },
		{ "wirt/t1/cgroup.procs", "" },
		{ "wirt/t1/cpu.weight", "100\n" },
		{ "wirt/t1/cpu.max", "max 100000\n" },
		{ "wirt/t1/cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n" },
		{ "wirt/t1/cpuset.cpus", "\n" },
		{ "wirt/t1/cpuset.mems", "\n" },
		{ "wirt/t1/memory.max", "max\n" },
		{ "wirt/t1/memory.low", "0\n" },
		{ "wirt/t1/memory.swap.max", "max\n" },
		{ "wirt/t1/memory.current", "0\n" },
		{ "wirt/t1/memory.peak", "0\n" },
		{ "wirt/t1/memory.swap.current", "0\n" },
		{ "wirt/t1/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n" },
		{ "wirt/t1/pids.max", "max\n" },
		{ "wirt/t1/pids.current", "0\n" },
		{ "wirt/t1/io.weight", "default 100\n" },
		{ "wirt/t1/io.max", "" },
		{ "wirt/t1/io.stat", "" },
	};

	wirt_rm_rf(root_v2);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		put(root_v2, files[i][0], files[i][1]);
	use_tree(root_v2, "v2");
}

static int apply(enum wirt_cgroup_mode mode, const struct wirt_resources *res,
		 struct wirt_error *err)
{
	struct wirt_cgroup cg = { .mode = mode, .rel = "wirt/t1" };

	wirt_error_clear(err);
	return wirt_cgroup_apply(&cg, res, err);
}

static void test_detect(void)
{
	struct wirt_cgroup cg;

	CHECK_CONTEXT("detect");
	setenv("WIRT_CGROUP_ROOT", base, 1);
	setenv("WIRT_CGROUP_MODE", "v2", 1);
	CHECK_EQ_INT(WIRT_CGROUP_V2, wirt_cgroup_detect());
	wirt_cgroup_init(&cg, "/var/lib/wirt", "web1");
	CHECK_EQ_INT(WIRT_CGROUP_V2, cg.mode);
	CHECK_EQ_STR("wirt/web1", cg.rel);
	setenv("WIRT_CGROUP_MODE", "v1", 1);
	CHECK_EQ_INT(WIRT_CGROUP_V1, wirt_cgroup_detect());
	unsetenv("WIRT_CGROUP_MODE");
	/* a temp dir is no cgroup2 mount */
	CHECK_EQ_INT(WIRT_CGROUP_V1, wirt_cgroup_detect());
	CHECK_CONTEXT(NULL);
}

static void test_v1_defaults(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v1 defaults after limits");
	fake_v1();
	put(root_v1, "cpu/wirt/t1/cpu.shares", "3072\n");
	put(root_v1, "cpu/wirt/t1/cpu.cfs_quota_us", "50000\n");
	put(root_v1, "cpuset/wirt/t1/cpuset.cpus", "1\n");
	put(root_v1, "memory/wirt/t1/memory.limit_in_bytes", "67108864\n");
	put(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes", "67108864\n");
	put(root_v1, "memory/wirt/t1/memory.soft_limit_in_bytes", "33554432\n");
	put(root_v1, "pids/wirt/t1/pids.max", "64\n");
	put(root_v1, "blkio/wirt/t1/blkio.bfq.weight", "500\n");
	wirt_resources_init(&res);
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("1024", get(root_v1, "cpu/wirt/t1/cpu.shares"));
	CHECK_EQ_STR("100000", get(root_v1, "cpu/wirt/t1/cpu.cfs_period_us"));
	CHECK_EQ_STR("-1", get(root_v1, "cpu/wirt/t1/cpu.cfs_quota_us"));
	CHECK_EQ_STR("0-3", get(root_v1, "cpuset/wirt/t1/cpuset.cpus"));
	CHECK_EQ_STR("0", get(root_v1, "cpuset/wirt/t1/cpuset.mems"));
	CHECK_EQ_STR("-1", get(root_v1, "memory/wirt/t1/memory.limit_in_bytes"));
	CHECK_EQ_STR("-1", get(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes"));
	CHECK_EQ_STR("-1", get(root_v1, "memory/wirt/t1/memory.soft_limit_in_bytes"));
	CHECK_EQ_STR("max", get(root_v1, "pids/wirt/t1/pids.max"));
	CHECK_EQ_STR("100", get(root_v1, "blkio/wirt/t1/blkio.bfq.weight"));
	CHECK_CONTEXT(NULL);
}

static void test_v1_values(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v1 values");
	fake_v1();
	wirt_resources_init(&res);
	res.cpu_weight = 300;
	res.cpus_milli = 1500;
	snprintf(res.cpuset, sizeof(res.cpuset), "1,3");
	res.memory = 256 * M;
	res.memory_low = 128 * M;
	res.swap = 64 * M;
	res.pids = 64;
	res.io_weight = 500;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("3072", get(root_v1, "cpu/wirt/t1/cpu.shares"));
	CHECK_EQ_STR("100000", get(root_v1, "cpu/wirt/t1/cpu.cfs_period_us"));
	CHECK_EQ_STR("150000", get(root_v1, "cpu/wirt/t1/cpu.cfs_quota_us"));
	CHECK_EQ_STR("1,3", get(root_v1, "cpuset/wirt/t1/cpuset.cpus"));
	CHECK_EQ_STR("0", get(root_v1, "cpuset/wirt/t1/cpuset.mems"));
	CHECK_EQ_STR("268435456", get(root_v1, "memory/wirt/t1/memory.limit_in_bytes"));
	CHECK_EQ_STR("335544320", get(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes"));
	CHECK_EQ_STR("134217728", get(root_v1, "memory/wirt/t1/memory.soft_limit_in_bytes"));
	CHECK_EQ_STR("64", get(root_v1, "pids/wirt/t1/pids.max"));
	CHECK_EQ_STR("500", get(root_v1, "blkio/wirt/t1/blkio.bfq.weight"));

	CHECK_CONTEXT("v1 swap 0 = memsw equals memory");
	res.swap = 0;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("268435456", get(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes"));

	CHECK_CONTEXT("v1 cpus below the kernel's 1 ms quota");
	res.cpus_milli = 5;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("1000", get(root_v1, "cpu/wirt/t1/cpu.cfs_quota_us"));
	CHECK_CONTEXT(NULL);
}

/* cpu weight -> shares: linear, defaults meet, ratios kept; clamped to 2..262144. */
static void test_v1_shares(void)
{
	static const struct {
		uint32_t weight;
		const char *shares;
	} cases[] = {
		{ 0, "1024" },	  /* not set: the default */
		{ 1, "10" },	  /* 10.24 */
		{ 2, "20" },	  /* 20.48 */
		{ 3, "31" },	  /* 30.72, rounded */
		{ 50, "512" },	  { 100, "1024" }, { 200, "2048" }, { 300, "3072" },
		{ 1000, "10240" }, { 10000, "102400" },
		{ 30000, "262144" }, /* beyond wirt's range: the kernel's maximum */
	};
	struct wirt_resources res;
	struct wirt_error err;
	char ctx[64];

	fake_v1();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(ctx, sizeof(ctx), "v1 shares of weight %u", cases[i].weight);
		CHECK_CONTEXT(ctx);
		wirt_resources_init(&res);
		res.cpu_weight = cases[i].weight;
		CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
		CHECK_EQ_STR(cases[i].shares, get(root_v1, "cpu/wirt/t1/cpu.shares"));
	}
	CHECK_CONTEXT(NULL);
}

/* io weight -> BFQ's weight as it is (clamped to 1..1000), or CFQ's weight * 5. */
static void test_v1_io_weight(void)
{
	static const struct {
		uint32_t weight;
		const char *bfq, *cfq;
	} cases[] = {
		{ 0, "100", "500" },	{ 1, "1", "10" },	   { 2, "2", "10" },
		{ 10, "10", "50" },	{ 100, "100", "500" },	   { 200, "200", "1000" },
		{ 1000, "1000", "1000" }, { 10000, "1000", "1000" },
	};
	struct wirt_resources res;
	struct wirt_error err;
	char ctx[64];

	fake_v1();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(ctx, sizeof(ctx), "v1 bfq weight of io weight %u", cases[i].weight);
		CHECK_CONTEXT(ctx);
		wirt_resources_init(&res);
		res.io_weight = cases[i].weight;
		CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
		CHECK_EQ_STR(cases[i].bfq, get(root_v1, "blkio/wirt/t1/blkio.bfq.weight"));
	}
	rm(root_v1, "blkio/wirt/t1/blkio.bfq.weight");
	put(root_v1, "blkio/wirt/t1/blkio.weight", "500\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(ctx, sizeof(ctx), "v1 cfq weight of io weight %u", cases[i].weight);
		CHECK_CONTEXT(ctx);
		wirt_resources_init(&res);
		res.io_weight = cases[i].weight;
		CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
		CHECK_EQ_STR(cases[i].cfq, get(root_v1, "blkio/wirt/t1/blkio.weight"));
	}

	CHECK_CONTEXT("v1 io weight without a proportional scheduler");
	rm(root_v1, "blkio/wirt/t1/blkio.weight");
	wirt_resources_init(&res);
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err)); /* not set: nothing to do */
	res.io_weight = 200;
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_CONTAINS(err.msg, "io-weight: ");
	CHECK_CONTAINS(err.msg, "blkio.bfq.weight");
	CHECK_CONTEXT(NULL);
}

static void test_v1_swap_errors(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v1 swap without memory");
	fake_v1();
	wirt_resources_init(&res);
	res.swap = 64 * M;
	CHECK_EQ_INT(-EINVAL, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_CONTAINS(err.msg, "swap: cgroup v1 limits swap only with memory");

	CHECK_CONTEXT("v1 swap without swap accounting");
	rm(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes");
	res.memory = 64 * M;
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_CONTAINS(err.msg, "swap: this host has no swap accounting");
	CHECK_CONTAINS(err.msg, "memory.memsw.limit_in_bytes");
	CHECK_CONTAINS(err.msg, "swapaccount=1");
	CHECK_EQ_STR(V1_NOLIMIT, get(root_v1, "memory/wirt/t1/memory.limit_in_bytes"));

	CHECK_CONTEXT("v1 memory without swap accounting, swap not set");
	res.swap = WIRT_UNLIMITED;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("67108864", get(root_v1, "memory/wirt/t1/memory.limit_in_bytes"));
	CHECK_CONTEXT(NULL);
}

static void test_v1_io_max(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v1 io-max removes a device no longer set");
	fake_v1();
	put(root_v1, "blkio/wirt/t1/blkio.throttle.read_bps_device", "8:16 1000\n");
	wirt_resources_init(&res);
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("8:16 0", get(root_v1, "blkio/wirt/t1/blkio.throttle.read_bps_device"));
	CHECK_EQ_STR("", get(root_v1, "blkio/wirt/t1/blkio.throttle.write_bps_device"));

	CHECK_CONTEXT("v1 io-max one device");
	res.io_max_n = 1;
	res.io_max[0] = (struct wirt_io_max){ 8, 0, 1048576, 0, 0, 100 };
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_EQ_STR("8:0 1048576", get(root_v1, "blkio/wirt/t1/blkio.throttle.read_bps_device"));
	CHECK_EQ_STR("8:0 0", get(root_v1, "blkio/wirt/t1/blkio.throttle.write_bps_device"));
	CHECK_EQ_STR("8:0 0", get(root_v1, "blkio/wirt/t1/blkio.throttle.read_iops_device"));
	CHECK_EQ_STR("8:0 100", get(root_v1, "blkio/wirt/t1/blkio.throttle.write_iops_device"));

	CHECK_CONTEXT("v1 io-max on a host without blkio");
	rm(root_v1, "blkio");
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_CONTAINS(err.msg, "io-max: this host's cgroups have no");
	res.io_max_n = 0;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_CONTEXT(NULL);
}

static void test_v1_stopped_and_errors(void)
{
	struct wirt_cgroup cg = { .mode = WIRT_CGROUP_V1, .rel = "wirt/gone" };
	struct wirt_cgroup_stats st;
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v1 stopped vServer");
	fake_v1();
	wirt_resources_init(&res);
	wirt_error_clear(&err);
	CHECK_EQ_INT(-ENOENT, wirt_cgroup_apply(&cg, &res, &err));
	CHECK_CONTAINS(err.msg, "/cpu/wirt/gone' does not exist");
	wirt_error_clear(&err);
	CHECK_EQ_INT(-ENOENT, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_CONTAINS(err.msg, "/memory/wirt/gone' does not exist");

	CHECK_CONTEXT("v1 write error names value and file");
	rm(root_v1, "pids/wirt/t1/pids.max");
	put(root_v1, "pids/wirt/t1/pids.max/x", "");
	res.pids = 64;
	CHECK_EQ_INT(-EISDIR, apply(WIRT_CGROUP_V1, &res, &err));
	CHECK_CONTAINS(err.msg, "write '64' to '");
	CHECK_CONTAINS(err.msg, "/pids/wirt/t1/pids.max'");
	CHECK_EQ_INT(EISDIR, err.code);
	CHECK_CONTEXT(NULL);
}

static void test_v1_stats(void)
{
	struct wirt_cgroup cg = { .mode = WIRT_CGROUP_V1, .rel = "wirt/t1" };
	struct wirt_cgroup_stats st;
	struct wirt_error err;

	CHECK_CONTEXT("v1 stats");
	fake_v1();
	put(root_v1, "cpuacct/wirt/t1/cpuacct.usage", "123456789\n");
	put(root_v1, "memory/wirt/t1/memory.usage_in_bytes", "1000000\n");
	put(root_v1, "memory/wirt/t1/memory.max_usage_in_bytes", "2000000\n");
	put(root_v1, "memory/wirt/t1/memory.memsw.usage_in_bytes", "1500000\n");
	put(root_v1, "memory/wirt/t1/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
	put(root_v1, "pids/wirt/t1/pids.current", "5\n");
	put(root_v1, "blkio/wirt/t1/blkio.throttle.io_service_bytes_recursive",
	    "8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 12288\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 12288\n"
	    "253:0 Read 100\n253:0 Write 200\n253:0 Sync 0\n253:0 Async 300\n253:0 Discard 0\n"
	    "253:0 Total 300\nTotal 12588\n");
	put(root_v1, "blkio/wirt/t1/blkio.throttle.io_serviced_recursive",
	    "8:0 Read 1\n8:0 Write 2\n8:0 Sync 3\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 3\n"
	    "253:0 Read 10\n253:0 Write 20\n253:0 Total 30\nTotal 33\n");
	wirt_error_clear(&err);
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_EQ_U64(123456, st.cpu_usec);
	CHECK_EQ_U64(1000000, st.memory_current);
	CHECK_EQ_U64(2000000, st.memory_peak);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.memory_limit);
	CHECK_EQ_U64(500000, st.swap_current);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.swap_limit);
	CHECK_EQ_U64(5, st.pids_current);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.pids_limit);
	CHECK_EQ_U64(4196, st.io_read_bytes);
	CHECK_EQ_U64(8392, st.io_write_bytes);
	CHECK_EQ_U64(11, st.io_read_ops);
	CHECK_EQ_U64(22, st.io_write_ops);
	CHECK_EQ_U64(3, st.oom_kills);

	CHECK_CONTEXT("v1 stats with limits");
	put(root_v1, "memory/wirt/t1/memory.limit_in_bytes", "268435456\n");
	put(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes", "335544320\n");
	put(root_v1, "pids/wirt/t1/pids.max", "64\n");
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_EQ_U64(268435456, st.memory_limit);
	CHECK_EQ_U64(67108864, st.swap_limit);
	CHECK_EQ_U64(64, st.pids_limit);

	CHECK_CONTEXT("v1 stats of a host without memsw, blkio and pids");
	rm(root_v1, "memory/wirt/t1/memory.memsw.limit_in_bytes");
	rm(root_v1, "memory/wirt/t1/memory.memsw.usage_in_bytes");
	rm(root_v1, "blkio");
	rm(root_v1, "pids");
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_EQ_U64(1000000, st.memory_current);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.swap_current);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.swap_limit);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.pids_current);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.io_read_bytes);
	CHECK_CONTEXT(NULL);
}

static void test_v2_defaults(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v2 defaults after limits");
	fake_v2();
	put(root_v2, "wirt/t1/cpu.weight", "300\n");
	put(root_v2, "wirt/t1/cpu.max", "50000 100000\n");
	put(root_v2, "wirt/t1/cpuset.cpus", "1\n");
	put(root_v2, "wirt/t1/cpuset.mems", "0-1\n");
	put(root_v2, "wirt/t1/memory.max", "67108864\n");
	put(root_v2, "wirt/t1/memory.low", "33554432\n");
	put(root_v2, "wirt/t1/memory.swap.max", "0\n");
	put(root_v2, "wirt/t1/pids.max", "64\n");
	put(root_v2, "wirt/t1/io.weight", "default 500\n");
	put(root_v2, "wirt/t1/io.max", "8:16 rbps=1000 wbps=max riops=max wiops=max\n");
	wirt_resources_init(&res);
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("100", get(root_v2, "wirt/t1/cpu.weight"));
	CHECK_EQ_STR("max 100000", get(root_v2, "wirt/t1/cpu.max"));
	CHECK_EQ_STR("\n", get(root_v2, "wirt/t1/cpuset.cpus"));
	CHECK_EQ_STR("\n", get(root_v2, "wirt/t1/cpuset.mems"));
	CHECK_EQ_STR("max", get(root_v2, "wirt/t1/memory.max"));
	CHECK_EQ_STR("0", get(root_v2, "wirt/t1/memory.low"));
	CHECK_EQ_STR("max", get(root_v2, "wirt/t1/memory.swap.max"));
	CHECK_EQ_STR("max", get(root_v2, "wirt/t1/pids.max"));
	CHECK_EQ_STR("default 100", get(root_v2, "wirt/t1/io.weight"));
	CHECK_EQ_STR("8:16 rbps=max wbps=max riops=max wiops=max", get(root_v2, "wirt/t1/io.max"));
	CHECK_CONTEXT(NULL);
}

static void test_v2_values(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	CHECK_CONTEXT("v2 values");
	fake_v2();
	wirt_resources_init(&res);
	res.cpu_weight = 300;
	res.cpus_milli = 1500;
	snprintf(res.cpuset, sizeof(res.cpuset), "1,3");
	res.memory = 256 * M;
	res.memory_low = 128 * M;
	res.swap = 64 * M;
	res.pids = 64;
	res.io_weight = 5000;
	res.io_max_n = 1;
	res.io_max[0] = (struct wirt_io_max){ 8, 0, 1048576, 0, 0, 100 };
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("300", get(root_v2, "wirt/t1/cpu.weight"));
	CHECK_EQ_STR("150000 100000", get(root_v2, "wirt/t1/cpu.max"));
	CHECK_EQ_STR("1,3", get(root_v2, "wirt/t1/cpuset.cpus"));
	CHECK_EQ_STR("0-1", get(root_v2, "wirt/t1/cpuset.mems"));
	CHECK_EQ_STR("268435456", get(root_v2, "wirt/t1/memory.max"));
	CHECK_EQ_STR("134217728", get(root_v2, "wirt/t1/memory.low"));
	CHECK_EQ_STR("67108864", get(root_v2, "wirt/t1/memory.swap.max"));
	CHECK_EQ_STR("64", get(root_v2, "wirt/t1/pids.max"));
	CHECK_EQ_STR("default 5000", get(root_v2, "wirt/t1/io.weight"));
	CHECK_EQ_STR("8:0 rbps=1048576 wbps=max riops=max wiops=100", get(root_v2, "wirt/t1/io.max"));

	CHECK_CONTEXT("v2 swap 0 and cpus below 1 ms");
	res.swap = 0;
	res.cpus_milli = 1;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_EQ_STR("0", get(root_v2, "wirt/t1/memory.swap.max"));
	CHECK_EQ_STR("1000 100000", get(root_v2, "wirt/t1/cpu.max"));

	CHECK_CONTEXT("v2 io weight on BFQ only");
	rm(root_v2, "wirt/t1/io.weight");
	put(root_v2, "wirt/t1/io.bfq.weight", "default 100\n");
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_EQ_STR("default 1000", get(root_v2, "wirt/t1/io.bfq.weight"));
	res.io_weight = 0;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_EQ_STR("default 100", get(root_v2, "wirt/t1/io.bfq.weight"));

	CHECK_CONTEXT("v2 without io and swap controllers");
	rm(root_v2, "wirt/t1/io.bfq.weight");
	rm(root_v2, "wirt/t1/io.max");
	rm(root_v2, "wirt/t1/memory.swap.max");
	res.io_weight = 200;
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_CONTAINS(err.msg, "swap: this host's cgroups have no '");
	CHECK_CONTAINS(err.msg, "/wirt/t1/memory.swap.max'");
	res.swap = WIRT_UNLIMITED;
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_CONTAINS(err.msg, "io-weight: this host's cgroups have no '");
	res.io_weight = 0;
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_CONTAINS(err.msg, "io-max: ");
	res.io_max_n = 0;
	CHECK_EQ_INT(0, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_EQ_STR("", err.msg);

	CHECK_CONTEXT("v2 stopped vServer");
	rm(root_v2, "wirt/t1");
	CHECK_EQ_INT(-ENOENT, apply(WIRT_CGROUP_V2, &res, &err));
	CHECK_CONTAINS(err.msg, "/wirt/t1' does not exist");
	CHECK_CONTEXT(NULL);
}

static void test_v2_stats(void)
{
	struct wirt_cgroup cg = { .mode = WIRT_CGROUP_V2, .rel = "wirt/t1" };
	struct wirt_cgroup_stats st;
	struct wirt_error err;

	CHECK_CONTEXT("v2 stats");
	fake_v2();
	put(root_v2, "wirt/t1/cpu.stat", "usage_usec 7654321\nuser_usec 7000000\nsystem_usec 654321\n");
	put(root_v2, "wirt/t1/memory.current", "1000000\n");
	put(root_v2, "wirt/t1/memory.peak", "2000000\n");
	put(root_v2, "wirt/t1/memory.max", "268435456\n");
	put(root_v2, "wirt/t1/memory.swap.current", "4096\n");
	put(root_v2, "wirt/t1/pids.current", "7\n");
	put(root_v2, "wirt/t1/pids.max", "64\n");
	put(root_v2, "wirt/t1/io.stat",
	    "8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n"
	    "253:0 rbytes=100 wbytes=200 rios=10 wios=20 dbytes=5 dios=1\n");
	put(root_v2, "wirt/t1/memory.events",
	    "low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n");
	wirt_error_clear(&err);
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_EQ_U64(7654321, st.cpu_usec);
	CHECK_EQ_U64(1000000, st.memory_current);
	CHECK_EQ_U64(2000000, st.memory_peak);
	CHECK_EQ_U64(268435456, st.memory_limit);
	CHECK_EQ_U64(4096, st.swap_current);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.swap_limit);
	CHECK_EQ_U64(7, st.pids_current);
	CHECK_EQ_U64(64, st.pids_limit);
	CHECK_EQ_U64(4196, st.io_read_bytes);
	CHECK_EQ_U64(8392, st.io_write_bytes);
	CHECK_EQ_U64(11, st.io_read_ops);
	CHECK_EQ_U64(22, st.io_write_ops);
	CHECK_EQ_U64(2, st.oom_kills);

	CHECK_CONTEXT("v2 stats of an older kernel: no memory.peak, no io, no swap");
	rm(root_v2, "wirt/t1/memory.peak");
	rm(root_v2, "wirt/t1/io.stat");
	rm(root_v2, "wirt/t1/memory.swap.current");
	rm(root_v2, "wirt/t1/memory.swap.max");
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_EQ_U64(WIRT_UNLIMITED, st.memory_peak);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.io_read_bytes);
	CHECK_EQ_U64(WIRT_UNLIMITED, st.swap_current);
	CHECK_EQ_U64(1000000, st.memory_current);

	CHECK_CONTEXT("v2 stats of a stopped vServer");
	rm(root_v2, "wirt/t1");
	CHECK_EQ_INT(-ENOENT, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_CONTAINS(err.msg, "/wirt/t1' does not exist");
	CHECK_CONTEXT(NULL);
}

/* --- On the host's real cgroups (root only) --- */

static uint64_t live_u64(const struct wirt_cgroup *cg, const char *controller, const char *file)
{
	char dir[PATH_MAX];
	uint64_t v = 0;

	wirt_cgroup_path(cg, controller, dir);
	if (wirt_cgroup_read_u64(dir, file, &v) < 0)
		fprintf(stderr, "read '%s/%s': %s\n", dir, file, strerror(errno));
	return v;
}

static void live_apply(const struct wirt_cgroup *cg, uint64_t memory, uint64_t swap,
		       const char *ctx)
{
	struct wirt_resources res;
	struct wirt_error err = { 0 };

	CHECK_CONTEXT(ctx);
	wirt_resources_init(&res);
	res.memory = memory;
	res.swap = swap;
	res.cpu_weight = 300;
	res.cpus_milli = 500;
	res.pids = 64;
	CHECK_EQ_INT(0, wirt_cgroup_apply(cg, &res, &err));
	CHECK_EQ_STR("", err.msg);
}

/* v1's kernel refuses memsw < limit at every moment: growing needs memsw first,
 * shrinking the limit first. A wrong order fails here with EINVAL. */
static void test_live_v1(const struct wirt_cgroup *cg)
{
	char dir[PATH_MAX];

	if (!wirt_cgroup_has(wirt_cgroup_path(cg, "memory", dir), "memory.memsw.limit_in_bytes")) {
		fprintf(stderr, "test-cgroup: live v1 memsw order skipped: no swap accounting\n");
		return;
	}
	live_apply(cg, 64 * M, 0, "live v1: memory 64M swap 0");
	CHECK_EQ_U64(64 * M, live_u64(cg, "memory", "memory.limit_in_bytes"));
	CHECK_EQ_U64(64 * M, live_u64(cg, "memory", "memory.memsw.limit_in_bytes"));
	CHECK_EQ_U64(3072, live_u64(cg, "cpu", "cpu.shares"));
	CHECK_EQ_U64(50000, live_u64(cg, "cpu", "cpu.cfs_quota_us"));
	CHECK_EQ_U64(64, live_u64(cg, "pids", "pids.max"));
	live_apply(cg, 256 * M, 0, "live v1: grow to memory 256M swap 0 (memsw first)");
	CHECK_EQ_U64(256 * M, live_u64(cg, "memory", "memory.limit_in_bytes"));
	CHECK_EQ_U64(256 * M, live_u64(cg, "memory", "memory.memsw.limit_in_bytes"));
	live_apply(cg, 32 * M, 16 * M, "live v1: shrink to memory 32M swap 16M (limit first)");
	CHECK_EQ_U64(32 * M, live_u64(cg, "memory", "memory.limit_in_bytes"));
	CHECK_EQ_U64(48 * M, live_u64(cg, "memory", "memory.memsw.limit_in_bytes"));
	live_apply(cg, WIRT_UNLIMITED, WIRT_UNLIMITED, "live v1: no limits");
	CHECK(live_u64(cg, "memory", "memory.limit_in_bytes") >= (UINT64_C(1) << 62));
	CHECK(live_u64(cg, "memory", "memory.memsw.limit_in_bytes") >= (UINT64_C(1) << 62));
	live_apply(cg, 16 * M, 0, "live v1: from no limit to memory 16M swap 0");
	CHECK_EQ_U64(16 * M, live_u64(cg, "memory", "memory.memsw.limit_in_bytes"));
}

/* A child in the cgroup writes 1 MiB with O_DIRECT to a file under 'base': the
 * stats must count it (on v1 only because create set blk-throttle up on every disk). */
static void test_live_io(const struct wirt_cgroup *cg)
{
	struct wirt_cgroup_stats st;
	struct wirt_error err = { 0 };
	char p[PATH_MAX];
	int status = 0, fd;
	pid_t pid;

	CHECK_CONTEXT("live io stats");
	snprintf(p, sizeof(p), "%s/io", base);
	fd = open(p, O_WRONLY | O_CREAT | O_DIRECT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "test-cgroup: live io skipped: O_DIRECT on '%s': %s\n", p,
			strerror(errno));
		return;
	}
	close(fd);
	pid = fork();
	if (pid == 0) {
		static char buf[1 << 20] __attribute__((aligned(4096)));

		if (wirt_cgroup_attach(cg, 0, &err) < 0)
			_exit(2);
		fd = open(p, O_WRONLY | O_DIRECT | O_CLOEXEC);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd) < 0)
			_exit(3);
		_exit(0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK_EQ_INT(0, status);
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(cg, &st, &err));
	CHECK(st.io_write_bytes != WIRT_UNLIMITED && st.io_write_bytes >= (1 << 20));
	if (!(st.io_write_bytes != WIRT_UNLIMITED && st.io_write_bytes >= (1 << 20)))
		fprintf(stderr, "  io_write_bytes %" PRIu64 "\n", st.io_write_bytes);
	CHECK(st.io_write_ops != WIRT_UNLIMITED && st.io_write_ops >= 1);
}

static int test_live(void)
{
	struct wirt_cgroup_stats st;
	struct wirt_error err = { 0 };
	struct wirt_cgroup cg;

	if (geteuid() != 0) {
		fprintf(stderr, "test-cgroup: live part skipped: not root\n");
		return 0;
	}
	unsetenv("WIRT_CGROUP_ROOT");
	unsetenv("WIRT_CGROUP_MODE");
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) < 0 &&
	    access("/sys/fs/cgroup/memory/memory.limit_in_bytes", F_OK) < 0) {
		fprintf(stderr, "test-cgroup: live part skipped: no memory cgroup\n");
		return 0;
	}
	wirt_cgroup_init(&cg, base, "t-live");
	CHECK_CONTEXT("live create");
	if (wirt_cgroup_create(&cg, 0, &err) < 0) {
		fprintf(stderr, "test-cgroup: live part skipped: %s\n", err.msg);
		return 0;
	}
	if (cg.mode == WIRT_CGROUP_V1) {
		test_live_v1(&cg);
	} else {
		live_apply(&cg, 64 * M, 0, "live v2: memory 64M swap 0");
		CHECK_EQ_U64(64 * M, live_u64(&cg, NULL, "memory.max"));
		CHECK_EQ_U64(64, live_u64(&cg, NULL, "pids.max"));
		CHECK_EQ_U64(300, live_u64(&cg, NULL, "cpu.weight"));
	}
	CHECK_CONTEXT("live stats");
	CHECK_EQ_INT(0, wirt_cgroup_read_stats(&cg, &st, &err));
	CHECK_EQ_U64(16 * M * (cg.mode == WIRT_CGROUP_V1) + 64 * M * (cg.mode == WIRT_CGROUP_V2),
		     st.memory_limit);
	CHECK_EQ_U64(64, st.pids_limit);
	CHECK_EQ_U64(0, st.pids_current);
	test_live_io(&cg);
	CHECK_CONTEXT("live destroy");
	CHECK_EQ_INT(0, wirt_cgroup_destroy(&cg, &err));
	CHECK_CONTEXT(NULL);
	return 0;
}

int main(void)
{
	snprintf(base, sizeof(base), "/tmp/wirt-test-cgroup-XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(root_v1, sizeof(root_v1), "%s/v1", base);
	snprintf(root_v2, sizeof(root_v2), "%s/v2", base);
	test_detect();
	test_v1_defaults();
	test_v1_values();
	test_v1_shares();
	test_v1_io_weight();
	test_v1_swap_errors();
	test_v1_io_max();
	test_v1_stopped_and_errors();
	test_v1_stats();
	test_v2_defaults();
	test_v2_values();
	test_v2_stats();
	test_live();
	wirt_rm_rf(base);
	return check_exit("test-cgroup");
}
