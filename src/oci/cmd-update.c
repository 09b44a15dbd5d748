/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `wirt-oci update [--resources FILE|-] [--memory N] [--memory-reservation N]
 * [--memory-swap N] [--cpu-shares N] [--cpu-quota N] [--cpu-period N]
 * [--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID`: the
 * given linux.resources fields are merged into the container's kept config, the whole
 * config is parsed again (so an update is checked as config.json is, and refused
 * fields stay refused) and its resources written to the cgroup; the kept config is
 * replaced only when that worked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "lifecycle.h"

struct num_flag {
	const char *flag, *section, *key;
	const char *value;
};

/* Merges 'from' into 'into' one level deep: memory.limit replaces only that key. */
static void merge_resources(json_t *into, json_t *from)
{
	const char *k;
	json_t *v;

	json_object_foreach(from, k, v) {
		json_t *old = json_object_get(into, k);

		if (json_is_object(old) && json_is_object(v))
			json_object_update(old, v);
		else
			json_object_set(into, k, v);
	}
}

static json_t *number(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);

	return *end || end == s ? NULL : json_integer(n);
}

int cmd_update(struct oci_cli *cli, int argc, char **argv)
{
	struct num_flag nums[] = {
		{ "memory", "memory", "limit", NULL },
		{ "memory-reservation", "memory", "reservation", NULL },
		{ "memory-swap", "memory", "swap", NULL },
		{ "cpu-shares", "cpu", "shares", NULL },
		{ "cpu-quota", "cpu", "quota", NULL },
		{ "cpu-period", "cpu", "period", NULL },
		{ "pids-limit", "pids", "limit", NULL },
		{ "blkio-weight", "blockIO", "weight", NULL },
	};
	const char *resources = NULL, *cpus = NULL, *mems = NULL;
	struct oci_flag flags[3 + 8];
	struct wirt_oci_spec spec = { 0 };
	struct wirt_error err = { 0 };
	struct oci_state st = { 0 };
	json_t *config = NULL, *upd = NULL, *linux_, *res;
	json_error_t jerr;
	char path[PATH_MAX], *text = NULL;
	const char *id;
	size_t nf = 0;
	int first, r = OCI_EXIT_FAILURE;

	flags[nf++] = (struct oci_flag){ "resources", "r", OCI_FLAG_STRING, &resources };
	flags[nf++] = (struct oci_flag){ "cpuset-cpus", NULL, OCI_FLAG_STRING, &cpus };
	flags[nf++] = (struct oci_flag){ "cpuset-mems", NULL, OCI_FLAG_STRING, &mems };
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		flags[nf++] = (struct oci_flag){ nums[i].flag, NULL, OCI_FLAG_STRING, &nums[i].value };
	first = oci_parse_flags(cli, argc, argv, flags, nf, "[--resources FILE|-] [--memory N] "
				"[--cpu-quota N] [--pids-limit N] ... ID");
	if (first <= 0)
		return first == 0 ? 0 : OCI_EXIT_FAILURE;
	id = oci_want_id(cli, argc, argv, first, "update");
	if (!id)
		return OCI_EXIT_FAILURE;
	if (oci_state_load(cli->root, id, &st, &err) < 0)
		return oci_fail_err(cli, "update", id, &err);
	if (oci_state_status(&st) == OCI_STOPPED) {
		r = oci_fail(cli, "update %s: container not running", id);
		goto out;
	}
	if (resources) {
		upd = strcmp(resources, "-") == 0 ? json_loadf(stdin, 0, &jerr)
						  : json_load_file(resources, 0, &jerr);
		if (!json_is_object(upd)) {
			r = oci_fail(cli, "update %s: --resources '%s': %s", id, resources,
				     upd ? "not an object" : jerr.text);
			goto out;
		}
	} else {
		upd = json_object();
	}
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		json_t *sec, *v;

		if (!nums[i].value)
			continue;
		v = number(nums[i].value);
		if (!v) {
			r = oci_fail(cli, "update %s: --%s: not a number: '%s'", id, nums[i].flag,
				     nums[i].value);
			goto out;
		}
		sec = json_object_get(upd, nums[i].section);
		if (!json_is_object(sec)) {
			sec = json_object();
			json_object_set_new(upd, nums[i].section, sec);
		}
		json_object_set_new(sec, nums[i].key, v);
	}
	if (cpus || mems) {
		json_t *sec = json_object_get(upd, "cpu");
		if (!json_is_object(sec)) {
			sec = json_object();
			json_object_set_new(upd, "cpu", sec);
		}
		if (cpus)
			json_object_set_new(sec, "cpus", json_string(cpus));
		if (mems)
			json_object_set_new(sec, "mems", json_string(mems));
	}
	config = json_load_file(oci_state_file(&st, "config.json", path), 0, &jerr);
	if (!config) {
		r = oci_fail(cli, "update %s: read '%s': %s", id, path, jerr.text);
		goto out;
	}
	linux_ = json_object_get(config, "linux");
	if (!json_is_object(linux_)) {
		linux_ = json_object();
		json_object_set_new(config, "linux", linux_);
	}
	res = json_object_get(linux_, "resources");
	if (!json_is_object(res)) {
		res = json_object();
		json_object_set_new(linux_, "resources", res);
	}
	merge_resources(res, upd);
	text = json_dumps(config, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	if (!text || wirt_oci_config_parse(text, strlen(text), &spec, &err) < 0 ||
	    wirt_cgroup_apply(&st.cg, &spec.spec.resources, &err) < 0) {
		r = oci_fail_err(cli, "update", id, &err);
		goto out;
	}
	if (wirt_write_file_replace(path, text, strlen(text), 0600) < 0) {
		r = oci_fail(cli, "update %s: write '%s'", id, path);
		goto out;
	}
	r = 0;
out:
	free(text);
	json_decref(upd);
	json_decref(config);
	wirt_oci_spec_free(&spec);
	oci_state_free(&st);
	return r;
}
