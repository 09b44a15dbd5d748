/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The root dir layout: see paths.h. */
#include <stdio.h>
#include <stdlib.h>

#include "paths.h"

const char *wirt_root_resolve(const char *arg)
{
	const char *env;

	if (arg && *arg)
		return arg;
	env = getenv("WIRT_ROOT");
	if (env && *env)
		return env;
	return WIRT_ROOT_DEFAULT;
}

char *wirt_path(char *buf, const char *root, const char *a, const char *b, const char *c)
{
	int n;

	n = snprintf(buf, PATH_MAX, "%s%s%s%s%s%s%s", root, a ? "/" : "", a ? a : "", b ? "/" : "",
		     b ? b : "", c ? "/" : "", c ? c : "");
	if (n < 0 || n >= PATH_MAX)
		return NULL;
	return buf;
}
