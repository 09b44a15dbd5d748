/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the network's parsers: addresses (wirt_netaddr_parse and its
 * prefix and host variants), MACs, port forwards, and the host config
 * (wirt_hostconf_parse) on the whole input. An accepted address or MAC must print and
 * parse back to itself; an accepted prefix has no host bits; every error message is
 * free of raw control characters.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hostconf.h"
#include "netaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what, const char *input)
{
	if (!ok) {
		fprintf(stderr, "%s: input '%s'\n", what, input);
		abort();
	}
}

static void check_message(const struct wirt_error *err)
{
	for (const unsigned char *p = (const unsigned char *)err->msg; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			fprintf(stderr, "raw byte 0x%02x in message: %s\n", *p, err->msg);
			abort();
		}
	}
}

static void round_trip(const struct wirt_net_addr *a, const char *s)
{
	char text[WIRT_NETADDR_TEXT_MAX];
	struct wirt_net_addr back;
	struct wirt_error err;

	wirt_netaddr_str_prefix(a, text);
	check(wirt_netaddr_parse(text, &back, &err) == 0, "printed address does not parse", s);
	check(wirt_netaddr_equal(a, &back) && a->prefix == back.prefix,
	      "address changes on its way back", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wirt_error err = { 0 };
	struct wirt_hostconf hc;
	struct wirt_net_addr a;
	struct wirt_net_port port;
	uint8_t mac[6];
	char *s, text[WIRT_MAC_TEXT_MAX];

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (wirt_netaddr_parse(s, &a, &err) == 0)
		round_trip(&a, s);
	else
		check_message(&err);
	if (wirt_netaddr_parse_prefix(s, &a, &err) == 0) {
		struct wirt_net_addr first;

		check(wirt_netaddr_nth(&a, 0, &first) && wirt_netaddr_in(&a, &first) &&
			      memcmp(first.addr, a.addr, 16) == 0,
		      "prefix has host bits", s);
	} else {
		check_message(&err);
	}
	if (wirt_netaddr_parse_host(s, &a, &err) < 0)
		check_message(&err);
	if (wirt_mac_parse(s, mac, &err) == 0) {
		uint8_t back[6];

		wirt_mac_str(mac, text);
		check(wirt_mac_parse(text, back, &err) == 0 && memcmp(mac, back, 6) == 0,
		      "MAC changes on its way back", s);
		check(!(mac[0] & 1), "multicast MAC accepted", s);
	} else {
		check_message(&err);
	}
	{
		char proto[8] = "", hp[16] = "", gp[16] = "";

		if (sscanf(s, "%7s %15s %15s", proto, hp, gp) == 3) {
			if (wirt_port_parse(proto, hp, gp, &port, &err) == 0)
				check(port.host_port > 0 && port.guest_port > 0 &&
					      (port.proto == IPPROTO_TCP || port.proto == IPPROTO_UDP),
				      "bad port accepted", s);
			else
				check_message(&err);
		}
	}
	if (wirt_hostconf_parse((const char *)data, size, &hc, &err) == 0) {
		check(hc.n_masquerade <= WIRT_HOSTCONF_MASQ_MAX &&
			      hc.n_resolvers <= WIRT_NET_RESOLVERS_MAX,
		      "host config lists overflow", s);
		check(!hc.has_pool || hc.pool.family == AF_INET, "pool is not IPv4", s);
		check(!hc.has_pool6 || hc.pool6.family == AF_INET6, "pool6 is not IPv6", s);
	} else {
		check_message(&err);
	}
	free(s);
	return 0;
}
