/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The root dir layout: see paths.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

uint32_t wirt_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

bool wirt_root_tag(const char *root, uint32_t *ret_tag)
{
	char real[PATH_MAX];
	const char *r = realpath(root, real) ? real : root;

	if (strcmp(r, WIRT_ROOT_DEFAULT) == 0)
		return false;
	*ret_tag = wirt_hash(r);
	return true;
}
