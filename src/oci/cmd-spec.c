/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci spec [--bundle DIR] [--rootless]`: writes a starter config.json into the
 * bundle, as `runc spec` does: the same fields and values (runc 1.1's defaults: sh on a
 * terminal, three capabilities, a read-only root, five namespaces, masked /proc paths),
 * except ociVersion (the spec version wirt-oci reads) and hostname. --rootless makes
 * runc 1.1's changes (specconv.ToRootless): a user namespace mapping the caller's euid
 * and egid to 0, no network namespace, /sys bound instead of mounted, no uid=/gid=
 * mount options, no resources. An existing config.json is never overwritten.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char spec_template[] =
	"{\"ociVersion\": \"" OCI_SPEC_VERSION "\","
	" \"process\": {\"terminal\": true, \"user\": {\"uid\": 0, \"gid\": 0},"
	"  \"args\": [\"sh\"],"
	"  \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\","
	"           \"TERM=xterm\"],"
	"  \"cwd\": \"/\","
	"  \"capabilities\": {"
	"   \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"   \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"   \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],"
	"   \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]},"
	"  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],"
	"  \"noNewPrivileges\": true},"
	" \"root\": {\"path\": \"rootfs\", \"readonly\": true},"
	" \"hostname\": \"wirt-oci\","
	" \"mounts\": ["
	"  {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},"
	"  {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
	"   \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\","
	"   \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\","
	"                 \"mode=0620\", \"gid=5\"]},"
	"  {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},"
	"  {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},"
	"  {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},"
	"  {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
	"   \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}],"
	" \"linux\": {"
	"  \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},"
	"  \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},"
	"                 {\"type\": \"uts\"}, {\"type\": \"mount\"}],"
	"  \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\","
	"   \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\","
	"   \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],"
	"  \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\","
	"   \"/proc/sysrq-trigger\"]}}";

static json_t *id_map(unsigned host_id)
{
	return json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", (json_int_t)host_id,
			 "size", 1);
}

/* Mounts for a rootless container, as runc 1.1 makes them: /sys bound read-only in
 * place of sysfs (a user namespace cannot mount sysfs without a network namespace of
 * its own), no uid= or gid= options (the ids need not be mapped). */
static json_t *rootless_mounts(json_t *mounts)
{
	json_t *out = json_array(), *m;
	size_t i;

	if (!out)
		return NULL;
	json_array_foreach (mounts, i, m) {
		json_t *opts = json_object_get(m, "options"), *keep, *o;
		size_t j;

		if (strcmp(json_string_value(json_object_get(m, "destination")), "/sys") == 0) {
			json_array_append_new(out, json_pack("{s:s, s:s, s:s, s:[sssss]}",
				"destination", "/sys", "type", "none", "source", "/sys",
				"options", "rbind", "nosuid", "noexec", "nodev", "ro"));
			continue;
		}
		if (opts) {
			keep = json_array();
			json_array_foreach (opts, j, o) {
				const char *s = json_string_value(o);

				if (strncmp(s, "uid=", 4) != 0 && strncmp(s, "gid=", 4) != 0)
					json_array_append(keep, o);
			}
			json_object_set_new(m, "options", keep);
		}
		json_array_append(out, m);
	}
	return out;
}

/* linux.namespaces without network and user, then a new user namespace. */
static json_t *rootless_namespaces(json_t *namespaces)
{
	json_t *keep = json_array(), *n;
	size_t i;

	if (!keep)
		return NULL;
	json_array_foreach (namespaces, i, n) {
		const char *type = json_string_value(json_object_get(n, "type"));

		if (strcmp(type, "network") != 0 && strcmp(type, "user") != 0)
			json_array_append(keep, n);
	}
	json_array_append_new(keep, json_pack("{s:s}", "type", "user"));
	return keep;
}

/* runc's specconv.ToRootless, keeping runc's key order (mappings first in linux). */
static int make_rootless(json_t *spec)
{
	json_t *old = json_object_get(spec, "linux"), *nl, *v, *mounts;
	const char *key;

	nl = json_object();
	if (!nl)
		return -ENOMEM;
	json_object_set_new(nl, "uidMappings", id_map((unsigned)geteuid()));
	json_object_set_new(nl, "gidMappings", id_map((unsigned)getegid()));
	json_object_foreach (old, key, v) {
		if (strcmp(key, "resources") == 0)
			continue; /* a rootless container cannot set cgroup limits */
		if (strcmp(key, "namespaces") == 0)
			json_object_set_new(nl, key, rootless_namespaces(v));
		else
			json_object_set(nl, key, v);
	}
	json_object_set_new(spec, "linux", nl);
	mounts = rootless_mounts(json_object_get(spec, "mounts"));
	if (!mounts)
		return -ENOMEM;
	json_object_set_new(spec, "mounts", mounts);
	return 0;
}

/* jansson indents with spaces; runc (Go's json.MarshalIndent) with tabs. Dumped with
 * an indent of 1, each leading space is one level: make it a tab. */
static void indent_with_tabs(char *s)
{
	bool bol = true;

	for (; *s; s++) {
		if (*s == '\n')
			bol = true;
		else if (bol && *s == ' ')
			*s = '\t';
		else
			bol = false;
	}
}

char *oci_spec_build(bool rootless)
{
	json_t *spec = json_loads(spec_template, 0, NULL); /* ours: fails only without memory */
	char *text = NULL;

	if (spec && (!rootless || make_rootless(spec) == 0))
		text = json_dumps(spec, JSON_INDENT(1));
	json_decref(spec);
	if (text)
		indent_with_tabs(text);
	return text;
}

static int write_spec(struct oci_cli *cli, const char *bundle, const char *text)
{
	int dfd, fd;
	size_t n = strlen(text);
	const char *shown = bundle ? bundle : ".";

	dfd = open(bundle ? bundle : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return oci_fail(cli, "spec: open bundle '%s': %s", shown, strerror(errno));
	/* O_EXCL: never overwrite, not even through a symlink, and no race between a
	 * check and the write (runc stats first). The message is runc's. */
	fd = openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		    0666);
	close(dfd);
	if (fd < 0 && errno == EEXIST)
		return oci_fail(cli, "File config.json exists. Remove it first");
	if (fd < 0)
		return oci_fail(cli, "spec: create '%s/config.json': %s", shown, strerror(errno));
	while (n > 0) {
		ssize_t w = write(fd, text, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			int e = errno;

			close(fd);
			return oci_fail(cli, "spec: write '%s/config.json': %s", shown,
					strerror(e));
		}
		text += w;
		n -= (size_t)w;
	}
	if (close(fd) < 0)
		return oci_fail(cli, "spec: write '%s/config.json': %s", shown, strerror(errno));
	return 0;
}

static void spec_usage(void)
{
	printf("usage: wirt-oci spec [--bundle DIR | -b DIR] [--rootless]\n\n"
	       "Writes a starter config.json into the bundle (default: the current directory),\n"
	       "as runc spec does; refuses when one exists. --rootless: for a container of a\n"
	       "user without privileges (a user namespace mapping only that user).\n");
}

int cmd_spec(struct oci_cli *cli, int argc, char **argv)
{
	const char *bundle = NULL;
	bool rootless = false, help = false;
	char *text;
	int i = 1, r;

	while (i < argc && argv[i][0] == '-') {
		if ((r = oci_flag_value(cli, argc, argv, &i, "bundle", &bundle)) ||
		    (r = oci_flag_value(cli, argc, argv, &i, "b", &bundle))) {
			if (r < 0)
				return OCI_EXIT_FAILURE;
			continue;
		}
		if ((r = oci_flag_bool(cli, argv, i, "rootless", &rootless)) ||
		    (r = oci_flag_bool(cli, argv, i, "help", &help)) ||
		    (r = oci_flag_bool(cli, argv, i, "h", &help))) {
			if (r < 0)
				return OCI_EXIT_FAILURE;
			if (help) {
				spec_usage();
				return 0;
			}
			i++;
			continue;
		}
		return oci_fail(cli, "spec: flag provided but not defined: %s", argv[i]);
	}
	if (i < argc)
		return oci_fail(cli, "spec: takes no arguments, got '%s'", argv[i]);
	if (bundle && bundle[0] == '\0')
		bundle = NULL; /* runc: an empty --bundle is the current directory */

	text = oci_spec_build(rootless);
	if (!text)
		return oci_fail(cli, "spec: build config: %s", strerror(ENOMEM));
	r = write_spec(cli, bundle, text);
	free(text);
	return r;
}
