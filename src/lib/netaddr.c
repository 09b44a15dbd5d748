/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address parsing and arithmetic: see netaddr.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "validate.h"

static unsigned addr_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Splits "ADDR[/PREFIX]" and parses both halves; prefix is -1 when absent. */
static int parse_parts(const char *s, struct wirt_net_addr *ret, int *ret_prefix,
		       struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX], text[64];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);

	memset(ret, 0, sizeof(*ret));
	*ret_prefix = -1;
	if (len == 0 || len >= sizeof(text))
		return wirt_error_invalid(err, "invalid address '%s'",
					  wirt_str_escape(s, shown, sizeof(shown)));
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, ret->addr) == 1)
		ret->family = AF_INET;
	else if (inet_pton(AF_INET6, text, ret->addr) == 1)
		ret->family = AF_INET6;
	else
		return wirt_error_invalid(err, "invalid address '%s': not IPv4 or IPv6",
					  wirt_str_escape(s, shown, sizeof(shown)));
	if (slash) {
		uint64_t p;

		if (wirt_uint_parse(slash + 1, 0, addr_bits(ret->family), &p, err) < 0)
			return wirt_error_prefix(err, "invalid prefix length in '%s'",
						 wirt_str_escape(s, shown, sizeof(shown)));
		*ret_prefix = (int)p;
	}
	ret->prefix = (uint8_t)(*ret_prefix < 0 ? (int)addr_bits(ret->family) : *ret_prefix);
	return 0;
}

/* Why 'a' cannot be a vServer's or nameserver's address, or NULL. */
static const char *special_kind(const struct wirt_net_addr *a, bool own)
{
	static const uint8_t zero[16];
	const uint8_t *b = a->addr;

	if (a->family == AF_INET) {
		if (memcmp(b, zero, 4) == 0)
			return "unspecified";
		if (b[0] == 127)
			return "loopback";
		if (b[0] >= 224 && b[0] < 240)
			return "multicast";
		if (b[0] >= 240)
			return b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255
				       ? "broadcast"
				       : "reserved (240.0.0.0/4)";
		if (own && b[0] == 169 && b[1] == 254)
			return "link-local (wirt's gateway is 169.254.0.1)";
		return NULL;
	}
	if (memcmp(b, zero, 16) == 0)
		return "unspecified";
	if (memcmp(b, zero, 15) == 0 && b[15] == 1)
		return "loopback";
	if (b[0] == 0xff)
		return "multicast";
	if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
		return "IPv4-mapped";
	if (own && b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return "link-local (wirt's gateway is fe80::1)";
	return NULL;
}

static int check_special(const char *s, const struct wirt_net_addr *a, bool own,
			 struct wirt_error *err)
{
	const char *kind = special_kind(a, own);
	char shown[WIRT_ESCAPE_MAX];

	if (kind)
		return wirt_error_invalid(err, "address '%s' is %s",
					  wirt_str_escape(s, shown, sizeof(shown)), kind);
	return 0;
}

int wirt_netaddr_parse(const char *s, struct wirt_net_addr *ret, struct wirt_error *err)
{
	int prefix, r;

	r = parse_parts(s, ret, &prefix, err);
	if (r < 0)
		return r;
	return check_special(s, ret, true, err);
}

int wirt_netaddr_parse_host(const char *s, struct wirt_net_addr *ret, struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	int prefix, r;

	r = parse_parts(s, ret, &prefix, err);
	if (r < 0)
		return r;
	if (prefix >= 0)
		return wirt_error_invalid(err, "address '%s' must not have a prefix length",
					  wirt_str_escape(s, shown, sizeof(shown)));
	return check_special(s, ret, false, err);
}

int wirt_netaddr_parse_prefix(const char *s, struct wirt_net_addr *ret,
			      struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	int prefix, r;

	r = parse_parts(s, ret, &prefix, err);
	if (r < 0)
		return r;
	if (prefix < 0)
		return wirt_error_invalid(err, "prefix '%s' needs a length ('/24')",
					  wirt_str_escape(s, shown, sizeof(shown)));
	for (unsigned bit = (unsigned)prefix; bit < addr_bits(ret->family); bit++)
		if (ret->addr[bit / 8] & (0x80 >> (bit % 8)))
			return wirt_error_invalid(err, "prefix '%s' has host bits set",
						  wirt_str_escape(s, shown, sizeof(shown)));
	return 0;
}

const char *wirt_netaddr_str(const struct wirt_net_addr *a, char *buf)
{
	if (!inet_ntop(a->family, a->addr, buf, WIRT_NETADDR_TEXT_MAX))
		snprintf(buf, WIRT_NETADDR_TEXT_MAX, "?");
	return buf;
}

const char *wirt_netaddr_str_prefix(const struct wirt_net_addr *a, char *buf)
{
	size_t n;

	wirt_netaddr_str(a, buf);
	n = strlen(buf);
	snprintf(buf + n, WIRT_NETADDR_TEXT_MAX - n, "/%u", a->prefix);
	return buf;
}

bool wirt_netaddr_equal(const struct wirt_net_addr *a, const struct wirt_net_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

int wirt_netaddr_find(const struct wirt_net_addr *list, size_t n, const struct wirt_net_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (wirt_netaddr_equal(&list[i], a))
			return (int)i;
	return -1;
}

int wirt_net_port_find(const struct wirt_net *net, const struct wirt_net_port *port)
{
	for (unsigned i = 0; i < net->n_ports; i++)
		if (net->ports[i].proto == port->proto && net->ports[i].host_port == port->host_port)
			return (int)i;
	return -1;
}

bool wirt_netaddr_in(const struct wirt_net_addr *net, const struct wirt_net_addr *a)
{
	unsigned full = net->prefix / 8, rest = net->prefix % 8;

	if (net->family != a->family)
		return false;
	if (memcmp(net->addr, a->addr, full) != 0)
		return false;
	return rest == 0 || ((net->addr[full] ^ a->addr[full]) & (0xff00 >> rest)) == 0;
}

bool wirt_netaddr_nth(const struct wirt_net_addr *net, uint64_t index,
		      struct wirt_net_addr *ret)
{
	unsigned host_bits = addr_bits(net->family) - net->prefix;
	size_t len = addr_len(net->family);
	unsigned carry = 0;

	if (host_bits < 64 && index >= (1ull << host_bits))
		return false;
	/* IPv4 networks of 4 and more addresses end in their broadcast address. */
	if (net->family == AF_INET && host_bits >= 2 && index == (1ull << host_bits) - 1)
		return false;
	*ret = *net;
	ret->prefix = (uint8_t)addr_bits(net->family);
	for (size_t i = len; i-- > 0 && (index || carry);) {
		unsigned sum = ret->addr[i] + (unsigned)(index & 0xff) + carry;

		ret->addr[i] = (uint8_t)sum;
		carry = sum >> 8;
		index >>= 8;
	}
	return true;
}

int wirt_mac_parse(const char *s, uint8_t mac[6], struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];
	unsigned v[6];
	int n = 0;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &n) != 6 ||
	    n != 17)
		return wirt_error_invalid(err, "invalid MAC address '%s' (expected 02:00:00:00:00:01)",
					  wirt_str_escape(s, shown, sizeof(shown)));
	for (int i = 0; i < 6; i++) {
		/* sscanf's %x takes a sign and "0x": only hex digits and colons pass */
		if (!strchr("0123456789abcdefABCDEF", s[3 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[3 * i + 1]) || (i < 5 && s[3 * i + 2] != ':'))
			return wirt_error_invalid(err, "invalid MAC address '%s'",
						  wirt_str_escape(s, shown, sizeof(shown)));
		mac[i] = (uint8_t)v[i];
	}
	if (mac[0] & 1)
		return wirt_error_invalid(err, "MAC address '%s' is multicast",
					  wirt_str_escape(s, shown, sizeof(shown)));
	if ((mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]) == 0)
		return wirt_error_invalid(err, "MAC address '%s' is all zero",
					  wirt_str_escape(s, shown, sizeof(shown)));
	return 0;
}

const char *wirt_mac_str(const uint8_t mac[6], char *buf)
{
	snprintf(buf, WIRT_MAC_TEXT_MAX, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	return buf;
}

void wirt_mac_from_seed(const void *seed, size_t len, uint8_t mac[6])
{
	const uint8_t *p = seed;
	uint64_t h = 14695981039346656037ull; /* FNV-1a, 64 bits */

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02); /* unicast, locally administered */
}
