/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * config.json's linux.resources: the device cgroup rules into the OCI struct, the rest
 * onto the engine's struct wirt_resources (docs/oci.md has the mapping). What wirt
 * cannot apply is refused, not ignored.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "util.h"
#include "validate.h"

#define CPU_SHARES_MIN 2      /* the kernel's MIN_SHARES */
#define CPU_SHARES_MAX 262144 /* MAX_SHARES */
#define CPU_PERIOD_DEFAULT 100000
#define CPU_PERIOD_MIN 1000    /* cpu.cfs_period_us: 1 ms ... */
#define CPU_PERIOD_MAX 1000000 /* ... to 1 s */
#define WEIGHT_MAX 10000

static int parse_device_rule(json_t *v, struct jpath *p, struct wirt_device_rule *d,
			     struct wirt_error *err)
{
	static const char *const types[] = { "a", "c", "b" };
	char shown[WIRT_ESCAPE_MAX];
	const char *access;
	size_t old;
	json_t *f;
	int r, t;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "allow", &old);
	if (!f)
		return jp_bad(p, err, "missing");
	r = jp_want_bool(f, p, &d->allow, err);
	if (r < 0)
		return r;
	jp_pop(p, old);
	d->type = 'a';
	f = jp_field(v, p, "type", &old);
	if (f) {
		r = jp_want_enum(f, p, types, ARRAY_SIZE(types), "device type", &t, err);
		if (r < 0)
			return r;
		d->type = types[t][0];
	}
	jp_pop(p, old);
	d->major = d->minor = -1;
	f = jp_field(v, p, "major", &old);
	if (f && (r = jp_want_int(f, p, -1, UINT32_MAX, &d->major, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "minor", &old);
	if (f && (r = jp_want_int(f, p, -1, UINT32_MAX, &d->minor, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "access", &old);
	if (f) {
		r = jp_want_string(f, p, &access, err);
		if (r < 0)
			return r;
		if (strlen(access) > 3 || strspn(access, "rwm") != strlen(access))
			return jp_bad(p, err, "'%s' is not some of 'rwm'",
				      jp_esc(access, shown, sizeof(shown)));
		for (size_t i = 0; access[i]; i++)
			if (strchr(access + i + 1, access[i]))
				return jp_bad(p, err, "'%s' names '%c' twice",
					      jp_esc(access, shown, sizeof(shown)), access[i]);
		memcpy(d->access, access, strlen(access) + 1);
	}
	jp_pop(p, old);
	return 0;
}

static int parse_device_rules(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			      struct wirt_error *err)
{
	size_t n = json_array_size(v), old;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	s->device_rules = calloc(n + 1, sizeof(*s->device_rules));
	if (!s->device_rules)
		return jp_nomem(err);
	for (size_t i = 0; i < n; i++) {
		old = jp_index(p, i);
		r = parse_device_rule(json_array_get(v, i), p, &s->device_rules[i], err);
		if (r < 0)
			return r;
		s->n_device_rules++;
		jp_pop(p, old);
	}
	return 0;
}

static int parse_memory(json_t *v, struct jpath *p, struct wirt_resources *res,
			struct wirt_error *err)
{
	int64_t limit, reservation, swap;
	int r;

	r = jp_want_object(v, p, err);
	if (r == 0)
		r = jp_opt_int(v, p, "limit", -1, INT64_MAX, 0, &limit, err);
	if (r == 0)
		r = jp_opt_int(v, p, "reservation", -1, INT64_MAX, 0, &reservation, err);
	if (r == 0)
		r = jp_opt_int(v, p, "swap", -1, INT64_MAX, 0, &swap, err);
	/* kernel memory limits are gone from the kernel (5.16) and from cgroup v2: only
	 * "no limit" (-1, or 0 as Go writes an unset field) is taken */
	if (r == 0)
		r = jp_refuse_unlimited(v, p, "kernel", err);
	if (r == 0)
		r = jp_refuse_unlimited(v, p, "kernelTCP", err);
	if (r == 0)
		r = jp_refuse(v, p, "swappiness", err);
	if (r == 0)
		r = jp_refuse_true(v, p, "disableOOMKiller", err);
	if (r < 0)
		return r;
	if (limit > 0) {
		if ((uint64_t)limit < WIRT_MEMORY_MIN) {
			jp_key(p, "limit");
			return jp_bad(p, err, "%" PRId64 " below wirt's minimum %llu", limit,
				      WIRT_MEMORY_MIN);
		}
		res->memory = (uint64_t)limit;
	}
	if (reservation > 0)
		res->memory_low = (uint64_t)reservation;
	/* OCI's swap is memory plus swap (v1's memsw); wirt's is the swap alone. */
	if (swap == -1) {
		res->swap = WIRT_UNLIMITED;
	} else if (swap > 0) {
		jp_key(p, "swap");
		if (limit <= 0)
			return jp_bad(p, err, "needs memory.limit (swap counts memory plus swap)");
		if (swap < limit)
			return jp_bad(p, err, "%" PRId64 " below memory.limit %" PRId64
				   " (swap counts memory plus swap)", swap, limit);
		res->swap = (uint64_t)(swap - limit);
	}
	return 0;
}

static int parse_cpuset(const char *s, const struct jpath *p, struct wirt_resources *res,
			struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	if (strlen(s) >= sizeof(res->cpuset) || strspn(s, "0123456789,-") != strlen(s))
		return jp_bad(p, err, "'%s' is not a CPU list like '0-3,6'",
			      jp_esc(s, shown, sizeof(shown)));
	memcpy(res->cpuset, s, strlen(s) + 1);
	return 0;
}

/* shares (v1, 2..262144, default 1024) to weight (1..10000, default 100): the inverse
 * of the linear mapping cgroup.c uses on v1 (docs/resources.md), so a round trip keeps
 * the value and the defaults meet. */
static uint32_t shares_to_weight(uint64_t shares)
{
	uint64_t w = (shares * 100 + 512) / 1024;

	return w < 1 ? 1 : w > WEIGHT_MAX ? WEIGHT_MAX : (uint32_t)w;
}

static int set_cpus_milli(int64_t quota, int64_t period, const struct jpath *p,
			  struct wirt_resources *res, struct wirt_error *err)
{
	/* rounded up: a cap never comes out lower than asked */
	uint64_t milli = ((uint64_t)quota * 1000 + (uint64_t)period - 1) / (uint64_t)period;

	if (milli > 4096 * 1000)
		return jp_bad(p, err, "quota %" PRId64 " per period %" PRId64 " is above 4096 CPUs",
			      quota, period);
	res->cpus_milli = (uint32_t)milli;
	return 0;
}

static int parse_cpu(json_t *v, struct jpath *p, struct wirt_resources *res,
		     struct wirt_error *err)
{
	int64_t shares, quota, period;
	const char *cpus;
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r == 0)
		r = jp_opt_int(v, p, "shares", 0, CPU_SHARES_MAX, 0, &shares, err);
	if (r == 0)
		r = jp_opt_int(v, p, "quota", -1, INT64_MAX / 1000, 0, &quota, err);
	if (r == 0)
		r = jp_opt_int(v, p, "period", 0, CPU_PERIOD_MAX, 0, &period, err);
	if (r == 0)
		r = jp_refuse_int(v, p, "burst", 0, err);
	if (r == 0)
		r = jp_refuse_int(v, p, "realtimeRuntime", 0, err);
	if (r == 0)
		r = jp_refuse_int(v, p, "realtimePeriod", 0, err);
	if (r == 0)
		r = jp_refuse_int(v, p, "idle", 0, err);
	if (r < 0)
		return r;
	if (shares > 0 && shares < CPU_SHARES_MIN) {
		jp_key(p, "shares");
		return jp_bad(p, err, "%" PRId64 " below the kernel's minimum 2", shares);
	}
	if (shares > 0)
		res->cpu_weight = shares_to_weight((uint64_t)shares);
	if (period > 0 && period < CPU_PERIOD_MIN) {
		jp_key(p, "period");
		return jp_bad(p, err, "%" PRId64 " out of range 1000..1000000", period);
	}
	if (quota > 0) {
		old = jp_key(p, "quota");
		r = set_cpus_milli(quota, period ? period : CPU_PERIOD_DEFAULT, p, res, err);
		if (r < 0)
			return r;
		jp_pop(p, old);
	}
	f = jp_field(v, p, "cpus", &old);
	if (f) {
		r = jp_want_string(f, p, &cpus, err);
		if (r == 0)
			r = parse_cpuset(cpus, p, res, err);
		if (r < 0)
			return r;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "mems", &old);
	if (f) {
		r = jp_want_string(f, p, &cpus, err);
		if (r < 0)
			return r;
		if (cpus[0]) /* the engine has no cpuset.mems */
			return jp_bad(p, err, "not supported by wirt");
	}
	jp_pop(p, old);
	return 0;
}

static struct wirt_io_max *io_max_for(struct wirt_resources *res, unsigned major, unsigned minor)
{
	for (unsigned i = 0; i < res->io_max_n; i++)
		if (res->io_max[i].major == major && res->io_max[i].minor == minor)
			return &res->io_max[i];
	if (res->io_max_n >= WIRT_IO_MAX_DEVICES)
		return NULL;
	res->io_max[res->io_max_n] = (struct wirt_io_max){ .major = major, .minor = minor };
	return &res->io_max[res->io_max_n++];
}

static int parse_throttle(json_t *v, struct jpath *p, size_t which, struct wirt_resources *res,
			  struct wirt_error *err)
{
	static const char *const keys[] = { "major", "minor", "rate" };
	int64_t vals[3];
	struct wirt_io_max *m;
	size_t old;
	json_t *e;
	int r;

	r = jp_want_array(v, p, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < json_array_size(v); i++) {
		old = jp_index(p, i);
		e = json_array_get(v, i);
		r = jp_want_object(e, p, err);
		if (r < 0)
			return r;
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			r = jp_opt_int(e, p, keys[k], 0, k < 2 ? UINT32_MAX : INT64_MAX, -1, &vals[k],
				       err);
			if (r < 0)
				return r;
			if (vals[k] < 0) {
				jp_key(p, keys[k]);
				return jp_bad(p, err, "missing");
			}
		}
		m = io_max_for(res, (unsigned)vals[0], (unsigned)vals[1]);
		if (!m)
			return jp_bad(p, err, "more than %d devices", WIRT_IO_MAX_DEVICES);
		/* 0 means "no cap" in wirt_io_max, as it does in OCI */
		if (which == 0)
			m->rbps = (uint64_t)vals[2];
		else if (which == 1)
			m->wbps = (uint64_t)vals[2];
		else if (which == 2)
			m->riops = (uint64_t)vals[2];
		else
			m->wiops = (uint64_t)vals[2];
		jp_pop(p, old);
	}
	return 0;
}

static int parse_blkio(json_t *v, struct jpath *p, struct wirt_resources *res,
		       struct wirt_error *err)
{
	static const char *const throttles[] = { "throttleReadBpsDevice", "throttleWriteBpsDevice",
						 "throttleReadIOPSDevice",
						 "throttleWriteIOPSDevice" };
	int64_t weight;
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	/* BFQ's scale (10..1000, default 100): what runc and crun write to io.bfq.weight,
	 * and what cgroup.c writes for io_weight on v1 with BFQ */
	if (r == 0)
		r = jp_opt_int(v, p, "weight", 10, 1000, 0, &weight, err);
	if (r == 0)
		r = jp_refuse(v, p, "leafWeight", err);
	if (r == 0)
		r = jp_refuse_nonempty(v, p, "weightDevice", err);
	if (r < 0)
		return r;
	if (weight)
		res->io_weight = (uint32_t)weight;
	for (size_t i = 0; i < ARRAY_SIZE(throttles); i++) {
		f = jp_field(v, p, throttles[i], &old);
		if (f && (r = parse_throttle(f, p, i, res, err)) < 0)
			return r;
		jp_pop(p, old);
	}
	return 0;
}

/* "max" or a number of bytes / tasks, as cgroup v2 files hold them. */
static int unified_u64(const char *s, const struct jpath *p, uint64_t *ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	char *end;

	if (strcmp(s, "max") == 0) {
		*ret = WIRT_UNLIMITED;
		return 0;
	}
	errno = 0;
	if (s[0] >= '0' && s[0] <= '9') {
		*ret = strtoull(s, &end, 10);
		if (errno == 0 && !*end && *ret != WIRT_UNLIMITED)
			return 0;
	}
	return jp_bad(p, err, "'%s' is not a number or 'max'", jp_esc(s, shown, sizeof(shown)));
}

/* linux.resources.unified: the cgroup v2 files wirt sets itself; any other is refused
 * (writing a file the engine does not know of could undo what it set). */
static int parse_unified(json_t *v, struct jpath *p, struct wirt_resources *res,
			 struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	const char *key, *s;
	uint64_t n, quota, period;
	size_t old;
	json_t *val;
	int r, used;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	json_object_foreach(v, key, val) {
		old = jp_mapkey(p, key);
		r = jp_want_string(val, p, &s, err);
		if (r < 0)
			return r;
		if (strcmp(key, "memory.max") == 0 || strcmp(key, "memory.low") == 0 ||
		    strcmp(key, "memory.swap.max") == 0 || strcmp(key, "pids.max") == 0) {
			r = unified_u64(s, p, &n, err);
			if (r < 0)
				return r;
			if (strcmp(key, "memory.max") == 0 && n < WIRT_MEMORY_MIN)
				return jp_bad(p, err, "%" PRIu64 " below wirt's minimum %llu", n,
					      WIRT_MEMORY_MIN);
			if (key[0] == 'p')
				res->pids = n ? n : WIRT_UNLIMITED;
			else if (strcmp(key, "memory.max") == 0)
				res->memory = n;
			else if (strcmp(key, "memory.low") == 0)
				res->memory_low = n == WIRT_UNLIMITED ? 0 : n;
			else
				res->swap = n;
		} else if (strcmp(key, "cpu.weight") == 0) {
			r = unified_u64(s, p, &n, err);
			if (r == 0 && (n < 1 || n > WEIGHT_MAX))
				r = jp_bad(p, err, "'%s' out of range 1..10000",
					   jp_esc(s, shown, sizeof(shown)));
			if (r < 0)
				return r;
			res->cpu_weight = (uint32_t)n;
		} else if (strcmp(key, "cpu.max") == 0) {
			period = CPU_PERIOD_DEFAULT;
			used = 0;
			if (strncmp(s, "max", 3) == 0 && (s[3] == '\0' || s[3] == ' ')) {
				res->cpus_milli = 0;
				continue;
			}
			if (sscanf(s, "%" SCNu64 " %" SCNu64 "%n", &quota, &period, &used) < 1 ||
			    (used && s[used]) || quota == 0 || quota > INT64_MAX / 1000 ||
			    period < CPU_PERIOD_MIN || period > CPU_PERIOD_MAX ||
			    !(s[0] >= '0' && s[0] <= '9'))
				return jp_bad(p, err, "'%s' is not 'QUOTA [PERIOD]' or 'max'",
					      jp_esc(s, shown, sizeof(shown)));
			r = set_cpus_milli((int64_t)quota, (int64_t)period, p, res, err);
			if (r < 0)
				return r;
		} else if (strcmp(key, "cpuset.cpus") == 0) {
			r = parse_cpuset(s, p, res, err);
			if (r < 0)
				return r;
		} else {
			return jp_bad(p, err, "not supported by wirt");
		}
		jp_pop(p, old);
	}
	return 0;
}

int wirt_oci_resources_parse(json_t *v, struct jpath *p, struct wirt_oci_spec *s,
			     struct wirt_error *err)
{
	struct wirt_resources *res = &s->spec.resources;
	int64_t pids;
	size_t old;
	json_t *f;
	int r;

	r = jp_want_object(v, p, err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "devices", &old);
	if (f && (r = parse_device_rules(f, p, s, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "memory", &old);
	if (f && (r = parse_memory(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "cpu", &old);
	if (f && (r = parse_cpu(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	f = jp_field(v, p, "pids", &old);
	if (f) {
		r = jp_want_object(f, p, err);
		if (r == 0)
			r = jp_opt_int(f, p, "limit", INT64_MIN, INT64_MAX, 0, &pids, err);
		if (r < 0)
			return r;
		/* as runc: 0 leaves it unset, a negative value means "max" */
		res->pids = pids > 0 ? (uint64_t)pids : WIRT_UNLIMITED;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "blockIO", &old);
	if (f && (r = parse_blkio(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	r = jp_refuse_nonempty(v, p, "hugepageLimits", err);
	if (r == 0)
		r = jp_refuse(v, p, "rdma", err);
	if (r < 0)
		return r;
	f = jp_field(v, p, "network", &old);
	if (f) {
		r = jp_want_object(f, p, err);
		if (r == 0)
			r = jp_refuse(f, p, "classID", err);
		if (r == 0)
			r = jp_refuse_nonempty(f, p, "priorities", err);
		if (r < 0)
			return r;
	}
	jp_pop(p, old);
	f = jp_field(v, p, "unified", &old);
	if (f && (r = parse_unified(f, p, res, err)) < 0)
		return r;
	jp_pop(p, old);
	return 0;
}
