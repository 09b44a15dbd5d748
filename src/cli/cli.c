/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every verb shares: error lines and JSON strings. See cli.h. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "netaddr.h"

int cli_fail(const struct wirt_error *err)
{
	char buf[WIRT_ERROR_MAX + 128];

	fprintf(stderr, "wirt: %s\n", wirt_error_format(err, buf, sizeof(buf)));
	return WIRT_EXIT_FAILURE;
}

int cli_fail_on(const char *verb, const char *name, struct wirt_error *err)
{
	char shown[96];
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p && o + 5 < sizeof(shown); p++) {
		if (*p < 0x20 || *p == 0x7f)
			o += (size_t)snprintf(shown + o, sizeof(shown) - o, "\\x%02x", *p);
		else
			shown[o++] = (char)*p;
	}
	shown[o] = '\0';
	wirt_error_prefix(err, "%s '%s'", verb, shown);
	return cli_fail(err);
}

int cli_usage(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "wirt: %s%s", verb ? verb : "", verb ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'wirt help')\n");
	return WIRT_EXIT_USAGE;
}

void cli_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

int cli_add_ip(const char *verb, const char *arg, struct wirt_net *net)
{
	struct wirt_error err = { 0 };

	if (net->n_addrs >= WIRT_NET_ADDRS_MAX)
		return cli_usage(verb, "at most %d --ip", WIRT_NET_ADDRS_MAX);
	if (wirt_netaddr_parse(arg, &net->addrs[net->n_addrs], &err) < 0)
		return cli_usage(verb, "--ip: %s", err.msg);
	net->n_addrs++;
	return 0;
}
