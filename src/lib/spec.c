/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Defaults of struct wirt_spec: see spec.h. */
#include <string.h>
#include <stdio.h>

#include "spec.h"

void wirt_resources_init(struct wirt_resources *res)
{
	memset(res, 0, sizeof(*res));
	res->memory = WIRT_UNLIMITED;
	res->swap = WIRT_UNLIMITED;
	res->pids = WIRT_UNLIMITED;
}

void wirt_spec_init(struct wirt_spec *spec, const char *name)
{
	memset(spec, 0, sizeof(*spec));
	snprintf(spec->name, sizeof(spec->name), "%s", name ? name : "");
	snprintf(spec->template_name, sizeof(spec->template_name), "busybox");
	snprintf(spec->hostname, sizeof(spec->hostname), "%s", name ? name : "");
	spec->id_count = WIRT_ID_COUNT;
	spec->stop_timeout = WIRT_STOP_TIMEOUT_DEFAULT;
	wirt_resources_init(&spec->resources);
}
