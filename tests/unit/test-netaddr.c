/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* netaddr.c, hostconf.c and the [network] keys of config.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "hostconf.h"
#include "netaddr.h"

static void test_parse(void)
{
	struct wirt_error err = { 0 };
	struct wirt_net_addr a;
	char text[WIRT_NETADDR_TEXT_MAX];

	CHECK_EQ_INT(0, wirt_netaddr_parse("192.0.2.10", &a, &err));
	CHECK_EQ_INT(AF_INET, a.family);
	CHECK_EQ_INT(32, a.prefix);
	CHECK_EQ_STR("192.0.2.10/32", wirt_netaddr_str_prefix(&a, text));
	CHECK_EQ_INT(0, wirt_netaddr_parse("2001:DB8::10/64", &a, &err));
	CHECK_EQ_STR("2001:db8::10/64", wirt_netaddr_str_prefix(&a, text));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("192.0.2.10/33", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("192.0.2.10/", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("192.0.2.10/-1", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("/24", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("host.example", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("127.0.0.1", &a, &err));
	CHECK_CONTAINS(err.msg, "loopback");
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("0.0.0.0", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("224.0.0.1", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("255.255.255.255", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("169.254.0.1", &a, &err));
	CHECK_CONTAINS(err.msg, "link-local");
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("fe80::5", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("::ffff:192.0.2.1", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("::1", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse("ff02::1", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse_host("192.0.2.1/24", &a, &err));
	CHECK_EQ_INT(0, wirt_netaddr_parse_prefix("10.0.0.0/8", &a, &err));
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse_prefix("10.0.0.1/8", &a, &err));
	CHECK_CONTAINS(err.msg, "host bits");
	CHECK_EQ_INT(-EINVAL, wirt_netaddr_parse_prefix("10.0.0.0", &a, &err));
}

static void test_arith(void)
{
	struct wirt_error err = { 0 };
	struct wirt_net_addr net, a, b;
	char text[WIRT_NETADDR_TEXT_MAX];

	CHECK_EQ_INT(0, wirt_netaddr_parse_prefix("10.0.0.0/30", &net, &err));
	CHECK(wirt_netaddr_nth(&net, 1, &a));
	CHECK_EQ_STR("10.0.0.1", wirt_netaddr_str(&a, text));
	CHECK(wirt_netaddr_nth(&net, 2, &a));
	CHECK(!wirt_netaddr_nth(&net, 3, &a)); /* broadcast */
	CHECK(!wirt_netaddr_nth(&net, 4, &a));
	CHECK_EQ_INT(0, wirt_netaddr_parse_prefix("10.0.0.0/23", &net, &err));
	CHECK(wirt_netaddr_nth(&net, 256, &a));
	CHECK_EQ_STR("10.0.1.0", wirt_netaddr_str(&a, text));
	CHECK(wirt_netaddr_in(&net, &a));
	CHECK_EQ_INT(0, wirt_netaddr_parse("10.0.2.0", &b, &err));
	CHECK(!wirt_netaddr_in(&net, &b));
	CHECK_EQ_INT(0, wirt_netaddr_parse_prefix("fd00::/64", &net, &err));
	CHECK(wirt_netaddr_nth(&net, 0x10203, &a));
	CHECK_EQ_STR("fd00::1:203", wirt_netaddr_str(&a, text));
	CHECK(wirt_netaddr_in(&net, &a));
	CHECK_EQ_INT(0, wirt_netaddr_parse("fd00:0:0:1::1", &b, &err));
	CHECK(!wirt_netaddr_in(&net, &b));
	CHECK(!wirt_netaddr_equal(&a, &b));

	struct wirt_net_addr list[2] = { a, b };
	CHECK_EQ_INT(1, wirt_netaddr_find(list, 2, &b));
	CHECK_EQ_INT(0, wirt_netaddr_find(list, 2, &a));
	CHECK_EQ_INT(-1, wirt_netaddr_find(list, 1, &b));
	CHECK_EQ_INT(-1, wirt_netaddr_find(list, 0, &a));

	struct wirt_net nt = { .n_ports = 2, .ports = { { IPPROTO_TCP, 80, 8080 }, { IPPROTO_UDP, 53, 53 } } };
	struct wirt_net_port p = { IPPROTO_UDP, 53, 1 };
	CHECK_EQ_INT(1, wirt_net_port_find(&nt, &p));
	p.proto = IPPROTO_TCP;
	CHECK_EQ_INT(-1, wirt_net_port_find(&nt, &p));
	p.host_port = 80;
	CHECK_EQ_INT(0, wirt_net_port_find(&nt, &p));
}

static void test_mac(void)
{
	struct wirt_error err = { 0 };
	uint8_t mac[6], again[6];
	char text[WIRT_MAC_TEXT_MAX];

	CHECK_EQ_INT(0, wirt_mac_parse("02:00:00:AB:cd:01", mac, &err));
	CHECK_EQ_STR("02:00:00:ab:cd:01", wirt_mac_str(mac, text));
	CHECK_EQ_INT(-EINVAL, wirt_mac_parse("01:00:00:00:00:01", mac, &err));
	CHECK_EQ_INT(-EINVAL, wirt_mac_parse("00:00:00:00:00:00", mac, &err));
	CHECK_EQ_INT(-EINVAL, wirt_mac_parse("02:00:00:00:00:0x", mac, &err));
	CHECK_EQ_INT(-EINVAL, wirt_mac_parse("02:00:00:00:00:+1", mac, &err));
	CHECK_EQ_INT(-EINVAL, wirt_mac_parse("02-00-00-00-00-01", mac, &err));
	wirt_mac_from_seed("web1", 4, mac);
	wirt_mac_from_seed("web1", 4, again);
	CHECK(memcmp(mac, again, 6) == 0);
	CHECK((mac[0] & 3) == 2);
	wirt_mac_from_seed("web2", 4, again);
	CHECK(memcmp(mac, again, 6) != 0);
}

static const char base_config[] = "[vserver]\nname = a\ntemplate = busybox\n[ids]\nbase = 1000065536\n";

static int parse_with(const char *network, struct wirt_spec *spec, struct wirt_error *err)
{
	char text[2048];

	snprintf(text, sizeof(text), "%s[network]\n%s", base_config, network);
	return wirt_config_parse(text, strlen(text), spec, err);
}

static void test_config(void)
{
	struct wirt_error err = { 0 };
	struct wirt_spec spec, back;
	char text[4096];
	int n;

	CHECK_EQ_INT(0, parse_with("ip = 10.231.0.10, fd00:231::10\nip = 10.1.2.3/24\n"
				   "resolver = 1.1.1.1 2606:4700::1111\nport = tcp 8080 80\n"
				   "port = udp 53 5353\npolicy = deny\n",
				   &spec, &err));
	CHECK_EQ_INT(WIRT_NET_ROUTED, spec.net.mode);
	CHECK_EQ_INT(3, spec.net.n_addrs);
	CHECK_EQ_INT(2, spec.net.n_resolvers);
	CHECK_EQ_INT(2, spec.net.n_ports);
	CHECK_EQ_INT(WIRT_POLICY_DENY, spec.net.policy);
	n = wirt_config_format(&spec, text, sizeof(text));
	CHECK(n > 0);
	CHECK_CONTAINS(text, "ip = 10.1.2.3/24\n");
	CHECK_CONTAINS(text, "port = udp 53 5353\n");
	CHECK_EQ_INT(0, wirt_config_parse(text, (size_t)n, &back, &err));
	back.net.mode_set = spec.net.mode_set; /* the text names the mode */
	CHECK(memcmp(&spec.net, &back.net, sizeof(spec.net)) == 0);

	CHECK_EQ_INT(0, parse_with("bridge = br0\nip = 10.0.0.5/24\ngateway = 10.0.0.1\n"
				   "mac = 02:00:00:00:00:05\n", &spec, &err));
	CHECK_EQ_INT(WIRT_NET_BRIDGED, spec.net.mode);
	CHECK_EQ_INT(-EINVAL, parse_with("bridge = br0\nip = 10.0.0.5/24\ngateway = 10.9.0.1\n",
					 &spec, &err));
	CHECK_CONTAINS(err.msg, "[network] gateway");
	CHECK_EQ_INT(-EINVAL, parse_with("mode = bridged\nip = 10.0.0.5/24\n", &spec, &err));
	CHECK_CONTAINS(err.msg, "needs a bridge");
	CHECK_EQ_INT(-EINVAL, parse_with("mode = routed\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("mode = none\nip = 10.0.0.5\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("ip = 10.0.0.5 10.0.0.5\n", &spec, &err));
	CHECK_CONTAINS(err.msg, "twice");
	CHECK_EQ_INT(-EINVAL, parse_with("ip = 10.0.0.5\nport = tcp 80 80\nport = tcp 80 81\n",
					 &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("port = tcp 80 80\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("ip = 10.0.0.5\nport = sctp 80 80\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("ip = 10.0.0.5\nport = tcp 0 80\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("ip = 10.0.0.5\nport = tcp 80 80 x\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("bridge = wv-x\nip = 10.0.0.5/24\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("bridge = a\"b\nip = 10.0.0.5/24\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("resolver = 1.1.1.1 1.0.0.1 8.8.8.8 9.9.9.9\n", &spec, &err));
	CHECK_EQ_INT(-EINVAL, parse_with("policy = maybe\n", &spec, &err));

	/* `wirt set ip=...` replaces the list; an emptied list leaves routed mode */
	CHECK_EQ_INT(0, parse_with("ip = 10.0.0.5\n", &spec, &err));
	CHECK_EQ_INT(0, wirt_config_set_key(&spec, NULL, "ip", "10.0.0.6, 10.0.0.7", &err));
	CHECK_EQ_INT(2, spec.net.n_addrs);
}

static void test_hostconf(void)
{
	struct wirt_error err = { 0 };
	struct wirt_hostconf hc;
	const char good[] = "[network]\npool = 10.100.0.0/24\npool6 = fd00:100::/64\n"
			    "uplink = eth0\nmasquerade = 10.100.0.0/24, fd00:100::/64\n"
			    "resolver = 192.0.2.53\n";

	CHECK_EQ_INT(0, wirt_hostconf_parse(good, strlen(good), &hc, &err));
	CHECK(hc.has_pool && hc.has_pool6);
	CHECK_EQ_STR("eth0", hc.uplink);
	CHECK_EQ_INT(2, hc.n_masquerade);
	CHECK_EQ_INT(1, hc.n_resolvers);
	CHECK_EQ_INT(-EINVAL, wirt_hostconf_parse("[network]\npool = fd00::/64\n", 24, &hc, &err));
	CHECK_EQ_INT(-EINVAL, wirt_hostconf_parse("[network]\npool = 10.0.0.1/24\n", 29, &hc, &err));
	CHECK_EQ_INT(-EINVAL, wirt_hostconf_parse("[network]\nfoo = 1\n", 18, &hc, &err));
	CHECK_CONTAINS(err.msg, "unknown key");
	CHECK_EQ_INT(-EINVAL, wirt_hostconf_parse("[other]\nfoo = 1\n", 16, &hc, &err));
	CHECK_EQ_INT(-EINVAL, wirt_hostconf_parse("[network]\nuplink = a b\n", 23, &hc, &err));
	CHECK_EQ_INT(0, wirt_hostconf_parse("", 0, &hc, &err));
	CHECK(!hc.has_pool);
}

int main(void)
{
	test_parse();
	test_arith();
	test_mac();
	test_config();
	test_hostconf();
	return check_exit("test-netaddr");
}
