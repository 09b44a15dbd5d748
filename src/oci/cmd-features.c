/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci features`: the runtime-spec "features" document (features.md), as `runc
 * features` prints it. It lists only what wirt-oci's config.json parser (src/oci/)
 * takes without refusing it and the engine has the mechanism for; a field wirt does
 * not know yet is left out ("unknown"), never claimed. tests/unit/test-oci-features.c
 * feeds every value listed here to the parser.
 */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "oci/config.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The hook lists config.c reads, in runtime-spec's order. */
static const char *const hooks[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

/* config.c's namespace types, sorted as runc sorts them. */
static const char *const namespaces[] = {
	"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts",
};

/* seccomp.c's actions and operators. */
static const char *const seccomp_actions[] = {
	"SCMP_ACT_ALLOW",	"SCMP_ACT_ERRNO", "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS",
	"SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG",	  "SCMP_ACT_NOTIFY", "SCMP_ACT_TRACE",
	"SCMP_ACT_TRAP",
};
static const char *const seccomp_operators[] = {
	"SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",	    "SCMP_CMP_LE",
	"SCMP_CMP_LT", "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE",
};

/* seccomp.c's architectures; listed only when this libseccomp knows them too. */
static const char *const seccomp_archs[] = {
	"SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM",	      "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
	"SCMP_ARCH_MIPS",    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",
	"SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PARISC",     "SCMP_ARCH_PARISC64",
	"SCMP_ARCH_PPC",     "SCMP_ARCH_PPC64",	      "SCMP_ARCH_PPC64LE",     "SCMP_ARCH_RISCV64",
	"SCMP_ARCH_S390",    "SCMP_ARCH_S390X",	      "SCMP_ARCH_SH",	       "SCMP_ARCH_SHEB",
	"SCMP_ARCH_X32",     "SCMP_ARCH_X86",	      "SCMP_ARCH_X86_64",
};

static bool libseccomp_knows(const char *arch)
{
	char name[32];
	size_t i;
	const char *p = arch + strlen("SCMP_ARCH_");

	for (i = 0; p[i] && i + 1 < sizeof(name); i++)
		name[i] = (char)tolower((unsigned char)p[i]);
	name[i] = '\0';
	return seccomp_arch_resolve_name(name) != 0;
}

static json_t *strings(const char *const *v, size_t n, bool (*keep)(const char *))
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (!keep || keep(v[i]))
			json_array_append_new(a, json_string(v[i]));
	}
	return a;
}

static json_t *capabilities(void)
{
	json_t *a = json_array();
	const char *name;

	for (unsigned c = 0; a && (name = wirt_oci_cap_name(c)); c++)
		json_array_append_new(a, json_string(name));
	return a;
}

static json_t *annotations(void)
{
	const struct scmp_version *v = seccomp_version();
	char buf[48];

	if (!v)
		return json_object();
	snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
	return json_pack("{s:s}", "io.github.seccomp.libseccomp.version", buf);
}

/*
 * cgroup: the engine's backends are v1 and v2 through cgroupfs; --systemd-cgroup's
 * "slice:prefix:name" paths are made through cgroupfs too (no D-Bus); rdma limits are
 * refused. AppArmor profiles are applied where AppArmor is on; SELinux labels are not
 * supported; Intel RDT is refused; idmapped OCI mounts are made (open_tree +
 * mount_setattr, Linux 5.12+).
 */
json_t *oci_features_build(void)
{
	return json_pack(
		"{s:s, s:s, s:o, s:{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b},"
		" s:{s:b, s:o, s:o, s:o}, s:{s:b}, s:{s:b}, s:{s:b}, s:{s:{s:b}}}, s:o}",
		"ociVersionMin", OCI_SPEC_VERSION_MIN, "ociVersionMax", OCI_SPEC_VERSION,
		"hooks", strings(hooks, N(hooks), NULL),
		"linux",
		"namespaces", strings(namespaces, N(namespaces), NULL),
		"capabilities", capabilities(),
		"cgroup", "v1", 1, "v2", 1, "systemd", 1, "systemdUser", 0, "rdma", 0,
		"seccomp", "enabled", 1,
		"actions", strings(seccomp_actions, N(seccomp_actions), NULL),
		"operators", strings(seccomp_operators, N(seccomp_operators), NULL),
		"archs", strings(seccomp_archs, N(seccomp_archs), libseccomp_knows),
		"apparmor", "enabled", 1, "selinux", "enabled", 0, "intelRdt", "enabled", 0,
		"mountExtensions", "idmap", "enabled", 1,
		"annotations", annotations());
}

int cmd_features(struct oci_cli *cli, int argc, char **argv)
{
	json_t *doc;
	char *text;
	bool help = false;

	if (argc > 1 && (oci_flag_bool(cli, argv, 1, "help", &help) > 0 ||
			 oci_flag_bool(cli, argv, 1, "h", &help) > 0) && help) {
		printf("usage: wirt-oci features\n\nPrints the runtime-spec features document "
		       "(JSON): what wirt-oci's config.json parser takes.\n");
		return 0;
	}
	if (argc > 1)
		return oci_fail(cli, "features: takes no arguments, got '%s'", argv[1]);
	doc = oci_features_build();
	text = doc ? json_dumps(doc, JSON_INDENT(4)) : NULL;
	json_decref(doc);
	if (!text)
		return oci_fail(cli, "features: build document: Cannot allocate memory");
	puts(text);
	free(text);
	return fflush(stdout) == 0 ? 0 : oci_fail(cli, "features: write: %s", strerror(errno));
}
