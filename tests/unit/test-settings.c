/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of settings.c: wirt_resources_check_host against this host's CPUs and
 * block devices, and wirt_vserver_set on a stopped vServer of a temporary root dir
 * (its config file is checked byte for byte when a set must change nothing). The live
 * path (a running vServer's cgroup) is in tests/integration/test_settings.py.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "settings.h"
#include "spec.h"

static int check_host(const struct wirt_resources *res, struct wirt_error *err)
{
	wirt_error_clear(err);
	return wirt_resources_check_host(res, err);
}

/* Is CPU 'cpu' in the kernel's list 'list' ("0-3,6\n")? */
static int in_cpu_list(const char *list, long cpu)
{
	const char *p = list;

	while (*p && *p != '\n') {
		char *end;
		long first = strtol(p, &end, 10), last = first;

		if (*end == '-')
			last = strtol(end + 1, &end, 10);
		if (cpu >= first && cpu <= last)
			return 1;
		p = *end == ',' ? end + 1 : end;
	}
	return 0;
}

static void test_check_host_cpus(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	struct wirt_resources res;
	struct wirt_error err;
	char want[128];

	wirt_resources_init(&res);
	CHECK_EQ_INT(0, check_host(&res, &err));
	CHECK_EQ_STR("", err.msg);

	res.cpus_milli = (uint32_t)online * 1000;
	CHECK_EQ_INT(0, check_host(&res, &err));
	CHECK_EQ_STR("", err.msg);
	res.cpus_milli = 500;
	CHECK_EQ_INT(0, check_host(&res, &err));

	res.cpus_milli = (uint32_t)online * 1000 + 1;
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	snprintf(want, sizeof(want),
		 "[resources] cpus: must be at most %ld (the host's online CPUs), not '%ld.001'",
		 online, online);
	CHECK_EQ_STR(want, err.msg);
	res.cpus_milli = (uint32_t)online * 1000 + 500;
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	snprintf(want, sizeof(want), "not '%ld.5'", online);
	CHECK_CONTAINS(err.msg, want);
	res.cpus_milli = 4096000;
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	CHECK_CONTAINS(err.msg, "not '4096'");
}

static void test_check_host_cpuset(void)
{
	struct wirt_resources res;
	struct wirt_error err;
	char online[1024] = "", want[1200];
	long offline = -1;
	FILE *f;

	f = fopen("/sys/devices/system/cpu/online", "re");
	if (!f || !fgets(online, sizeof(online), f)) {
		fprintf(stderr, "skipped the cpuset checks: cannot read "
				"/sys/devices/system/cpu/online\n");
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	online[strcspn(online, "\n")] = '\0';
	for (long c = 0; c < 4096 && offline < 0; c++)
		if (!in_cpu_list(online, c))
			offline = c;

	wirt_resources_init(&res);
	snprintf(res.cpuset, sizeof(res.cpuset), "%s", online);
	CHECK_CONTEXT(res.cpuset);
	CHECK_EQ_INT(0, check_host(&res, &err)); /* every online CPU */
	CHECK_EQ_STR("", err.msg);
	if (in_cpu_list(online, 0)) {
		snprintf(res.cpuset, sizeof(res.cpuset), "0");
		CHECK_EQ_INT(0, check_host(&res, &err));
	}
	if (offline >= 0) {
		snprintf(res.cpuset, sizeof(res.cpuset), "%ld", offline);
		CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
		snprintf(want, sizeof(want),
			 "[resources] cpuset: CPU %ld is not online (online: %s)", offline,
			 online);
		CHECK_EQ_STR(want, err.msg);
	}
	snprintf(res.cpuset, sizeof(res.cpuset), "4095");
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	CHECK_CONTAINS(err.msg, "[resources] cpuset: CPU 4095 is not online");
	CHECK_CONTEXT(NULL);
}

static void test_check_host_io(void)
{
	struct wirt_resources res;
	struct wirt_error err;
	unsigned dev_major, dev_minor;
	struct dirent *de;
	bool found = false;
	DIR *d;

	wirt_resources_init(&res);
	res.io_max_n = 1;
	res.io_max[0] = (struct wirt_io_max){ .major = 4095, .minor = 1048575, .rbps = 1 };
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	CHECK_EQ_STR("[resources] io-max: no block device 4095:1048575", err.msg);

	d = opendir("/sys/dev/block");
	while (d && (de = readdir(d)))
		if (sscanf(de->d_name, "%u:%u", &dev_major, &dev_minor) == 2) {
			found = true;
			break;
		}
	if (d)
		closedir(d);
	if (!found) {
		fprintf(stderr, "skipped the check of a present device: no block device in "
				"/sys/dev/block\n");
		return;
	}
	res.io_max[0].major = dev_major;
	res.io_max[0].minor = dev_minor;
	CHECK_EQ_INT(0, check_host(&res, &err));
	CHECK_EQ_STR("", err.msg);
	/* The second of two is checked too. */
	res.io_max_n = 2;
	res.io_max[1] = (struct wirt_io_max){ .major = 4095, .minor = 7, .wiops = 1 };
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	CHECK_EQ_STR("[resources] io-max: no block device 4095:7", err.msg);
}

static void test_check_host_swap(void)
{
	struct wirt_resources res;
	struct wirt_error err;

	wirt_resources_init(&res);
	res.swap = 0;
	setenv("WIRT_CGROUP_MODE", "v1", 1);
	CHECK_EQ_INT(-EINVAL, check_host(&res, &err));
	CHECK_CONTAINS(err.msg, "[resources] swap: this host's cgroup v1 limits swap only "
				"together with memory: set memory too");
	res.memory = 1ull << 30;
	CHECK_EQ_INT(0, check_host(&res, &err));
	res.memory = WIRT_UNLIMITED;
	setenv("WIRT_CGROUP_MODE", "v2", 1);
	CHECK_EQ_INT(0, check_host(&res, &err));
	unsetenv("WIRT_CGROUP_MODE");
}

/* ---- wirt_vserver_set on a stopped vServer ---- */

struct fixture {
	char root[64];
	char config[PATH_MAX];
	char cgroups[64];
};

static char *read_file(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int fixture_setup(struct fixture *fx)
{
	struct wirt_spec spec;
	struct wirt_error err;
	char dir[PATH_MAX];

	snprintf(fx->root, sizeof(fx->root), "/tmp/wirt-test-settings.XXXXXX");
	snprintf(fx->cgroups, sizeof(fx->cgroups), "/tmp/wirt-test-settings-cg.XXXXXX");
	if (!mkdtemp(fx->root) || !mkdtemp(fx->cgroups)) {
		perror("mkdtemp");
		return -1;
	}
	/* An empty cgroup tree: no host cgroup is looked at, the vServer is stopped. */
	setenv("WIRT_CGROUP_ROOT", fx->cgroups, 1);
	setenv("WIRT_CGROUP_MODE", "v2", 1);
	snprintf(dir, sizeof(dir), "%s/vservers", fx->root);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/vservers/web1", fx->root);
	mkdir(dir, 0755);
	snprintf(fx->config, sizeof(fx->config), "%s/config", dir);
	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;
	spec.resources.memory = 256ull << 20;
	if (wirt_config_save(fx->config, &spec, &err) < 0) {
		fprintf(stderr, "save: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void fixture_teardown(struct fixture *fx)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s' '%s'", fx->root, fx->cgroups);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->root);
	unsetenv("WIRT_CGROUP_ROOT");
	unsetenv("WIRT_CGROUP_MODE");
}

static int set(struct fixture *fx, const char *name, char **assignments, size_t n,
	       struct wirt_error *err)
{
	wirt_error_clear(err);
	return wirt_vserver_set(fx->root, name, assignments, n, err);
}

/* A set that must fail and change nothing: the config stays byte-identical. */
static void check_refused(struct fixture *fx, char **assignments, size_t n, int code,
			  const char *message)
{
	struct wirt_error err;
	char before[65536];
	const char *after;

	CHECK_CONTEXT(assignments[0]);
	snprintf(before, sizeof(before), "%s", read_file(fx->config));
	CHECK_EQ_INT(code, set(fx, "web1", assignments, n, &err));
	CHECK_CONTAINS(err.msg, message);
	after = read_file(fx->config);
	CHECK_EQ_STR(before, after);
	CHECK_CONTEXT(NULL);
}

static void test_set(void)
{
	struct fixture fx;
	struct wirt_spec spec;
	struct wirt_error err;
	char over[64];
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	if (fixture_setup(&fx) < 0) {
		CHECK(false);
		return;
	}

	char *good[] = { "memory=512M", "cpus=0.5", "pids=100", "hostname=h2.example.com",
			 "cpu-weight=300", "vserver.autostart=yes", "resources.swap=0" };
	CHECK_EQ_INT(0, set(&fx, "web1", good, 7, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_INT(0, wirt_config_load(fx.config, &spec, &err));
	CHECK_EQ_U64(512ull << 20, spec.resources.memory);
	CHECK_EQ_INT(500, spec.resources.cpus_milli);
	CHECK_EQ_U64(100, spec.resources.pids);
	CHECK_EQ_U64(0, spec.resources.swap);
	CHECK_EQ_INT(300, spec.resources.cpu_weight);
	CHECK_EQ_STR("h2.example.com", spec.hostname);
	CHECK_EQ_INT(true, spec.autostart);
	CHECK_EQ_U64(1000000000u, spec.id_base);
	CHECK_CONTAINS(read_file(fx.config), "\n[resources]\ncpu-weight = 300\ncpus = 0.5\n");

	/* Assignments apply in order, the whole spec is checked after the last. */
	char *related[] = { "memory-low=1G", "memory=2G" };
	CHECK_EQ_INT(0, set(&fx, "web1", related, 2, &err));
	CHECK_EQ_STR("", err.msg);
	char *clear[] = { "memory=max", "memory-low=0", "cpus=max", "pids=max" };
	CHECK_EQ_INT(0, set(&fx, "web1", clear, 4, &err));
	CHECK_EQ_INT(0, wirt_config_load(fx.config, &spec, &err));
	CHECK_EQ_U64(WIRT_UNLIMITED, spec.resources.memory);
	CHECK_EQ_INT(0, spec.resources.cpus_milli);
	CHECK(strstr(read_file(fx.config), "memory") == NULL);
	char *back[] = { "memory=256M" };
	CHECK_EQ_INT(0, set(&fx, "web1", back, 1, &err));

	/* Refused: nothing changes, the message names the assignment or the field. */
	char *bad_value[] = { "pids=10", "memory=abc" };
	check_refused(&fx, bad_value, 2, -EINVAL,
		      "'memory=abc': invalid size 'abc': not a number");
	char *too_small[] = { "memory=1M" };
	check_refused(&fx, too_small, 1, -EINVAL,
		      "'memory=1M': must be at least 3M (what a busybox init needs), not '1M'");
	char *unknown[] = { "pids=10", "foo=1" };
	check_refused(&fx, unknown, 2, -EINVAL,
		      "'foo=1': unknown key 'foo' (keys: hostname, autostart, stop-signal, "
		      "stop-timeout, cpu-weight, cpus, cpuset, memory, memory-low, swap, pids, "
		      "io-weight, io-max, "
		   "disk, mode, ip, bridge, mac, gateway, policy, resolver, port)");
	char *fixed[] = { "template=debian" };
	check_refused(&fx, fixed, 1, -EINVAL, "'template=debian': key 'template' cannot "
					      "be changed");
	char *fixed_name[] = { "name=web2" };
	check_refused(&fx, fixed_name, 1, -EINVAL, "key 'name' cannot be changed");
	char *fixed_base[] = { "ids.base=1000065536" };
	check_refused(&fx, fixed_base, 1, -EINVAL,
		      "'ids.base=1000065536': key 'base' cannot be changed");
	char *wrong_section[] = { "vserver.memory=1G" };
	check_refused(&fx, wrong_section, 1, -EINVAL, "unknown key 'memory' in [vserver]");
	char *related_bad[] = { "memory-low=512M" };
	check_refused(&fx, related_bad, 1, -EINVAL,
		      "[resources] memory-low: must not be more than memory (256M), not '512M'");
	snprintf(over, sizeof(over), "cpus=%ld.5", online);
	char *over_host[] = { over };
	check_refused(&fx, over_host, 1, -EINVAL, "[resources] cpus: must be at most");
	char *no_device[] = { "io-max=4095:0:rbps=1M" };
	check_refused(&fx, no_device, 1, -EINVAL, "[resources] io-max: no block device 4095:0");
	char *no_equals[] = { "memory" };
	check_refused(&fx, no_equals, 1, -EINVAL, "'memory': expected KEY=VALUE");
	char *escaped[] = { "hostname=a\nb" };
	check_refused(&fx, escaped, 1, -EINVAL, "'hostname=a\\x0ab': invalid hostname");
	check_refused(&fx, good, 0, -EINVAL, "nothing to set");

	CHECK_EQ_INT(-ENOENT, set(&fx, "web2", good, 1, &err));
	CHECK_CONTAINS(err.msg, "no such vServer");
	CHECK_EQ_INT(-EINVAL, set(&fx, "../web1", good, 1, &err));
	CHECK_CONTAINS(err.msg, "invalid vServer name '../web1'");

	fixture_teardown(&fx);
}

int main(void)
{
	test_check_host_cpus();
	test_check_host_cpuset();
	test_check_host_io();
	test_check_host_swap();
	test_set();
	return check_exit("test-settings");
}
