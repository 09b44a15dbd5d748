/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Domain names (domain-name.c), a domain's state file and its renewal time (domain.c),
 * ACME's backoff (acme.c).
 */
#include <stdbool.h>
#include <string.h>

#include "acme.h"
#include "check.h"
#include "domain.h"

static void test_names(void)
{
	static const struct {
		const char *in;
		bool wild;
		const char *out; /* NULL: refused, with 'error' in the message */
		const char *error;
	} cases[] = {
		{ "example.com", false, "example.com", NULL },
		{ "WWW.Example.COM", false, "www.example.com", NULL },
		{ "a-b.c-d.example", false, "a-b.c-d.example", NULL },
		{ "xn--bcher-kva.example", false, "xn--bcher-kva.example", NULL }, /* bücher */
		{ "xn--ls8h.la", false, "xn--ls8h.la", NULL },			/* an emoji */
		{ "*.example.com", true, "*.example.com", NULL },
		{ "*.example.com", false, NULL, "a wildcard needs DNS-01" },
		{ "*.com", true, NULL, "needs two labels" },
		{ "a.*.com", true, NULL, "is not a letter" },
		{ "*x.com", true, NULL, "'*' only as the whole first label" },
		{ "localhost", false, NULL, "needs two labels" },
		{ "192.0.2.1", false, NULL, "an address, not a name" },
		{ "[::1]", false, NULL, "is not a letter" },
		{ "2001:db8::1", false, NULL, "is not a letter" },
		{ "-a.example", false, NULL, "begins or ends with '-'" },
		{ "a-.example", false, NULL, "begins or ends with '-'" },
		{ "a..example", false, NULL, "empty label" },
		{ "example.com.", false, NULL, "empty label" },
		{ "a_b.example", false, NULL, "is not a letter" },
		{ "ab--c.example", false, NULL, "for A-labels" },
		{ "xn--.example", false, NULL, "begins or ends with '-'" },
		{ "xn--abc-.example", false, NULL, "begins or ends" },
		{ "xn--a.example", false, NULL, "not valid Punycode" }, /* U+0080 */
		{ "xn--zzzzzzzzzzz.example", false, NULL, "not valid Punycode" }, /* unfinished */
		{ "xn--zz-zzzzz.example", false, "xn--zz-zzzzz.example", NULL },
		{ "b\xc3\xbc" "cher.example", false, NULL, "not ASCII" },
		{ "", false, NULL, "empty" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", false,
		  NULL, "longer than 63" },
	};
	char out[WIRT_DOMAIN_MAX + 1], base[WIRT_DOMAIN_MAX + 16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wirt_error err = { 0 };
		int r = wirt_domain_validate(cases[i].in, cases[i].wild, out, &err);

		CHECK_CONTEXT(cases[i].in);
		if (cases[i].out) {
			CHECK_EQ_INT(0, r);
			CHECK_EQ_STR(cases[i].out, r == 0 ? out : err.msg);
		} else {
			CHECK(r < 0);
			CHECK_CONTAINS(err.msg, cases[i].error);
		}
	}
	CHECK_CONTEXT(NULL);
	wirt_domain_dirname("*.example.com", base, sizeof(base));
	CHECK_EQ_STR("_wildcard.example.com", base);
	wirt_domain_dirname("a.example.com", base, sizeof(base));
	CHECK_EQ_STR("a.example.com", base);
}

static void test_state(void)
{
	struct wirt_domain d = { .tls = WIRT_TLS_PASSTHROUGH, .forward = WIRT_FORWARD_PROXY,
				 .state = WIRT_DOMAIN_FAILED, .not_before = 1000, .not_after = 4000,
				 .failures = 3, .next_try = 5000 };
	struct wirt_domain back;
	struct wirt_error err = { 0 };
	char buf[4096];
	int n;

	strcpy(d.name, "*.example.com");
	strcpy(d.vserver, "web");
	strcpy(d.reload_cmd, "nginx -s reload");
	strcpy(d.issuer, "Pebble Intermediate CA 1");
	strcpy(d.last_error, "no such authorization");
	n = wirt_domain_format(&d, buf, sizeof(buf));
	CHECK(n > 0);
	CHECK_EQ_INT(0, wirt_domain_parse(buf, (size_t)n, &back, &err));
	CHECK(memcmp(&d, &back, sizeof(d)) == 0);
	/* a third of the lifetime before the end */
	CHECK_EQ_INT(3000, (int)wirt_domain_renew_after(&d));
	d.not_after = 0;
	CHECK_EQ_INT(0, (int)wirt_domain_renew_after(&d));

	CHECK(wirt_domain_parse("name=a.test\n", 12, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "no vserver");
	CHECK(wirt_domain_parse("name=a.test\nvserver=w\ntls=bogus\n", 32, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "line 3: tls");
	CHECK(wirt_domain_parse("name=a.test\nvserver=w\nx=1\n", 26, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "unknown key");
	CHECK(wirt_domain_parse("name=a.test\nvserver=w\nissuer=a\tb\n", 33, &back, &err) < 0);
	CHECK_CONTAINS(err.msg, "control character");
}

static void test_backoff(void)
{
	CHECK_EQ_INT(60, (int)wirt_acme_backoff(0));
	CHECK_EQ_INT(60, (int)wirt_acme_backoff(1));
	CHECK_EQ_INT(120, (int)wirt_acme_backoff(2));
	CHECK_EQ_INT(480, (int)wirt_acme_backoff(4));
	CHECK_EQ_INT(86400, (int)wirt_acme_backoff(20));
	CHECK_EQ_INT(86400, (int)wirt_acme_backoff(1000));
}

int main(void)
{
	test_names();
	test_state();
	test_backoff();
	return check_exit("test-domain");
}
