/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device rules for a cgroup (an OCI container's linux.resources.devices): v1 has the
 * devices controller, which takes the rules as lines in devices.allow and
 * devices.deny; v2 has no such files, the rules become an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup.
 */
#include <errno.h>
#include <stdio.h>

#include "cgroup.h"

static int v1_apply(const struct wirt_cgroup *cg, const struct wirt_device_rule *rules, size_t n,
		    struct wirt_error *err)
{
	char dir[PATH_MAX], val[64], maj[24], min[24];

	wirt_cgroup_path(cg, "devices", dir);
	for (size_t i = 0; i < n; i++) {
		const struct wirt_device_rule *d = &rules[i];
		int r;

		snprintf(maj, sizeof(maj), d->major < 0 ? "*" : "%lld", (long long)d->major);
		snprintf(min, sizeof(min), d->minor < 0 ? "*" : "%lld", (long long)d->minor);
		if (d->type == 'a')
			snprintf(val, sizeof(val), "a");
		else
			snprintf(val, sizeof(val), "%c %s:%s %s", d->type, maj, min,
				 d->access[0] ? d->access : "rwm");
		r = wirt_cgroup_write(dir, d->allow ? "devices.allow" : "devices.deny", val, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int wirt_cgroup_devices_apply(const struct wirt_cgroup *cg, const struct wirt_device_rule *rules,
			      size_t n, struct wirt_error *err)
{
	if (n == 0)
		return 0;
	if (cg->mode == WIRT_CGROUP_V1)
		return v1_apply(cg, rules, n, err);
	return wirt_error_invalid(err, "device rules on a cgroup v2 host are not supported yet");
}
