/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt domain add NAME DOMAIN... [--tls edge|passthrough|off] [--forward xff|proxy]
 *                                [--reload-cmd CMD]
 * wirt domain list [NAME] [--json]
 * wirt domain delete NAME DOMAIN
 * wirt domain renew [DOMAIN...] [--force]
 * wirt domain acme-hook METHOD TYPE IDENT TOKEN AUTH     (uacme's hook: not for people)
 * (domain.h, acme.h, edge.h; docs/edge.md).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acme.h"
#include "cli.h"
#include "domain.h"
#include "hostconf.h"
#include "validate.h"

/* A certificate not had: the domain stays, served over HTTP; one line on stderr. */
static void warn_line(void *ctx, const char *domain, const struct wirt_error *err)
{
	const char *verb = ctx;

	fprintf(stderr, "wirt: %s '%s': warning: no new certificate: %s\n", verb, domain,
		err->msg);
}

static int domain_add(struct wirt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tls", required_argument, NULL, 't' },
		{ "forward", required_argument, NULL, 'f' },
		{ "reload-cmd", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct wirt_domain_options o = { .warn = warn_line, .warn_ctx = "domain add" };
	struct wirt_error err = { 0 };
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (wirt_domain_tls_parse(optarg, &o.tls, &err) < 0)
				return cli_usage("domain add", "--tls: %s", err.msg);
			break;
		case 'f':
			if (wirt_domain_forward_parse(optarg, &o.forward, &err) < 0)
				return cli_usage("domain add", "--forward: %s", err.msg);
			break;
		case 'r':
			if (strlen(optarg) >= WIRT_DOMAIN_CMD_MAX || strchr(optarg, '\n'))
				return cli_usage("domain add", "--reload-cmd: one line of at most %d",
						 WIRT_DOMAIN_CMD_MAX - 1);
			o.reload_cmd = optarg;
			break;
		case ':':
			return cli_usage("domain add", "option '%s' needs a value", argv[optind - 1]);
		default:
			return cli_usage("domain add", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind < 2)
		return cli_usage("domain add", "expects NAME and one DOMAIN or more");
	if (wirt_domain_add(cli->root, argv[optind], argv + optind + 1, (size_t)(argc - optind - 1),
			    &o, &err) < 0)
		return cli_fail_on("domain add", argv[optind], &err);
	return 0;
}

static void iso_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t) {
		snprintf(buf, size, "-");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void json_string_or_null(const char *s)
{
	if (s && *s)
		cli_json_string(s);
	else
		printf("null");
}

static int domain_list(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct wirt_domain *v;
	const char *name = NULL;
	bool json = false;
	size_t n, shown = 0;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-' || name)
			return cli_usage("domain list", "domain list [NAME] [--json]");
		else
			name = argv[i];
	}
	if (wirt_domain_list(cli->root, &v, &n, &err) < 0)
		return cli_fail(&err);
	if (json)
		printf("[");
	else
		printf("%-32s %-16s %-12s %-8s %-21s %-24s %s\n", "DOMAIN", "VSERVER", "TLS", "STATE",
		       "EXPIRES", "ISSUER", "ERROR");
	for (size_t i = 0; i < n; i++) {
		const struct wirt_domain *d = &v[i];
		char when[32];

		if (name && strcmp(d->vserver, name) != 0)
			continue;
		if (json) {
			printf("%s{\"domain\":", shown ? "," : "");
			cli_json_string(d->name);
			printf(",\"vserver\":");
			cli_json_string(d->vserver);
			printf(",\"tls\":\"%s\",\"forward\":\"%s\",\"state\":\"%s\",\"issuer\":",
			       wirt_domain_tls_name(d->tls), wirt_domain_forward_name(d->forward),
			       wirt_domain_state_name(d->state));
			json_string_or_null(d->issuer);
			if (d->not_after)
				printf(",\"not_after\":%" PRId64 ",\"renew_after\":%" PRId64,
				       d->not_after, wirt_domain_renew_after(d));
			else
				printf(",\"not_after\":null,\"renew_after\":null");
			printf(",\"last_error\":");
			json_string_or_null(d->last_error);
			printf(",\"failures\":%u,\"next_try\":", d->failures);
			if (d->next_try)
				printf("%" PRId64, d->next_try);
			else
				printf("null");
			printf("}");
		} else {
			iso_time(d->not_after, when, sizeof(when));
			printf("%-32s %-16s %-12s %-8s %-21s %-24.24s %s\n", d->name, d->vserver,
			       wirt_domain_tls_name(d->tls), wirt_domain_state_name(d->state), when,
			       d->issuer[0] ? d->issuer : "-", d->last_error[0] ? d->last_error : "-");
		}
		shown++;
	}
	if (json)
		printf("]\n");
	free(v);
	return 0;
}

static int domain_renew(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_domain_options o = { .warn = warn_line, .warn_ctx = "domain renew" };
	struct wirt_error err = { 0 };
	char **names = calloc((size_t)argc, sizeof(*names));
	bool force = false;
	size_t n = 0;
	int r;

	if (!names) {
		wirt_errorf(&err, ENOMEM, "domain renew");
		return cli_fail(&err);
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (argv[i][0] == '-') {
			free(names);
			return cli_usage("domain renew", "domain renew [DOMAIN...] [--force]");
		} else
			names[n++] = argv[i];
	}
	r = wirt_domain_renew(cli->root, names, n, force, &o, &err);
	free(names);
	if (r < 0)
		return cli_fail_on("domain renew", n ? argv[2] : cli->root, &err);
	return 0;
}

int cmd_domain(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };

	if (argc < 2)
		return cli_usage("domain", "domain add|list|delete|renew ...");
	if (strcmp(argv[1], "add") == 0)
		return domain_add(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return domain_list(cli, argc, argv);
	if (strcmp(argv[1], "renew") == 0)
		return domain_renew(cli, argc, argv);
	if (strcmp(argv[1], "delete") == 0) {
		if (argc != 4)
			return cli_usage("domain delete", "expects NAME and DOMAIN");
		if (wirt_domain_delete(cli->root, argv[2], argv[3], &err) < 0)
			return cli_fail_on("domain delete", argv[2], &err);
		return 0;
	}
	if (strcmp(argv[1], "acme-hook") == 0) {
		struct wirt_hostconf hc;
		int r;

		if (argc != 7)
			return cli_usage("domain acme-hook", "expects METHOD TYPE IDENT TOKEN AUTH");
		if (wirt_hostconf_load(&hc, &err) < 0)
			return cli_fail(&err);
		r = wirt_acme_hook(cli->root, &hc, argv + 2, &err);
		if (r < 0)
			return cli_fail_on("domain acme-hook", argv[4], &err);
		return r; /* 1: not this challenge type */
	}
	return cli_usage("domain", "unknown subcommand '%s'", argv[1]);
}
