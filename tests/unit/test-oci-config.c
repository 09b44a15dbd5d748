/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt_oci_config_parse on real config.json files: a Podman-like bundle's, what
 * `runc spec` (also --rootless) and `crun spec` write (saved in data/ and, when runc is
 * installed, made fresh), small good configs, and bad ones each with the exact
 * "<json path>: <cause>" message. Argument: the data directory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "check.h"
#include "oci/config.h"

static const char *data_dir = "tests/unit/data";

/* The tables below write JSON with ' for " to stay readable. */
static char *unquote(const char *s)
{
	char *t = strdup(s);

	for (char *p = t; p && *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

static int parse_text(const char *json, struct wirt_oci_spec *s, struct wirt_error *err)
{
	char *t = unquote(json);
	int r = wirt_oci_config_parse(t, strlen(t), s, err);

	free(t);
	return r;
}

static int load(const char *name, struct wirt_oci_spec *s, struct wirt_error *err)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	return wirt_oci_config_load(path, s, err);
}

static void test_podman(void)
{
	struct wirt_oci_spec s;
	struct wirt_error err = { 0 };
	const struct wirt_resources *res = &s.spec.resources;
	const struct wirt_oci_process *proc = &s.process;

	CHECK_CONTEXT("podman.json");
	CHECK_EQ_INT(0, load("podman.json", &s, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("1.1.0", s.oci_version);
	CHECK_EQ_STR("/var/lib/containers/storage/overlay/3f2a/merged", s.root_path);
	CHECK(s.root_readonly);
	CHECK_EQ_STR("web1", s.spec.hostname);
	CHECK_EQ_STR("", s.spec.name);

	/* resources, mapped to the engine's knobs */
	CHECK_EQ_U64(512ull << 20, res->memory);
	CHECK_EQ_U64(256ull << 20, res->memory_low);
	CHECK_EQ_U64(512ull << 20, res->swap); /* 1 GiB memory+swap minus 512 MiB */
	CHECK_EQ_INT(200, res->cpu_weight);	/* shares 2048 */
	CHECK_EQ_INT(1500, res->cpus_milli);	/* 150000 / 100000 */
	CHECK_EQ_STR("0-3", res->cpuset);
	CHECK_EQ_U64(2048, res->pids);
	CHECK_EQ_INT(300, res->io_weight);
	CHECK_EQ_INT(1, res->io_max_n);
	CHECK_EQ_INT(8, res->io_max[0].major);
	CHECK_EQ_INT(0, res->io_max[0].minor);
	CHECK_EQ_U64(10485760, res->io_max[0].rbps);
	CHECK_EQ_U64(500, res->io_max[0].wiops);
	CHECK_EQ_U64(0, res->io_max[0].wbps);

	CHECK(s.has_process);
	CHECK(proc->terminal);
	CHECK_EQ_INT(24, proc->console_height);
	CHECK_EQ_INT(80, proc->console_width);
	CHECK_EQ_INT(1000, proc->uid);
	CHECK_EQ_INT(1000, proc->gid);
	CHECK(proc->has_umask);
	CHECK_EQ_INT(022, proc->umask);
	CHECK_EQ_INT(2, proc->n_gids);
	CHECK_EQ_INT(10, proc->additional_gids[1]);
	CHECK_EQ_INT(3, proc->args.n);
	CHECK_EQ_STR("httpd -f -p 8080", proc->args.v[2]);
	CHECK(proc->args.v[3] == NULL);
	CHECK_EQ_INT(5, proc->env.n);
	CHECK_EQ_STR("HOME=/home/web", proc->env.v[4]);
	CHECK_EQ_STR("/srv/www", proc->cwd);
	CHECK(proc->has_caps);
	CHECK_EQ_U64((1ull << 0) | (1ull << 1) | (1ull << 3) | (1ull << 4) | (1ull << 5) |
			     (1ull << 10) | (1ull << 31) | (1ull << 6) | (1ull << 8) | (1ull << 7) |
			     (1ull << 18),
		     proc->caps[WIRT_CAPSET_BOUNDING]);
	CHECK_EQ_U64(proc->caps[WIRT_CAPSET_BOUNDING], proc->caps[WIRT_CAPSET_PERMITTED]);
	CHECK_EQ_U64(0, proc->caps[WIRT_CAPSET_AMBIENT]);
	CHECK_EQ_INT(2, proc->n_rlimits);
	CHECK_EQ_INT(RLIMIT_NPROC, proc->rlimits[1].resource);
	CHECK_EQ_U64(512, proc->rlimits[1].soft);
	CHECK_EQ_U64(1024, proc->rlimits[1].hard);
	CHECK(proc->no_new_privileges);
	CHECK(proc->has_oom_score_adj);
	CHECK_EQ_INT(100, proc->oom_score_adj);
	CHECK_EQ_STR("containers-default-0.50.0", proc->apparmor_profile);
	CHECK_EQ_STR("system_u:system_r:container_t:s0:c123,c456", proc->selinux_label);

	CHECK_EQ_INT(11, s.n_mounts);
	CHECK_EQ_STR("/dev/pts", s.mounts[3].destination);
	CHECK_EQ_STR("devpts", s.mounts[3].type);
	CHECK_EQ_INT(6, s.mounts[3].options.n);
	CHECK_EQ_STR("gid=5", s.mounts[3].options.v[5]);
	CHECK_EQ_INT(1, s.mounts[10].n_uid_mappings);
	CHECK_EQ_INT(100000, s.mounts[10].uid_mappings[0].host_id);
	CHECK_EQ_INT(65536, s.mounts[10].gid_mappings[0].size);

	CHECK_EQ_INT(1, s.hooks[WIRT_OCI_HOOK_PRESTART].n);
	CHECK_EQ_INT(10, s.hooks[WIRT_OCI_HOOK_PRESTART].v[0].timeout);
	CHECK_EQ_STR("PATH=/usr/bin", s.hooks[WIRT_OCI_HOOK_PRESTART].v[0].env.v[0]);
	CHECK_EQ_INT(1, s.hooks[WIRT_OCI_HOOK_CREATE_RUNTIME].n);
	CHECK_EQ_INT(0, s.hooks[WIRT_OCI_HOOK_CREATE_RUNTIME].v[0].timeout);
	CHECK_EQ_INT(0, s.hooks[WIRT_OCI_HOOK_POSTSTART].n);
	CHECK_EQ_STR("cleanup", s.hooks[WIRT_OCI_HOOK_POSTSTOP].v[0].args.v[4]);

	CHECK_EQ_INT(4, s.annotations.n);
	CHECK_EQ_STR("io.container.manager", s.annotations.keys[0]);
	CHECK_EQ_STR("libpod", s.annotations.values[0]);

	CHECK_EQ_INT(6, s.n_namespaces);
	CHECK_EQ_INT(WIRT_OCI_NS_NETWORK, s.namespaces[1].type);
	CHECK_EQ_STR("/run/netns/netns-8c2e", s.namespaces[1].path);
	CHECK(s.namespaces[0].path == NULL);
	CHECK_EQ_INT(WIRT_OCI_NS_CGROUP, s.namespaces[5].type);
	CHECK_EQ_INT(0, s.n_uid_mappings);

	CHECK_EQ_INT(1, s.n_devices);
	CHECK_EQ_STR("/dev/fuse", s.devices[0].path);
	CHECK_EQ_INT('c', s.devices[0].type);
	CHECK_EQ_INT(229, s.devices[0].minor);
	CHECK_EQ_INT(0666, s.devices[0].file_mode);
	CHECK_EQ_INT(3, s.n_device_rules);
	CHECK(!s.device_rules[0].allow);
	CHECK_EQ_INT('a', s.device_rules[0].type);
	CHECK_EQ_INT(-1, s.device_rules[0].major);
	CHECK_EQ_INT(136, s.device_rules[2].major);
	CHECK_EQ_INT(-1, s.device_rules[2].minor);
	CHECK_EQ_STR("rwm", s.device_rules[2].access);

	CHECK_EQ_STR("/libpod_parent/libpod-3f2a", s.cgroups_path);
	CHECK_EQ_INT(2, s.sysctl.n);
	CHECK_EQ_STR("net.ipv4.ip_unprivileged_port_start", s.sysctl.keys[1]);
	CHECK_EQ_STR("0", s.sysctl.values[1]);

	CHECK(s.has_seccomp);
	CHECK_EQ_INT(WIRT_SCMP_ERRNO, s.seccomp.default_action);
	CHECK(s.seccomp.has_default_errno_ret);
	CHECK_EQ_INT(38, s.seccomp.default_errno_ret);
	CHECK_EQ_INT(3, s.seccomp.architectures.n);
	CHECK_EQ_STR("SECCOMP_FILTER_FLAG_SPEC_ALLOW", s.seccomp.flags.v[0]);
	CHECK_EQ_INT(4, s.seccomp.n_rules);
	CHECK_EQ_INT(9, s.seccomp.rules[0].names.n);
	CHECK_EQ_INT(1, s.seccomp.rules[0].errno_ret);
	CHECK_EQ_INT(WIRT_SCMP_ALLOW, s.seccomp.rules[1].action);
	CHECK_EQ_INT(1, s.seccomp.rules[3].n_args);
	CHECK_EQ_INT(WIRT_SCMP_CMP_MASKED_EQ, s.seccomp.rules[3].args[0].op);
	CHECK_EQ_U64(2114060288, s.seccomp.rules[3].args[0].value);

	CHECK_EQ_INT(11, s.masked_paths.n);
	CHECK_EQ_STR("/sys/dev/block", s.masked_paths.v[10]);
	CHECK_EQ_INT(6, s.readonly_paths.n);
	CHECK_EQ_STR("rprivate", s.rootfs_propagation);
	CHECK_EQ_STR("system_u:object_r:container_file_t:s0:c123,c456", s.mount_label);
	CHECK(s.has_personality);
	CHECK_EQ_STR("LINUX", s.personality_domain);
	wirt_oci_spec_free(&s);
	CHECK(s.mounts == NULL);
	wirt_oci_spec_free(&s); /* twice is fine */
}

/* What runc and crun write as their defaults: saved copies. */
static void test_saved_specs(void)
{
	static const char *const files[] = { "runc-spec.json", "runc-spec-rootless.json",
					     "crun-spec.json" };
	struct wirt_oci_spec s;
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		CHECK_CONTEXT(files[i]);
		memset(&err, 0, sizeof(err));
		CHECK_EQ_INT(0, load(files[i], &s, &err));
		CHECK_EQ_STR("", err.msg);
		CHECK_EQ_STR("rootfs", s.root_path);
		CHECK(s.has_process);
		CHECK_EQ_STR("sh", s.process.args.v[0]);
		CHECK_EQ_STR("/", s.process.cwd);
		CHECK(s.process.caps[WIRT_CAPSET_BOUNDING] & (1ull << 29)); /* AUDIT_WRITE */
		CHECK(s.n_mounts >= 6);
		CHECK(s.n_namespaces >= 5);
		CHECK(s.masked_paths.n > 5);
		wirt_oci_spec_free(&s);
	}
	CHECK_CONTEXT("runc-spec-rootless.json");
	CHECK_EQ_INT(0, load("runc-spec-rootless.json", &s, &err));
	CHECK_EQ_INT(1, s.n_uid_mappings);
	CHECK_EQ_INT(1, s.gid_mappings[0].size);
	wirt_oci_spec_free(&s);
}

/* `runc spec` made now, as the installed runc writes it. */
static void test_runc_now(void)
{
	static const char *const cmds[] = { "runc spec", "runc spec --rootless" };
	char dir[] = "/tmp/wirt-test-oci-XXXXXX", cmd[256], path[256];
	struct wirt_oci_spec s;
	struct wirt_error err;

	if (system("command -v runc >/dev/null 2>&1") != 0) {
		fprintf(stderr, "test_runc_now: skipped, no runc on PATH\n");
		return;
	}
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/config.json", dir);
	for (size_t i = 0; i < 2; i++) {
		CHECK_CONTEXT(cmds[i]);
		unlink(path);
		snprintf(cmd, sizeof(cmd), "cd %s && %s", dir, cmds[i]);
		CHECK_EQ_INT(0, system(cmd));
		memset(&err, 0, sizeof(err));
		CHECK_EQ_INT(0, wirt_oci_config_load(path, &s, &err));
		CHECK_EQ_STR("", err.msg);
		CHECK(s.process.args.n == 1);
		wirt_oci_spec_free(&s);
	}
	unlink(path);
	rmdir(dir);
}

#define BASE "'ociVersion': '1.0.2', 'root': {'path': 'rootfs'}"
#define DOC(x) "{" BASE ", " x "}"
#define PROC(x) DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': ['sh'], 'cwd': '/', " x "}")
#define NS "'namespaces': [{'type': 'user'}, {'type': 'uts'}, {'type': 'time'}]"
#define LINUX(x) DOC("'linux': {" x "}")
#define RES(x) LINUX("'resources': {" x "}")
#define SECCOMP(x) LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', " x "}")

static void test_good(void)
{
	struct wirt_oci_spec s;
	struct wirt_error err = { 0 };
	const struct wirt_resources *res = &s.spec.resources;

	CHECK_CONTEXT("minimal");
	CHECK_EQ_INT(0, parse_text("{" BASE "}", &s, &err));
	CHECK(!s.has_process);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->memory);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->pids);
	CHECK_EQ_STR("", s.spec.hostname);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("unknown keys and nulls");
	CHECK_EQ_INT(0, parse_text(DOC("'x-vendor': {'a': [1, 2]}, 'hooks': null, 'linux': "
				       "{'foo': 1, 'resources': {'bar': 'baz'}}"),
				   &s, &err));
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("relative mount destination (runtime-spec 1.1: deprecated, allowed)");
	CHECK_EQ_INT(0, parse_text(DOC("'mounts': [{'destination': 'proc', 'type': 'proc'}]"), &s,
				   &err));
	CHECK_EQ_STR("/proc", s.mounts[0].destination);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("unlimited and unset values");
	CHECK_EQ_INT(0, parse_text(RES("'memory': {'limit': -1, 'swap': -1, 'reservation': 0, "
				       "'kernel': -1, 'kernelTCP': 0}, "
				       "'pids': {'limit': -1}, 'cpu': {'quota': -1, 'shares': 0}"),
				   &s, &err));
	CHECK_EQ_U64(WIRT_UNLIMITED, res->memory);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->swap);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->pids);
	CHECK_EQ_INT(0, res->cpu_weight);
	CHECK_EQ_INT(0, res->cpus_milli);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("shares to weight");
	CHECK_EQ_INT(0, parse_text(RES("'cpu': {'shares': 1024, 'quota': 50000}"), &s, &err));
	CHECK_EQ_INT(100, res->cpu_weight);
	CHECK_EQ_INT(500, res->cpus_milli);
	wirt_oci_spec_free(&s);
	CHECK_EQ_INT(0, parse_text(RES("'cpu': {'shares': 2, 'quota': 1, 'period': 3000}"), &s,
				   &err));
	CHECK_EQ_INT(1, res->cpu_weight);
	CHECK_EQ_INT(1, res->cpus_milli); /* rounded up */
	wirt_oci_spec_free(&s);
	CHECK_EQ_INT(0, parse_text(RES("'cpu': {'shares': 262144}"), &s, &err));
	CHECK_EQ_INT(10000, res->cpu_weight);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("unified");
	CHECK_EQ_INT(0, parse_text(RES("'unified': {'memory.max': '1073741824', 'memory.low': "
				       "'max', 'pids.max': 'max', 'cpu.weight': '50', 'cpu.max': "
				       "'25000 50000', 'cpuset.cpus': '1,3', 'memory.swap.max': '0'}"),
				   &s, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_U64(1ull << 30, res->memory);
	CHECK_EQ_U64(0, res->memory_low);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->pids);
	CHECK_EQ_INT(50, res->cpu_weight);
	CHECK_EQ_INT(500, res->cpus_milli);
	CHECK_EQ_STR("1,3", res->cpuset);
	CHECK_EQ_U64(0, res->swap);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("user namespace with mappings, time offsets, personality");
	CHECK_EQ_INT(0, parse_text(LINUX(NS ", 'uidMappings': [{'containerID': 0, 'hostID': "
					    "1000000000, 'size': 65536}], 'timeOffsets': "
					    "{'boottime': {'secs': -86400, 'nanosecs': 5}}, "
					    "'personality': {'domain': 'LINUX32', 'flags': []}"),
				   &s, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_INT(1000000000, s.uid_mappings[0].host_id);
	CHECK(!s.has_time_offsets[0]);
	CHECK(s.has_time_offsets[1]);
	CHECK_EQ_INT(-86400, s.time_offset_secs[1]);
	CHECK_EQ_INT(5, s.time_offset_nanosecs[1]);
	CHECK_EQ_STR("LINUX32", s.personality_domain);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("seccomp notify with a listener");
	CHECK_EQ_INT(0, parse_text(SECCOMP("'listenerPath': '/run/seccomp.sock', "
					   "'listenerMetadata': 'x', 'syscalls': [{'names': "
					   "['mount'], 'action': 'SCMP_ACT_NOTIFY'}]"),
				   &s, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("/run/seccomp.sock", s.seccomp.listener_path);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("integers past INT64_MAX");
	CHECK_EQ_INT(0, parse_text(DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': "
				       "['18446744073709551615', 'x 9223372036854775808'], 'cwd': '/', "
				       "'rlimits': [{'type': 'RLIMIT_MEMLOCK', 'soft': "
				       "18446744073709551615, 'hard':18446744073709551615}]}, "
				       "'linux': {'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', "
				       "'syscalls': [{'names': ['ioctl'], 'action': 'SCMP_ACT_ERRNO', "
				       "'args': [{'index': 1, 'value':\t9223372036854775808, "
				       "'valueTwo': 18446744073709551615, 'op': "
				       "'SCMP_CMP_MASKED_EQ'}]}]}}"),
				   &s, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_U64(RLIM_INFINITY, s.process.rlimits[0].soft);
	CHECK_EQ_U64(UINT64_MAX, s.process.rlimits[0].hard);
	CHECK_EQ_STR("18446744073709551615", s.process.args.v[0]);
	CHECK_EQ_STR("x 9223372036854775808", s.process.args.v[1]);
	CHECK_EQ_U64(1ull << 63, s.seccomp.rules[0].args[0].value);
	CHECK_EQ_U64(UINT64_MAX, s.seccomp.rules[0].args[0].value_two);
	wirt_oci_spec_free(&s);

	CHECK_CONTEXT("every capability");
	CHECK_EQ_INT(0, parse_text(PROC("'capabilities': {'ambient': ['CAP_CHECKPOINT_RESTORE', "
					"'CAP_CHOWN']}"),
				   &s, &err));
	CHECK_EQ_U64((1ull << 40) | 1, s.process.caps[WIRT_CAPSET_AMBIENT]);
	CHECK_EQ_STR("CAP_CHECKPOINT_RESTORE", wirt_oci_cap_name(40));
	CHECK(wirt_oci_cap_name(41) == NULL);
	wirt_oci_spec_free(&s);
}

struct bad_case {
	const char *json;
	const char *msg;
};

static const struct bad_case bad_cases[] = {
	/* the document */
	{ "", "config.json: line 1 column 0: '[' or '{' expected near end of file" },
	{ "[]", "config.json: not an object" },
	{ "{'ociVersion': '1.0.2', 'ociVersion': '1.0.2'}",
	  "config.json: line 1 column 36: duplicate object key near '\"ociVersion\"'" },
	{ "{'root': {'path': 'rootfs'}}", "ociVersion: missing" },
	{ "{'ociVersion': 1}", "ociVersion: not a string" },
	{ "{'ociVersion': '2.0.0', 'root': {'path': 'r'}}",
	  "ociVersion: unsupported version '2.0.0' (wirt reads 1.x)" },
	{ "{'ociVersion': '1.0.0'}", "root: missing" },
	{ "{'ociVersion': '1.0.0', 'root': {'readonly': true}}", "root.path: missing" },
	{ "{'ociVersion': '1.0.0', 'root': {'path': ''}}", "root.path: empty" },
	{ "{'ociVersion': '1.0.0', 'root': {'path': 'r', 'readonly': 'yes'}}",
	  "root.readonly: not a boolean" },
	{ DOC("'hostname': 'web1'"), "hostname: needs a uts namespace" },
	{ DOC("'hostname': 'bad_host', 'linux': {'namespaces': [{'type': 'uts'}]}"),
	  "hostname: invalid hostname 'bad_host': only letters, digits, '-' and '.' allowed" },
	{ DOC("'hostname': 7"), "hostname: not a string" },
	{ DOC("'domainname': 'example.com'"), "domainname: needs a uts namespace" },
	{ DOC("'annotations': {'a': 1}"), "annotations[\"a\"]: not a string" },
	{ DOC("'annotations': {'\\u0001x': 1}"), "annotations[\"\\x01x\"]: not a string" },
	{ DOC("'annotations': []"), "annotations: not an object" },

	/* process */
	{ DOC("'process': {'args': ['sh'], 'cwd': '/'}"), "process.user: missing" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'cwd': '/'}"), "process.args: missing" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': [], 'cwd': '/'}"),
	  "process.args: empty" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': ['sh', 1], 'cwd': '/'}"),
	  "process.args[1]: not a string" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': ['sh']}"), "process.cwd: missing" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': ['sh'], 'cwd': 'srv'}"),
	  "process.cwd: 'srv' is not an absolute path" },
	{ DOC("'process': {'user': {'uid': -1, 'gid': 0}, 'args': ['sh'], 'cwd': '/'}"),
	  "process.user.uid: -1 out of range 0..4294967295" },
	{ DOC("'process': {'user': {'uid': 0}, 'args': ['sh'], 'cwd': '/'}"),
	  "process.user.gid: missing" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 1.5}, 'args': ['sh'], 'cwd': '/'}"),
	  "process.user.gid: not an integer" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0, 'umask': 512}, 'args': ['sh']}"),
	  "process.user.umask: 512 out of range 0..511" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0, 'additionalGids': [1, 'x']}}"),
	  "process.user.additionalGids[1]: not an integer" },
	{ PROC("'terminal': 1"), "process.terminal: not a boolean" },
	{ PROC("'consoleSize': {'height': 24}"), "process.consoleSize.width: missing" },
	{ PROC("'env': ['A=1', 'B']"), "process.env[1]: 'B' is not NAME=VALUE" },
	{ PROC("'env': 'A=1'"), "process.env: not an array" },
	{ PROC("'capabilities': {'bounding': ['CAP_CHOWN', 'CAP_FLY']}"),
	  "process.capabilities.bounding[1]: unknown capability 'CAP_FLY'" },
	{ PROC("'capabilities': {'ambient': [3]}"),
	  "process.capabilities.ambient[0]: not a string" },
	{ PROC("'capabilities': ['CAP_CHOWN']"), "process.capabilities: not an object" },
	{ PROC("'rlimits': [{'type': 'RLIMIT_FOO', 'soft': 1, 'hard': 1}]"),
	  "process.rlimits[0].type: unknown rlimit 'RLIMIT_FOO'" },
	{ PROC("'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 1}]"),
	  "process.rlimits[0].hard: missing" },
	{ PROC("'rlimits': [{'type': 'RLIMIT_NOFILE', 'soft': 2048, 'hard': 1024}]"),
	  "process.rlimits[0]: soft 2048 above hard 1024" },
	{ PROC("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 0}, "
	       "{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 0}]"),
	  "process.rlimits[1]: duplicate rlimit 'RLIMIT_CORE'" },
	{ PROC("'oomScoreAdj': 1001"), "process.oomScoreAdj: 1001 out of range -1000..1000" },
	{ PROC("'noNewPrivileges': 'true'"), "process.noNewPrivileges: not a boolean" },
	{ PROC("'apparmorProfile': false"), "process.apparmorProfile: not a string" },
	{ PROC("'ioPriority': {'class': 'IOPRIO_CLASS_RT'}"),
	  "process.ioPriority: not supported by wirt" },

	/* mounts, hooks */
	{ DOC("'mounts': {}"), "mounts: not an array" },
	{ DOC("'mounts': [{'destination': '/proc', 'type': 'proc'}, {'type': 'tmpfs'}]"),
	  "mounts[1].destination: missing" },
	{ DOC("'mounts': [{'destination': ''}]"), "mounts[0].destination: empty" },
	{ DOC("'mounts': [{'destination': '/a'}, {'destination': '/b'}, {'destination': '/c'}, "
	      "{'destination': '/d', 'options': ['ro', 5]}]"),
	  "mounts[3].options[1]: not a string" },
	{ DOC("'mounts': [{'destination': '/a', 'source': ['x']}]"),
	  "mounts[0].source: not a string" },
	{ DOC("'mounts': [{'destination': '/a', 'uidMappings': [{'containerID': 0, 'hostID': 1, "
	      "'size': 0}]}]"),
	  "mounts[0].uidMappings[0]: size 0" },
	{ DOC("'hooks': {'prestart': [{'path': 'hook'}]}"),
	  "hooks.prestart[0].path: 'hook' is not an absolute path" },
	{ DOC("'hooks': {'poststop': [{'path': '/h', 'timeout': 0}]}"),
	  "hooks.poststop[0].timeout: 0 out of range 1..2147483647" },
	{ DOC("'hooks': {'createContainer': [{'args': []}]}"),
	  "hooks.createContainer[0].path: missing" },
	{ DOC("'hooks': {'startContainer': {}}"), "hooks.startContainer: not an array" },
	{ DOC("'hooks': {'poststart': [{'path': '/h', 'env': [true]}]}"),
	  "hooks.poststart[0].env[0]: not a string" },

	/* linux: namespaces, mappings, devices */
	{ LINUX("'namespaces': [{'type': 'pid'}, {'type': 'mount'}, {'type': 'foo'}]"),
	  "linux.namespaces[2].type: unknown namespace 'foo'" },
	{ LINUX("'namespaces': [{'type': 'pid'}, {'type': 'pid'}]"),
	  "linux.namespaces[1].type: duplicate namespace 'pid'" },
	{ LINUX("'namespaces': [{'path': '/proc/1/ns/net'}]"), "linux.namespaces[0].type: missing" },
	{ LINUX("'namespaces': [{'type': 'network', 'path': 'ns/net'}]"),
	  "linux.namespaces[0].path: 'ns/net' is not an absolute path" },
	{ LINUX("'uidMappings': [{'containerID': 0, 'hostID': 1000, 'size': 1}]"),
	  "linux.uidMappings: needs a new user namespace" },
	{ LINUX("'namespaces': [{'type': 'user', 'path': '/proc/1/ns/user'}], 'gidMappings': "
		"[{'containerID': 0, 'hostID': 1000, 'size': 1}]"),
	  "linux.gidMappings: needs a new user namespace" },
	{ LINUX(NS ", 'uidMappings': [{'containerID': 0, 'size': 1}]"),
	  "linux.uidMappings[0].hostID: missing" },
	{ LINUX(NS ", 'uidMappings': [{'containerID': 4294967295, 'hostID': 0, 'size': 2}]"),
	  "linux.uidMappings[0]: range past the last id 4294967295" },
	{ LINUX("'devices': [{'path': '/dev/fuse', 'type': 'x', 'major': 10, 'minor': 229}]"),
	  "linux.devices[0].type: unknown device type 'x'" },
	{ LINUX("'devices': [{'path': '/dev/fuse', 'type': 'c', 'major': 10}]"),
	  "linux.devices[0].minor: missing" },
	{ LINUX("'devices': [{'path': 'fuse', 'type': 'c', 'major': 10, 'minor': 229}]"),
	  "linux.devices[0].path: 'fuse' is not an absolute path" },
	{ LINUX("'devices': [{'path': '/dev/x', 'type': 'c', 'major': 1, 'minor': 2, "
		"'fileMode': 65536}]"),
	  "linux.devices[0].fileMode: 65536 out of range 0..4095" },
	{ LINUX("'cgroupsPath': 1"), "linux.cgroupsPath: not a string" },
	{ LINUX("'sysctl': {'net.ipv4.ip_forward': 1}"),
	  "linux.sysctl[\"net.ipv4.ip_forward\"]: not a string" },
	{ LINUX("'maskedPaths': ['/proc/kcore', 'proc/keys']"),
	  "linux.maskedPaths[1]: 'proc/keys' is not an absolute path" },
	{ LINUX("'readonlyPaths': [null]"), "linux.readonlyPaths[0]: not a string" },
	{ LINUX("'rootfsPropagation': 'sideways'"),
	  "linux.rootfsPropagation: unknown propagation 'sideways'" },
	{ LINUX("'mountLabel': {}"), "linux.mountLabel: not a string" },
	{ LINUX("'personality': {'domain': 'LINUX64'}"),
	  "linux.personality.domain: unknown personality domain 'LINUX64'" },
	{ LINUX("'timeOffsets': {'monotonic': {'secs': 1}}"),
	  "linux.timeOffsets: needs a time namespace" },
	{ LINUX(NS ", 'timeOffsets': {'monotonic': {'nanosecs': 1000000000}}"),
	  "linux.timeOffsets.monotonic.nanosecs: 1000000000 out of range 0..999999999" },
	{ LINUX("'intelRdt': {'closID': 'x'}"), "linux.intelRdt: not supported by wirt" },

	/* linux.resources */
	{ RES("'devices': [{'allow': true, 'access': 'rwx'}]"),
	  "linux.resources.devices[0].access: 'rwx' is not some of 'rwm'" },
	{ RES("'devices': [{'allow': true, 'access': 'rr'}]"),
	  "linux.resources.devices[0].access: 'rr' names 'r' twice" },
	{ RES("'devices': [{'access': 'rwm'}]"), "linux.resources.devices[0].allow: missing" },
	{ RES("'devices': [{'allow': false, 'type': 'p'}]"),
	  "linux.resources.devices[0].type: unknown device type 'p'" },
	{ RES("'memory': {'limit': '1G'}"), "linux.resources.memory.limit: not an integer" },
	{ RES("'memory': {'limit': 1048576}"),
	  "linux.resources.memory.limit: 1048576 below wirt's minimum 3145728" },
	{ RES("'memory': {'limit': -2}"),
	  "linux.resources.memory.limit: -2 out of range -1..9223372036854775807" },
	{ RES("'memory': {'swap': 1073741824}"),
	  "linux.resources.memory.swap: needs memory.limit (swap counts memory plus swap)" },
	{ RES("'memory': {'limit': 1073741824, 'swap': 536870912}"),
	  "linux.resources.memory.swap: 536870912 below memory.limit 1073741824 (swap counts "
	  "memory plus swap)" },
	{ RES("'memory': {'kernel': 1048576}"), "linux.resources.memory.kernel: not supported by wirt" },
	{ RES("'memory': {'kernelTCP': 1048576}"),
	  "linux.resources.memory.kernelTCP: not supported by wirt" },
	{ SECCOMP("'listenerMetadata': 'x'"),
	  "linux.seccomp.listenerMetadata: needs linux.seccomp.listenerPath" },
	{ RES("'memory': {'swappiness': 60}"),
	  "linux.resources.memory.swappiness: not supported by wirt" },
	{ RES("'memory': {'disableOOMKiller': true}"),
	  "linux.resources.memory.disableOOMKiller: not supported by wirt" },
	{ RES("'cpu': {'shares': 1}"), "linux.resources.cpu.shares: 1 below the kernel's minimum 2" },
	{ RES("'cpu': {'shares': 262145}"),
	  "linux.resources.cpu.shares: 262145 out of range 0..262144" },
	{ RES("'cpu': {'quota': 50000, 'period': 999}"),
	  "linux.resources.cpu.period: 999 out of range 1000..1000000" },
	{ RES("'cpu': {'quota': 500000000, 'period': 1000}"),
	  "linux.resources.cpu.quota: quota 500000000 per period 1000 is above 4096 CPUs" },
	{ RES("'cpu': {'cpus': '0-3;rm'}"),
	  "linux.resources.cpu.cpus: '0-3;rm' is not a CPU list like '0-3,6'" },
	{ RES("'cpu': {'mems': '0'}"), "linux.resources.cpu.mems: not supported by wirt" },
	{ RES("'cpu': {'realtimeRuntime': 950000}"),
	  "linux.resources.cpu.realtimeRuntime: not supported by wirt" },
	{ RES("'cpu': {'burst': 1000}"), "linux.resources.cpu.burst: not supported by wirt" },
	{ RES("'pids': {'limit': 'max'}"), "linux.resources.pids.limit: not an integer" },
	{ RES("'blockIO': {'weight': 5}"), "linux.resources.blockIO.weight: 5 out of range 10..1000" },
	{ RES("'blockIO': {'leafWeight': 500}"),
	  "linux.resources.blockIO.leafWeight: not supported by wirt" },
	{ RES("'blockIO': {'weightDevice': [{'major': 8, 'minor': 0, 'weight': 500}]}"),
	  "linux.resources.blockIO.weightDevice: not supported by wirt" },
	{ RES("'blockIO': {'throttleReadBpsDevice': [{'major': 8, 'rate': 1}]}"),
	  "linux.resources.blockIO.throttleReadBpsDevice[0].minor: missing" },
	{ RES("'blockIO': {'throttleWriteBpsDevice': [{'major': 8, 'minor': 0}, {'major': 8, "
	      "'minor': 1}, {'major': 8, 'minor': 2}, {'major': 8, 'minor': 3}, {'major': 8, "
	      "'minor': 4}, {'major': 8, 'minor': 5}, {'major': 8, 'minor': 6}, {'major': 8, "
	      "'minor': 7}, {'major': 8, 'minor': 8, 'rate': 1}]}"),
	  "linux.resources.blockIO.throttleWriteBpsDevice[0].rate: missing" },
	{ RES("'hugepageLimits': [{'pageSize': '2MB', 'limit': 1}]"),
	  "linux.resources.hugepageLimits: not supported by wirt" },
	{ RES("'rdma': {'mlx5_1': {'hcaHandles': 3}}"), "linux.resources.rdma: not supported by wirt" },
	{ RES("'network': {'classID': 1048577}"),
	  "linux.resources.network.classID: not supported by wirt" },
	{ RES("'network': {'priorities': [{'name': 'eth0', 'priority': 500}]}"),
	  "linux.resources.network.priorities: not supported by wirt" },
	{ RES("'unified': {'io.max': '8:0 rbps=1'}"),
	  "linux.resources.unified[\"io.max\"]: not supported by wirt" },
	{ RES("'unified': {'memory.max': 'lots'}"),
	  "linux.resources.unified[\"memory.max\"]: 'lots' is not a number or 'max'" },
	{ RES("'unified': {'cpu.max': '100000 10'}"),
	  "linux.resources.unified[\"cpu.max\"]: '100000 10' is not 'QUOTA [PERIOD]' or 'max'" },
	{ RES("'unified': {'cpu.weight': '0'}"),
	  "linux.resources.unified[\"cpu.weight\"]: '0' out of range 1..10000" },
	{ RES("'unified': {'pids.max': 5}"), "linux.resources.unified[\"pids.max\"]: not a string" },

	/* linux.seccomp */
	{ LINUX("'seccomp': {}"), "linux.seccomp.defaultAction: missing" },
	{ LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_MAYBE'}"),
	  "linux.seccomp.defaultAction: unknown seccomp action 'SCMP_ACT_MAYBE'" },
	{ LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_NOTIFY'}"),
	  "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action" },
	{ LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_ALLOW', 'defaultErrnoRet': 1}"),
	  "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
	{ LINUX("'seccomp': {'defaultAction': 'SCMP_ACT_ERRNO', 'defaultErrnoRet': 4096}"),
	  "linux.seccomp.defaultErrnoRet: 4096 out of range 0..4095" },
	{ SECCOMP("'architectures': ['SCMP_ARCH_X86_64', 'SCMP_ARCH_Z80']"),
	  "linux.seccomp.architectures[1]: unknown architecture 'SCMP_ARCH_Z80'" },
	{ SECCOMP("'flags': ['SECCOMP_FILTER_FLAG_FAST']"),
	  "linux.seccomp.flags[0]: unknown seccomp flag 'SECCOMP_FILTER_FLAG_FAST'" },
	{ SECCOMP("'listenerPath': 'sock'"),
	  "linux.seccomp.listenerPath: 'sock' is not an absolute path" },
	{ SECCOMP("'syscalls': [{'action': 'SCMP_ACT_ERRNO'}]"),
	  "linux.seccomp.syscalls[0].names: missing" },
	{ SECCOMP("'syscalls': [{'names': [], 'action': 'SCMP_ACT_ERRNO'}]"),
	  "linux.seccomp.syscalls[0].names: empty" },
	{ SECCOMP("'syscalls': [{'names': ['read', ''], 'action': 'SCMP_ACT_ERRNO'}]"),
	  "linux.seccomp.syscalls[0].names[1]: empty" },
	{ SECCOMP("'syscalls': [{'names': ['read']}]"), "linux.seccomp.syscalls[0].action: missing" },
	{ SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_KILL', 'errnoRet': 1}]"),
	  "linux.seccomp.syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE" },
	{ SECCOMP("'syscalls': [{'names': ['mount'], 'action': 'SCMP_ACT_NOTIFY'}]"),
	  "linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath" },
	{ SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': "
		  "6, 'value': 1, 'op': 'SCMP_CMP_EQ'}]}]"),
	  "linux.seccomp.syscalls[0].args[0].index: 6 out of range 0..5" },
	{ SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': "
		  "0, 'value': 1, 'op': 'SCMP_CMP_ABOUT'}]}]"),
	  "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator 'SCMP_CMP_ABOUT'" },
	{ SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': "
		  "0, 'op': 'SCMP_CMP_EQ'}]}]"),
	  "linux.seccomp.syscalls[0].args[0].value: missing" },
	{ SECCOMP("'syscalls': [{'names': ['read'], 'action': 'SCMP_ACT_ERRNO', 'args': [{'index': "
		  "0, 'value': -1, 'op': 'SCMP_CMP_EQ'}]}]"),
	  "linux.seccomp.syscalls[0].args[0].value: -1 out of range 0..18446744073709551615" },

	/* integers past INT64_MAX (jansson's limit), read back only where uint64 is meant */
	{ RES("'memory': {'limit': 9223372036854775808}"),
	  "linux.resources.memory.limit: 9223372036854775808 out of range "
	  "-1..9223372036854775807" },
	{ DOC("'process': {'user': {'uid': 0, 'gid': 0}, 'args': ['sh'], 'cwd': "
	      "18446744073709551615}"),
	  "process.cwd: not a string" },
	{ PROC("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 18446744073709551616}]"),
	  "config.json: line 1 column 197: too big integer near '18446744073709551616'" },
	{ PROC("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': -1, 'hard': 0}]"),
	  "process.rlimits[0].soft: -1 out of range 0..18446744073709551615" },
	/* a \u0000 of the text's own: no rewrite, so nothing could pass for an integer */
	{ PROC("'rlimits': [{'type': 'RLIMIT_CORE', 'soft': 0, 'hard': 18446744073709551615}], "
	       "'env': ['A=\\u0000']"),
	  "config.json: line 1 column 197: too big integer near '18446744073709551615'" },
};

static void test_bad(void)
{
	struct wirt_oci_spec s;
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		CHECK_CONTEXT(bad_cases[i].json);
		memset(&err, 0, sizeof(err));
		CHECK_EQ_INT(-EINVAL, parse_text(bad_cases[i].json, &s, &err));
		CHECK_EQ_STR(bad_cases[i].msg, err.msg);
		wirt_oci_spec_free(&s);
	}
}

static void test_load_errors(void)
{
	struct wirt_oci_spec s;
	struct wirt_error err = { 0 };
	char path[4096];

	CHECK_CONTEXT("load");
	CHECK_EQ_INT(-ENOENT, wirt_oci_config_load("/nonexistent/config.json", &s, &err));
	CHECK_EQ_STR("open '/nonexistent/config.json'", err.msg);
	wirt_oci_spec_free(&s);
	/* an error in the file is prefixed with its path */
	char tmp[] = "/tmp/wirt-test-oci-XXXXXX";
	int fd = mkstemp(tmp);
	static const char text[] = "{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": 5}}";

	CHECK(fd >= 0);
	CHECK_EQ_INT(sizeof(text) - 1, write(fd, text, sizeof(text) - 1));
	close(fd);
	CHECK_EQ_INT(-EINVAL, wirt_oci_config_load(tmp, &s, &err));
	snprintf(path, sizeof(path), "%s: root.path: not a string", tmp);
	CHECK_EQ_STR(path, err.msg);
	wirt_oci_spec_free(&s);
	unlink(tmp);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		data_dir = argv[1];
	test_podman();
	test_saved_specs();
	test_runc_now();
	test_good();
	test_bad();
	test_load_errors();
	return check_exit("test-oci-config");
}
