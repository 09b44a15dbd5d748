/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt create NAME [--template T] [--hostname H] [--autostart] [resource flags]
 *                  [network flags]
 *
 * Resource flags are the config's [resources] keys (--memory 512M is "memory = 512M"),
 * network flags its [network] keys (--ip, --network, --bridge, --mac, --gateway,
 * --policy, --resolver; --ip and --resolver may repeat), set through
 * wirt_config_set_key. Every value is checked, alone, as a whole spec and
 * against this host, before anything is created.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "cli.h"
#include "config.h"
#include "idrange.h"
#include "util.h"
#include "settings.h"
#include "spec.h"
#include "validate.h"
#include "vserver.h"

/* The longest --io-max list: every device's entry (about 120 characters at most). */
#define CREATE_IO_MAX_TEXT (WIRT_IO_MAX_DEVICES * 192)

enum {
	OPT_RESOURCE = 0x100, /* + index into resource_keys */
	OPT_NETWORK = 0x200,  /* + index into network_keys */
};

/* Flags that are config keys of [network], in the order they are applied (the mode
 * before what depends on it). */
static const char *const network_keys[] = {
	"network", "bridge", "ip", "mac", "gateway", "policy", "resolver",
};
#define NETWORK_IP 2
#define NETWORK_RESOLVER 6
#define CREATE_LIST_TEXT 1024 /* --ip and --resolver values, joined */

/* Flags that are config keys of [resources], by the same name. */
static const char *const resource_keys[] = {
	"cpu-weight", "cpus", "cpuset", "memory", "memory-low", "swap", "pids", "io-weight", "io-max",
	"disk",
};
#define RESOURCE_IO_MAX 8 /* its index above: repeatable, joined with ';' */

struct create_flags {
	const char *template_name, *hostname;
	bool autostart;
	const char *resource[sizeof(resource_keys) / sizeof(resource_keys[0])];
	/* --io-max values as given, each "DEV:limits[;DEV:limits...]" */
	const char *io_max[WIRT_IO_MAX_DEVICES + 1];
	size_t io_max_n;
	const char *network[sizeof(network_keys) / sizeof(network_keys[0])];
	char ip[CREATE_LIST_TEXT], resolver[CREATE_LIST_TEXT];
};

/* Adds a repeated flag's value to its comma-separated list. */
static int list_append(char *list, const char *value, const char *flag)
{
	size_t n = strlen(list);

	if (snprintf(list + n, CREATE_LIST_TEXT - n, "%s%s", n ? "," : "", value) >=
	    (int)(CREATE_LIST_TEXT - n))
		return cli_usage("create", "too many %s values", flag);
	return 0;
}

/* Parses the flags; returns 0, or the usage exit status it printed. */
static int parse_flags(int argc, char **argv, struct create_flags *fl)
{
	static const struct option opts[] = {
		{ "template", required_argument, NULL, 't' },
		{ "hostname", required_argument, NULL, 'H' },
		{ "autostart", no_argument, NULL, 'a' },
		{ "cpu-weight", required_argument, NULL, OPT_RESOURCE + 0 },
		{ "cpus", required_argument, NULL, OPT_RESOURCE + 1 },
		{ "cpuset", required_argument, NULL, OPT_RESOURCE + 2 },
		{ "memory", required_argument, NULL, OPT_RESOURCE + 3 },
		{ "memory-low", required_argument, NULL, OPT_RESOURCE + 4 },
		{ "swap", required_argument, NULL, OPT_RESOURCE + 5 },
		{ "pids", required_argument, NULL, OPT_RESOURCE + 6 },
		{ "io-weight", required_argument, NULL, OPT_RESOURCE + 7 },
		{ "io-max", required_argument, NULL, OPT_RESOURCE + RESOURCE_IO_MAX },
		{ "disk", required_argument, NULL, OPT_RESOURCE + 9 },
		{ "network", required_argument, NULL, OPT_NETWORK + 0 },
		{ "bridge", required_argument, NULL, OPT_NETWORK + 1 },
		{ "ip", required_argument, NULL, OPT_NETWORK + NETWORK_IP },
		{ "mac", required_argument, NULL, OPT_NETWORK + 3 },
		{ "gateway", required_argument, NULL, OPT_NETWORK + 4 },
		{ "policy", required_argument, NULL, OPT_NETWORK + 5 },
		{ "resolver", required_argument, NULL, OPT_NETWORK + NETWORK_RESOLVER },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			fl->template_name = optarg;
			break;
		case 'H':
			fl->hostname = optarg;
			break;
		case 'a':
			fl->autostart = true;
			break;
		case OPT_RESOURCE + RESOURCE_IO_MAX:
			if (fl->io_max_n == WIRT_IO_MAX_DEVICES)
				return cli_usage("create", "--io-max given more than %d times",
						 WIRT_IO_MAX_DEVICES);
			fl->io_max[fl->io_max_n++] = optarg;
			break;
		case OPT_NETWORK + NETWORK_IP:
			if (list_append(fl->ip, optarg, "--ip"))
				return 2;
			break;
		case OPT_NETWORK + NETWORK_RESOLVER:
			if (list_append(fl->resolver, optarg, "--resolver"))
				return 2;
			break;
		case ':':
			return cli_usage("create", "option '%s' needs a value", argv[optind - 1]);
		default:
			if (c >= OPT_RESOURCE && c < OPT_RESOURCE + (int)ARRAY_SIZE(resource_keys) &&
			    c != OPT_RESOURCE + RESOURCE_IO_MAX) {
				fl->resource[c - OPT_RESOURCE] = optarg;
				break;
			}
			if (c >= OPT_NETWORK && c < OPT_NETWORK + (int)ARRAY_SIZE(network_keys)) {
				fl->network[c - OPT_NETWORK] = optarg;
				break;
			}
			return cli_usage("create", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind + 1 != argc)
		return cli_usage("create", "expects one NAME");
	return 0;
}

/* One "DEV:limits" entry with DEV a block device path or MAJ:MIN, appended to 'out'
 * as "MAJ:MIN:limits". The limits start after the last ':' before the first '='. */
static int io_max_entry(const char *entry, size_t len, char *out, size_t size,
			struct wirt_error *err)
{
	char dev[256], shown[WIRT_ESCAPE_MAX];
	const char *eq = memchr(entry, '=', len), *colon = NULL;
	size_t used = strlen(out), dev_len;
	struct stat st;
	int n;

	for (; len && (*entry == ' ' || *entry == '\t'); len--)
		entry++;
	for (const char *p = entry; eq && p < eq; p++)
		if (*p == ':')
			colon = p;
	dev_len = colon ? (size_t)(colon - entry) : 0;
	if (!colon || dev_len >= sizeof(dev)) {
		snprintf(dev, sizeof(dev), "%.*s", (int)len, entry);
		return wirt_error_invalid(err,
					  "invalid value '%s': expected "
					  "DEV:rbps=..,wbps=..,riops=..,wiops=.. (DEV: a block "
					  "device like /dev/vda, or MAJ:MIN)",
					  wirt_str_escape(dev, shown, sizeof(shown)));
	}
	memcpy(dev, entry, dev_len);
	dev[dev_len] = '\0';
	if (dev[0] == '/') {
		if (stat(dev, &st) < 0) {
			int e = errno;

			return wirt_errorf(err, e, "stat '%s'",
					   wirt_str_escape(dev, shown, sizeof(shown)));
		}
		if (!S_ISBLK(st.st_mode))
			return wirt_error_invalid(err, "'%s' is not a block device",
						  wirt_str_escape(dev, shown, sizeof(shown)));
		n = snprintf(out + used, size - used, "%s%u:%u%.*s", used ? ";" : "",
			     major(st.st_rdev), minor(st.st_rdev), (int)(len - dev_len),
			     colon);
	} else {
		n = snprintf(out + used, size - used, "%s%.*s", used ? ";" : "", (int)len, entry);
	}
	if (n < 0 || (size_t)n >= size - used)
		return wirt_error_invalid(err, "value too long");
	return 0;
}

/* Joins the --io-max values into the config's form: "MAJ:MIN:limits;...". */
static int io_max_join(const struct create_flags *fl, char *out, size_t size,
		       struct wirt_error *err)
{
	out[0] = '\0';
	for (size_t i = 0; i < fl->io_max_n; i++) {
		const char *p = fl->io_max[i];

		for (;;) {
			const char *semi = strchr(p, ';');
			size_t len = semi ? (size_t)(semi - p) : strlen(p);
			int r;

			r = io_max_entry(p, len, out, size, err);
			if (r < 0)
				return r;
			if (!semi)
				break;
			p = semi + 1;
		}
	}
	return 0;
}

/* Sets the resource flags on spec and checks the result; the error names the flag. */
static int apply_resources(const struct create_flags *fl, struct wirt_spec *spec,
			   struct wirt_error *err)
{
	char io_max[CREATE_IO_MAX_TEXT];
	struct wirt_spec check;
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(resource_keys); i++) {
		if (!fl->resource[i] || i == RESOURCE_IO_MAX)
			continue;
		r = wirt_config_set_key(spec, "resources", resource_keys[i], fl->resource[i], err);
		if (r < 0)
			return wirt_error_prefix(err, "--%s", resource_keys[i]);
	}
	if (fl->io_max_n) {
		r = io_max_join(fl, io_max, sizeof(io_max), err);
		if (r == 0)
			r = wirt_config_set_key(spec, "resources", "io-max", io_max, err);
		if (r < 0)
			return wirt_error_prefix(err, "--io-max");
	}
	/* The whole spec, as it will be saved: create allocates the id range later, and
	 * the addresses from the host's pool (then checks the network as a whole). */
	check = *spec;
	check.id_base = WIRT_ID_FIRST;
	memset(&check.net, 0, sizeof(check.net));
	r = wirt_config_validate(&check, err);
	if (r < 0)
		return r;
	return wirt_resources_check_host(&spec->resources, err);
}

/* Sets the network flags on spec; the error names the flag. */
static int apply_network(const struct create_flags *fl, struct wirt_spec *spec,
			 struct wirt_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(network_keys); i++) {
		const char *value = fl->network[i];
		const char *key = i == 0 ? "mode" : network_keys[i];
		int r;

		if (i == NETWORK_IP)
			value = fl->ip[0] ? fl->ip : NULL;
		else if (i == NETWORK_RESOLVER)
			value = fl->resolver[0] ? fl->resolver : NULL;
		if (!value)
			continue;
		r = wirt_config_set_key(spec, "network", key, value, err);
		if (r < 0)
			return wirt_error_prefix(err, "--%s", network_keys[i]);
	}
	return 0;
}

int cmd_create(struct wirt_cli *cli, int argc, char **argv)
{
	struct create_flags fl = { .template_name = "busybox" };
	struct wirt_error err = { 0 };
	struct wirt_spec spec;
	const char *name;
	int r;

	r = parse_flags(argc, argv, &fl);
	if (r)
		return r;
	name = argv[optind];
	wirt_spec_init(&spec, name);
	if (snprintf(spec.template_name, sizeof(spec.template_name), "%s", fl.template_name) >=
	    (int)sizeof(spec.template_name))
		return cli_usage("create", "template name is longer than %d characters", WIRT_NAME_MAX);
	if (fl.hostname && snprintf(spec.hostname, sizeof(spec.hostname), "%s", fl.hostname) >=
				   (int)sizeof(spec.hostname))
		return cli_usage("create", "hostname is longer than %d characters", WIRT_HOSTNAME_MAX);
	spec.autostart = fl.autostart;
	/* A bad name first, as every verb reports it. */
	if (wirt_name_validate("vServer", name, &err) < 0 ||
	    apply_resources(&fl, &spec, &err) < 0 || apply_network(&fl, &spec, &err) < 0 ||
	    wirt_vserver_create(cli->root, &spec, &err) < 0)
		return cli_fail_on("create", name, &err);
	return 0;
}
