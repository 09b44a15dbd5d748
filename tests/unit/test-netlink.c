/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of netlink.c. First the messages alone: attribute layout, bounds that
 * refuse what does not fit, interface names, replies and extack parsed from crafted
 * buffers. Then, as root, real requests inside two network namespaces a forked child
 * unshares for itself (anonymous: they and every link in them end with the child, also
 * when a check fails or it crashes; the host's namespace is never touched).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "netlink.h"

#define EXIT_SKIP 77

union msgbuf {
	char buf[WIRT_NL_MSG_SIZE];
	struct nlmsghdr align;
};

static const char *format(const struct wirt_error *err)
{
	static char buf[WIRT_ERROR_MAX + 64];

	return wirt_error_format(err, buf, sizeof(buf));
}

/* The attribute of 'type' among those from 'off' bytes into nlh's payload, or NULL. */
static const struct nlattr *find_attr(const struct nlmsghdr *nlh, size_t off, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, off)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const struct nlattr *find_nested(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	if (!nest)
		return NULL;
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const char *attr_str(const struct nlattr *a)
{
	if (!a)
		return "(missing)";
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return "(not a string)";
	return mnl_attr_get_str(a);
}

static void test_layout(void)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	struct wirt_error err = { 0 };
	struct wirt_nl_msg m;
	union msgbuf u;
	struct nlattr *nest;
	const char *p;

	CHECK_CONTEXT("layout");
	memset(u.buf, 0xaa, sizeof(u.buf)); /* padding must come out zeroed */
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), RTM_NEWLINK, NLM_F_CREATE);
	CHECK_EQ_INT(NLMSG_HDRLEN, m.nlh->nlmsg_len);
	CHECK_EQ_INT(RTM_NEWLINK, m.nlh->nlmsg_type);
	CHECK_EQ_INT(NLM_F_CREATE, m.nlh->nlmsg_flags);
	CHECK(wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg)) == u.buf + NLMSG_HDRLEN);
	CHECK_EQ_INT(32, m.nlh->nlmsg_len);
	CHECK_EQ_INT(0, u.buf[NLMSG_HDRLEN]);

	CHECK_EQ_INT(0, wirt_nl_msg_put_str(&m, IFLA_IFNAME, "abc"));
	CHECK_EQ_INT(40, m.nlh->nlmsg_len);
	CHECK_EQ_INT(8, ((struct nlattr *)(u.buf + 32))->nla_len);
	CHECK_EQ_INT(IFLA_IFNAME, ((struct nlattr *)(u.buf + 32))->nla_type);
	CHECK(memcmp(u.buf + 36, "abc", 4) == 0);

	CHECK_EQ_INT(0, wirt_nl_msg_put_u32(&m, IFLA_MTU, 1400));
	CHECK_EQ_INT(48, m.nlh->nlmsg_len);
	CHECK_EQ_U64(1400, *(uint32_t *)(u.buf + 44));

	/* 6 bytes of payload: nla_len says 10, the next attribute starts 12 further */
	CHECK_EQ_INT(0, wirt_nl_msg_put(&m, IFLA_ADDRESS, sizeof(mac), mac));
	CHECK_EQ_INT(60, m.nlh->nlmsg_len);
	CHECK_EQ_INT(10, ((struct nlattr *)(u.buf + 48))->nla_len);
	CHECK(memcmp(u.buf + 52, mac, 6) == 0);
	CHECK_EQ_INT(0, u.buf[58]);
	CHECK_EQ_INT(0, u.buf[59]);

	nest = wirt_nl_msg_nest_start(&m, IFLA_LINKINFO);
	CHECK(nest == (struct nlattr *)(u.buf + 60));
	CHECK_EQ_INT(0, wirt_nl_msg_put_str(&m, IFLA_INFO_KIND, "veth"));
	wirt_nl_msg_nest_end(&m, nest);
	CHECK_EQ_INT(76, m.nlh->nlmsg_len);
	if (nest) {
		CHECK_EQ_INT(16, nest->nla_len);
		CHECK_EQ_INT(IFLA_LINKINFO, nest->nla_type & NLA_TYPE_MASK);
		p = attr_str(find_nested(nest, IFLA_INFO_KIND));
		CHECK_EQ_STR("veth", p);
	}
	CHECK_EQ_INT(0, wirt_nl_msg_check(&m, "layout", &err));
	CHECK(!m.overflow);
}

static void test_bounds(void)
{
	struct wirt_error err = { 0 };
	uint8_t big[32] = { 0 };
	struct wirt_nl_msg m;
	union {
		char buf[64];
		struct nlmsghdr align;
	} u;

	CHECK_CONTEXT("bounds");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), RTM_NEWLINK, 0);
	CHECK(wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg)) != NULL);
	CHECK_EQ_INT(0, wirt_nl_msg_put_str(&m, IFLA_IFNAME, "abc"));
	CHECK_EQ_INT(40, m.nlh->nlmsg_len);
	/* 36 bytes more would end at 76 > 64: refused, nothing written */
	CHECK_EQ_INT(-EMSGSIZE, wirt_nl_msg_put(&m, IFLA_ADDRESS, sizeof(big), big));
	CHECK_EQ_INT(40, m.nlh->nlmsg_len);
	CHECK(m.overflow);
	CHECK_EQ_INT(IFLA_ADDRESS, m.refused);
	/* sticky: 8 bytes would fit, but the message is already incomplete */
	CHECK_EQ_INT(-EMSGSIZE, wirt_nl_msg_put_u32(&m, IFLA_MTU, 1));
	CHECK_EQ_INT(40, m.nlh->nlmsg_len);
	CHECK(wirt_nl_msg_nest_start(&m, IFLA_LINKINFO) == NULL);
	wirt_nl_msg_nest_end(&m, NULL);
	CHECK_EQ_INT(40, m.nlh->nlmsg_len);
	CHECK_EQ_INT(IFLA_ADDRESS, m.refused);
	CHECK_EQ_INT(-EMSGSIZE, wirt_nl_msg_check(&m, "create link 'abc'", &err));
	CHECK_EQ_STR("create link 'abc': message exceeds 64 bytes at attribute 1", err.msg);
	CHECK_EQ_INT(EMSGSIZE, err.code);

	/* exactly full is fine: 40 + 24 = 64 */
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), RTM_NEWLINK, 0);
	CHECK(wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg)) != NULL);
	CHECK_EQ_INT(0, wirt_nl_msg_put_str(&m, IFLA_IFNAME, "abc"));
	CHECK_EQ_INT(0, wirt_nl_msg_put(&m, IFLA_ADDRESS, 20, big));
	CHECK_EQ_INT(64, m.nlh->nlmsg_len);
	CHECK(!m.overflow);
	CHECK(wirt_nl_msg_put_header(&m, 4) == NULL);
	CHECK(m.overflow);

	/* a header that does not fit */
	wirt_nl_msg_init(&m, u.buf, 24, RTM_NEWLINK, 0);
	CHECK(wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg)) == NULL);
	CHECK_EQ_INT(NLMSG_HDRLEN, m.nlh->nlmsg_len);
	CHECK_EQ_INT(-EMSGSIZE, wirt_nl_msg_check(&m, "x", &err));
}

static void test_ifname(void)
{
	static const struct {
		const char *name;
		const char *msg; /* NULL: valid */
	} rows[] = {
		{ "wv-web1", NULL },
		{ "eth0", NULL },
		{ "123456789012345", NULL },
		{ "1234567890123456", "interface name '1234567890123456' is longer than 15 bytes" },
		{ "", "interface name is empty" },
		{ ".", "interface name '.' is not valid" },
		{ "..", "interface name '..' is not valid" },
		{ "a/b", "interface name 'a/b' contains '/'" },
		{ "a:b", "interface name 'a:b' contains ':'" },
		{ "a b", "interface name 'a b' contains whitespace" },
		{ "a\tb", "interface name 'a\tb' contains whitespace" },
	};
	struct wirt_error err = { 0 };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_CONTEXT(rows[i].name);
		wirt_error_clear(&err);
		if (!rows[i].msg) {
			CHECK_EQ_INT(0, wirt_nl_check_ifname(rows[i].name, &err));
			continue;
		}
		CHECK_EQ_INT(-EINVAL, wirt_nl_check_ifname(rows[i].name, &err));
		CHECK_EQ_STR(rows[i].msg, format(&err));
	}
	CHECK_CONTEXT("NULL name");
	CHECK_EQ_INT(-EINVAL, wirt_nl_check_ifname(NULL, &err));
}

static void check_veth_msg(const struct nlmsghdr *nlh, const char *host, const char *peer,
			   int fd)
{
	const struct nlattr *linkinfo, *data, *peer_attr, *a;
	const struct nlmsghdr *inner;
	union msgbuf inner_buf;
	size_t peer_len;

	CHECK_EQ_INT(RTM_NEWLINK, nlh->nlmsg_type);
	CHECK_EQ_INT(NLM_F_CREATE | NLM_F_EXCL, nlh->nlmsg_flags);
	CHECK_EQ_INT(AF_UNSPEC, ((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family);
	CHECK_EQ_STR(host, attr_str(find_attr(nlh, sizeof(struct ifinfomsg), IFLA_IFNAME)));
	linkinfo = find_attr(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	CHECK(linkinfo != NULL);
	if (!linkinfo)
		return;
	/* the nest covers exactly the rest of the message */
	CHECK_EQ_INT(nlh->nlmsg_len, (const char *)linkinfo + MNL_ALIGN(linkinfo->nla_len) -
					     (const char *)nlh);
	CHECK_EQ_STR("veth", attr_str(find_nested(linkinfo, IFLA_INFO_KIND)));
	data = find_nested(linkinfo, IFLA_INFO_DATA);
	peer_attr = find_nested(data, VETH_INFO_PEER);
	CHECK(peer_attr != NULL);
	if (!peer_attr)
		return;
	/* VETH_INFO_PEER holds an ifinfomsg and then attributes, like a message body:
	 * read it back through a message header of its own */
	peer_len = mnl_attr_get_payload_len(peer_attr);
	CHECK(peer_len >= sizeof(struct ifinfomsg));
	if (peer_len < sizeof(struct ifinfomsg) || peer_len + NLMSG_HDRLEN > sizeof(inner_buf))
		return;
	inner = &inner_buf.align;
	inner_buf.align.nlmsg_len = NLMSG_HDRLEN + peer_len;
	memcpy(inner_buf.buf + NLMSG_HDRLEN, mnl_attr_get_payload(peer_attr), peer_len);
	CHECK_EQ_STR(peer, attr_str(find_attr(inner, sizeof(struct ifinfomsg), IFLA_IFNAME)));
	a = find_attr(inner, sizeof(struct ifinfomsg), IFLA_NET_NS_FD);
	if (fd < 0) {
		CHECK(a == NULL);
	} else {
		CHECK(a != NULL);
		if (a)
			CHECK_EQ_INT(fd, mnl_attr_get_u32(a));
	}
}

static void test_build_veth(void)
{
	struct wirt_error err = { 0 };
	struct wirt_nl_msg m;
	union msgbuf u;

	CHECK_CONTEXT("veth, peer in a netns");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_veth_add(&m, "wv-web1", "eth0", 42, &err));
	check_veth_msg(m.nlh, "wv-web1", "eth0", 42);

	CHECK_CONTEXT("veth, peer here");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_veth_add(&m, "wv-a", "wv-b", -1, &err));
	check_veth_msg(m.nlh, "wv-a", "wv-b", -1);

	CHECK_CONTEXT("veth, peer name too long");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(-EINVAL, wirt_nl_build_veth_add(&m, "wv-a", "wv-0123456789abcdef", -1, &err));
	CHECK_EQ_STR("create veth 'wv-a': interface name 'wv-0123456789abcdef' is longer than 15 "
		     "bytes",
		     format(&err));

	CHECK_CONTEXT("veth in a small buffer");
	{
		union {
			char buf[64];
			struct nlmsghdr align;
		} small;

		wirt_nl_msg_init(&m, small.buf, sizeof(small.buf), 0, 0);
		CHECK_EQ_INT(-EMSGSIZE, wirt_nl_build_veth_add(&m, "wv-a", "wv-b", 3, &err));
		CHECK_CONTAINS(err.msg, "create veth 'wv-a': message exceeds 64 bytes");
	}
}

static void test_build_addr(void)
{
	struct wirt_error err = { 0 };
	struct wirt_nl_msg m;
	struct ifaddrmsg *ifa;
	union msgbuf u;
	uint8_t v4[4], v6[16];
	const struct nlattr *a;

	inet_pton(AF_INET, "10.250.0.1", v4);
	inet_pton(AF_INET6, "fd00:250::1", v6);

	CHECK_CONTEXT("addr v4");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_addr(&m, RTM_NEWADDR, 7, AF_INET, v4, 32, &err));
	CHECK_EQ_INT(RTM_NEWADDR, m.nlh->nlmsg_type);
	CHECK_EQ_INT(NLM_F_CREATE | NLM_F_EXCL, m.nlh->nlmsg_flags);
	ifa = mnl_nlmsg_get_payload(m.nlh);
	CHECK_EQ_INT(AF_INET, ifa->ifa_family);
	CHECK_EQ_INT(32, ifa->ifa_prefixlen);
	CHECK_EQ_INT(7, ifa->ifa_index);
	CHECK_EQ_INT(0, ifa->ifa_flags);
	CHECK_EQ_INT(RT_SCOPE_UNIVERSE, ifa->ifa_scope);
	a = find_attr(m.nlh, sizeof(*ifa), IFA_LOCAL);
	CHECK(a && mnl_attr_get_payload_len(a) == 4 && !memcmp(mnl_attr_get_payload(a), v4, 4));
	a = find_attr(m.nlh, sizeof(*ifa), IFA_ADDRESS);
	CHECK(a && mnl_attr_get_payload_len(a) == 4 && !memcmp(mnl_attr_get_payload(a), v4, 4));

	CHECK_CONTEXT("addr v6: nodad");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_addr(&m, RTM_NEWADDR, 7, AF_INET6, v6, 128, &err));
	ifa = mnl_nlmsg_get_payload(m.nlh);
	CHECK_EQ_INT(AF_INET6, ifa->ifa_family);
	CHECK_EQ_INT(IFA_F_NODAD, ifa->ifa_flags);
	a = find_attr(m.nlh, sizeof(*ifa), IFA_ADDRESS);
	CHECK(a && mnl_attr_get_payload_len(a) == 16 && !memcmp(mnl_attr_get_payload(a), v6, 16));

	CHECK_CONTEXT("addr delete");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_addr(&m, RTM_DELADDR, 7, AF_INET, v4, 32, &err));
	CHECK_EQ_INT(RTM_DELADDR, m.nlh->nlmsg_type);
	CHECK_EQ_INT(0, m.nlh->nlmsg_flags);

	CHECK_CONTEXT("addr errors");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(-EINVAL, wirt_nl_build_addr(&m, RTM_NEWADDR, 7, AF_INET, v4, 33, &err));
	CHECK_EQ_STR("add address '10.250.0.1/33' on link 7: prefix length 33 is longer than 32",
		     format(&err));
	CHECK_EQ_INT(-EAFNOSUPPORT, wirt_nl_build_addr(&m, RTM_NEWADDR, 7, AF_UNIX, v4, 8, &err));
	CHECK_EQ_INT(-EINVAL, wirt_nl_build_addr(&m, RTM_NEWADDR, 0, AF_INET, v4, 32, &err));
}

static void test_build_route(void)
{
	struct wirt_error err = { 0 };
	struct wirt_nl_msg m;
	struct rtmsg *rtm;
	union msgbuf u;
	uint8_t v4[4], gw6[16];
	const struct nlattr *a;

	inet_pton(AF_INET, "10.250.0.1", v4);
	inet_pton(AF_INET6, "fe80::1", gw6);

	CHECK_CONTEXT("route: host route to a veth");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_route(&m, RTM_NEWROUTE, AF_INET, v4, 32, NULL, 9,
					    RT_SCOPE_LINK, &err));
	CHECK_EQ_INT(RTM_NEWROUTE, m.nlh->nlmsg_type);
	CHECK_EQ_INT(NLM_F_CREATE | NLM_F_EXCL, m.nlh->nlmsg_flags);
	rtm = mnl_nlmsg_get_payload(m.nlh);
	CHECK_EQ_INT(AF_INET, rtm->rtm_family);
	CHECK_EQ_INT(32, rtm->rtm_dst_len);
	CHECK_EQ_INT(RT_TABLE_MAIN, rtm->rtm_table);
	CHECK_EQ_INT(RTPROT_STATIC, rtm->rtm_protocol);
	CHECK_EQ_INT(RT_SCOPE_LINK, rtm->rtm_scope);
	CHECK_EQ_INT(RTN_UNICAST, rtm->rtm_type);
	a = find_attr(m.nlh, sizeof(*rtm), RTA_DST);
	CHECK(a && mnl_attr_get_payload_len(a) == 4 && !memcmp(mnl_attr_get_payload(a), v4, 4));
	CHECK(find_attr(m.nlh, sizeof(*rtm), RTA_GATEWAY) == NULL);
	a = find_attr(m.nlh, sizeof(*rtm), RTA_OIF);
	CHECK(a && mnl_attr_get_u32(a) == 9);

	CHECK_CONTEXT("route: default via fe80::1");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_route(&m, RTM_NEWROUTE, AF_INET6, NULL, 0, gw6, 2,
					    RT_SCOPE_UNIVERSE, &err));
	rtm = mnl_nlmsg_get_payload(m.nlh);
	CHECK_EQ_INT(AF_INET6, rtm->rtm_family);
	CHECK_EQ_INT(0, rtm->rtm_dst_len);
	CHECK(find_attr(m.nlh, sizeof(*rtm), RTA_DST) == NULL);
	a = find_attr(m.nlh, sizeof(*rtm), RTA_GATEWAY);
	CHECK(a && mnl_attr_get_payload_len(a) == 16 && !memcmp(mnl_attr_get_payload(a), gw6, 16));

	CHECK_CONTEXT("route delete");
	wirt_nl_msg_init(&m, u.buf, sizeof(u.buf), 0, 0);
	CHECK_EQ_INT(0, wirt_nl_build_route(&m, RTM_DELROUTE, AF_INET, v4, 32, NULL, 9,
					    RT_SCOPE_LINK, &err));
	CHECK_EQ_INT(RTM_DELROUTE, m.nlh->nlmsg_type);
	CHECK_EQ_INT(0, m.nlh->nlmsg_flags);

	CHECK_CONTEXT("route errors");
	CHECK_EQ_INT(-EINVAL, wirt_nl_build_route(&m, RTM_NEWROUTE, AF_INET, v4, 40, NULL, 9,
						  RT_SCOPE_LINK, &err));
	CHECK_EQ_STR("add route '10.250.0.1/40' on link 9: prefix length 40 is longer than 32",
		     format(&err));
	CHECK_EQ_INT(-EINVAL, wirt_nl_build_route(&m, RTM_NEWROUTE, AF_INET, NULL, 32, NULL, 9,
						  RT_SCOPE_LINK, &err));
	CHECK_EQ_INT(-EAFNOSUPPORT, wirt_nl_build_route(&m, RTM_NEWROUTE, AF_PACKET, v4, 32, NULL,
							9, RT_SCOPE_LINK, &err));
}

/* Appends to b an NLMSG_ERROR for request 'seq' of 'portid' with 'error'; 'request' is
 * echoed unless capped; 'ext' (NULL: none) as NLMSGERR_ATTR_MSG. */
static size_t put_error(char *b, uint32_t seq, uint32_t portid, int error,
			const struct nlmsghdr *request, bool capped, const char *ext)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = portid;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg = *request;
	if (capped) {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	} else {
		size_t body = request->nlmsg_len - NLMSG_HDRLEN;

		memcpy(mnl_nlmsg_put_extra_header(nlh, body), (const char *)request + NLMSG_HDRLEN,
		       body);
	}
	if (ext) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, ext);
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
	}
	return nlh->nlmsg_len;
}

static int count_reply(const struct nlmsghdr *nlh, void *data)
{
	(*(int *)data)++;
	return nlh->nlmsg_type == RTM_NEWLINK ? 0 : -EPROTO;
}

static void test_replies(void)
{
	static union {
		char buf[4096];
		struct nlmsghdr align;
	} r;
	struct wirt_error err = { 0 };
	struct wirt_nl_msg m;
	union msgbuf req;
	struct nlmsghdr *nlh;
	size_t n;
	int calls = 0;

	wirt_nl_msg_init(&m, req.buf, sizeof(req.buf), RTM_NEWADDR, NLM_F_CREATE);
	wirt_nl_msg_put_header(&m, sizeof(struct ifaddrmsg));
	wirt_nl_msg_put_u32(&m, IFA_LOCAL, 0x0100fa0a);
	m.nlh->nlmsg_seq = 5;

	CHECK_CONTEXT("reply: error with extack, capped");
	n = put_error(r.buf, 5, 100, -EEXIST, m.nlh, true, "ipv4: Address already assigned.");
	CHECK_EQ_INT(-EEXIST, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL,
						    "add address '10.250.0.1/32'", &err));
	CHECK_EQ_STR("add address '10.250.0.1/32': File exists (kernel: ipv4: Address already "
		     "assigned.)",
		     format(&err));
	CHECK_EQ_INT(EEXIST, err.code);

	CHECK_CONTEXT("reply: error with extack, request echoed");
	n = put_error(r.buf, 5, 100, -EINVAL, m.nlh, false, "Nexthop has invalid gateway.");
	CHECK_EQ_INT(-EINVAL, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL, "add route",
						    &err));
	CHECK_EQ_STR("add route: Invalid argument (kernel: Nexthop has invalid gateway.)",
		     format(&err));

	CHECK_CONTEXT("reply: error without extack");
	n = put_error(r.buf, 5, 100, -EEXIST, m.nlh, true, NULL);
	CHECK_EQ_INT(-EEXIST, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL,
						    "create veth 'wv-web1'", &err));
	CHECK_EQ_STR("create veth 'wv-web1': File exists", format(&err));

	CHECK_CONTEXT("reply: ack");
	n = put_error(r.buf, 5, 100, 0, m.nlh, true, NULL);
	CHECK_EQ_INT(0, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL, "x", &err));

	CHECK_CONTEXT("reply: a stale error of an earlier request is skipped");
	n = put_error(r.buf, 4, 100, -ENOENT, m.nlh, true, "stale");
	n += put_error(r.buf + n, 5, 100, 0, m.nlh, true, NULL);
	CHECK_EQ_INT(0, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL, "x", &err));

	CHECK_CONTEXT("reply: a message for another socket is skipped");
	n = put_error(r.buf, 5, 101, -ENOENT, m.nlh, true, NULL);
	CHECK_EQ_INT(1, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL, "x", &err));

	CHECK_CONTEXT("reply: data, then the ack in the next read");
	nlh = mnl_nlmsg_put_header(r.buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_seq = 5;
	nlh->nlmsg_pid = 100;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
	CHECK_EQ_INT(1, wirt_nl_parse_replies(r.buf, nlh->nlmsg_len, 5, 100, count_reply, &calls,
					      "x", &err));
	CHECK_EQ_INT(1, calls);
	n = put_error(r.buf, 5, 100, 0, m.nlh, true, NULL);
	CHECK_EQ_INT(0, wirt_nl_parse_replies(r.buf, n, 5, 100, count_reply, &calls, "x", &err));
	CHECK_EQ_INT(1, calls);

	CHECK_CONTEXT("reply: the callback's error");
	nlh = mnl_nlmsg_put_header(r.buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_seq = 5;
	CHECK_EQ_INT(-EPROTO, wirt_nl_parse_replies(r.buf, nlh->nlmsg_len, 5, 100, count_reply,
						    &calls, "get link 'x'", &err));
	CHECK_CONTAINS(err.msg, "get link 'x'");

	CHECK_CONTEXT("reply: truncated error");
	n = put_error(r.buf, 5, 100, -EEXIST, m.nlh, true, NULL);
	((struct nlmsghdr *)r.buf)->nlmsg_len = NLMSG_HDRLEN + 2;
	CHECK_EQ_INT(-EBADMSG, wirt_nl_parse_replies(r.buf, NLMSG_HDRLEN + 2, 5, 100, NULL, NULL,
						     "x", &err));

	CHECK_CONTEXT("reply: extack text without its NUL is left out");
	n = put_error(r.buf, 5, 100, -EEXIST, m.nlh, true, "abcd");
	{
		/* the string attribute is the last but one: overwrite its NUL */
		struct nlmsghdr *e = (struct nlmsghdr *)r.buf;
		char *s = memmem(r.buf, n, "abcd", 5);

		CHECK(s != NULL);
		if (s)
			s[4] = 'e';
		CHECK_EQ_INT(-EEXIST, wirt_nl_parse_replies(r.buf, e->nlmsg_len, 5, 100, NULL,
							    NULL, "x", &err));
		CHECK_EQ_STR("x: File exists", format(&err));
	}

	CHECK_CONTEXT("reply: error 0 never counts as success of a failing request twice");
	n = put_error(r.buf, 5, 100, 0, m.nlh, true, "warning only");
	CHECK_EQ_INT(0, wirt_nl_parse_replies(r.buf, n, 5, 100, NULL, NULL, "x", &err));
}

/*
 * The real part, in a forked child inside two anonymous network namespaces.
 */

/* Runs 'cmd' through sh in network namespace 'nsfd' (-1: this one) and returns its
 * stdout (a static buffer: one a time). */
static const char *sh_in(int nsfd, const char *cmd)
{
	static char out[16384];
	int p[2], status;
	size_t n = 0;
	ssize_t k;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) < 0)
		return "(pipe failed)";
	pid = fork();
	if (pid == 0) {
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNET) < 0)
			_exit(126);
		dup2(p[1], 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (n < sizeof(out) - 1 && (k = read(p[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += k;
	out[n] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return out;
}

static ino_t netns_ino(void)
{
	struct stat st;

	return stat("/proc/thread-self/ns/net", &st) == 0 ? st.st_ino : 0;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static void live_errors(struct wirt_nl *a, struct wirt_nl *b, int fd_b, int ia, int ib)
{
	struct wirt_error err = { 0 };
	uint8_t v4[4], gw[4];
	int ifindex = 0;

	CHECK_CONTEXT("live: duplicate veth name");
	CHECK_EQ_INT(-EEXIST, wirt_nl_veth_add(a, "wt-a0", "wt-x0", fd_b, &err));
	CHECK_CONTAINS(format(&err), "create veth 'wt-a0': File exists");
	fprintf(stderr, "test-netlink: duplicate veth: %s\n", format(&err));

	CHECK_CONTEXT("live: duplicate peer name in the peer's namespace");
	CHECK_EQ_INT(-EEXIST, wirt_nl_veth_add(a, "wt-a9", "eth0", fd_b, &err));
	CHECK_CONTAINS(format(&err), "create veth 'wt-a9': File exists");
	CHECK_EQ_INT(-ENODEV, wirt_nl_link_index(a, "wt-a9", &ifindex, &err));

	CHECK_CONTEXT("live: duplicate address: the kernel's extack");
	inet_pton(AF_INET, "10.250.0.1", v4);
	CHECK_EQ_INT(-EEXIST, wirt_nl_addr_add(b, ib, AF_INET, v4, 32, &err));
	CHECK_CONTAINS(format(&err), "File exists (kernel: ");
	CHECK_CONTAINS(format(&err), "already assigned");
	fprintf(stderr, "test-netlink: duplicate address: %s\n", format(&err));

	CHECK_CONTEXT("live: route via an unreachable gateway: the kernel's extack");
	inet_pton(AF_INET, "10.250.9.0", v4);
	inet_pton(AF_INET, "192.0.2.1", gw);
	CHECK_EQ_INT(-ENETUNREACH,
		     wirt_nl_route_add(a, AF_INET, v4, 24, gw, ia, RT_SCOPE_UNIVERSE, &err));
	CHECK_CONTAINS(format(&err), "add route '10.250.9.0/24' via '192.0.2.1' on link");
	CHECK_CONTAINS(format(&err), "(kernel: ");
	fprintf(stderr, "test-netlink: bad gateway: %s\n", format(&err));

	CHECK_CONTEXT("live: name too long, refused before sending");
	CHECK_EQ_INT(-EINVAL, wirt_nl_veth_add(a, "wt-0123456789abcdef", "wt-b1", -1, &err));
	CHECK_EQ_STR("create veth 'wt-0123456789abcdef': interface name 'wt-0123456789abcdef' is "
		     "longer than 15 bytes",
		     format(&err));

	CHECK_CONTEXT("live: missing links, addresses, routes");
	CHECK_EQ_INT(-ENODEV, wirt_nl_link_del(a, "wt-none", &err));
	CHECK_EQ_STR("delete link 'wt-none': No such device", format(&err));
	CHECK_EQ_INT(-ENODEV, wirt_nl_link_index(a, "wt-none", &ifindex, &err));
	inet_pton(AF_INET, "10.250.7.7", v4);
	CHECK_EQ_INT(-EADDRNOTAVAIL, wirt_nl_addr_del(a, ia, AF_INET, v4, 32, &err));
	CHECK_EQ_INT(-ESRCH, wirt_nl_route_del(a, AF_INET, v4, 32, NULL, ia, RT_SCOPE_LINK, &err));
}

static int live(void)
{
	static const uint8_t mac[6] = { 0x02, 0x77, 0x69, 0x72, 0x74, 0x01 };
	struct wirt_nl a = { 0 }, b = { 0 };
	struct wirt_error err = { 0 };
	uint8_t v4[4], v6[16], gw4[4], gw6[16];
	struct timespec t0;
	int fd_b, ia = 0, ib = 0, x = 0;
	ino_t ino;
	const char *out;

	/* namespace B (kept by fd_b), then A, where this process stays */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test-netlink: live part skipped: unshare(CLONE_NEWNET): %s\n",
			strerror(errno));
		return EXIT_SKIP;
	}
	fd_b = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd_b < 0 || unshare(CLONE_NEWNET) < 0) {
		perror("test-netlink: second namespace");
		return 1;
	}

	CHECK_CONTEXT("live: open");
	ino = netns_ino();
	CHECK_EQ_INT(0, wirt_nl_open(&a, -1, &err));
	CHECK_EQ_INT(0, wirt_nl_open(&b, fd_b, &err));
	CHECK_EQ_U64(ino, netns_ino());
	if (!a.sock || !b.sock) {
		fprintf(stderr, "test-netlink: open: %s\n", format(&err));
		return 1;
	}

	CHECK_CONTEXT("live: veth with the peer created in B");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(0, wirt_nl_veth_add(&a, "wt-a0", "wt-b0", fd_b, &err));
	fprintf(stderr, "test-netlink: veth pair, peer created in its netns: %.2f ms\n",
		ms_since(&t0));
	if (err.msg[0])
		fprintf(stderr, "  %s\n", format(&err));
	CHECK_EQ_INT(0, wirt_nl_link_index(&a, "wt-a0", &ia, &err));
	CHECK(ia > 0);
	CHECK_EQ_INT(-ENODEV, wirt_nl_link_index(&a, "wt-b0", &x, &err));
	CHECK_EQ_INT(0, wirt_nl_link_index(&b, "wt-b0", &ib, &err));
	CHECK(ib > 0);
	CHECK_CONTAINS(sh_in(fd_b, "ip -o link show"), "wt-b0@");
	CHECK(strstr(sh_in(-1, "ip -o link show"), "wt-b0") == NULL);

	CHECK_CONTEXT("live: rename and MAC in B, then up");
	CHECK_EQ_INT(0, wirt_nl_link_set_name(&b, ib, "eth0", &err));
	CHECK_EQ_INT(0, wirt_nl_link_set_mac(&b, ib, mac, &err));
	out = sh_in(fd_b, "ip -o link show eth0");
	CHECK_CONTAINS(out, "eth0@");
	CHECK_CONTAINS(out, "link/ether 02:77:69:72:74:01");
	CHECK_EQ_INT(0, wirt_nl_link_set_up(&a, ia, &err));
	CHECK_EQ_INT(0, wirt_nl_link_set_up(&b, ib, &err));
	CHECK_EQ_INT(0, wirt_nl_link_set_up(&b, 1, &err)); /* lo */
	CHECK_CONTAINS(sh_in(-1, "ip -o link show wt-a0"), ",UP,LOWER_UP>");
	CHECK_CONTAINS(sh_in(fd_b, "ip -o link show eth0"), ",UP,LOWER_UP>");

	CHECK_CONTEXT("live: addresses in B");
	inet_pton(AF_INET, "10.250.0.1", v4);
	inet_pton(AF_INET6, "fd00:250::1", v6);
	CHECK_EQ_INT(0, wirt_nl_addr_add(&b, ib, AF_INET, v4, 32, &err));
	CHECK_EQ_INT(0, wirt_nl_addr_add(&b, ib, AF_INET6, v6, 128, &err));
	out = sh_in(fd_b, "ip -o addr show dev eth0");
	CHECK_CONTAINS(out, "inet 10.250.0.1/32 scope global eth0");
	CHECK_CONTAINS(out, "inet6 fd00:250::1/128 scope global nodad");
	/* usable at once: not "tentative" (the kernel's own fe80:: address still is) */
	out = sh_in(fd_b, "ip -o -6 addr show dev eth0 to fd00:250::1/128");
	CHECK_CONTAINS(out, "fd00:250::1/128");
	CHECK(strstr(out, "tentative") == NULL);

	CHECK_CONTEXT("live: host routes in A");
	CHECK_EQ_INT(0, wirt_nl_route_add(&a, AF_INET, v4, 32, NULL, ia, RT_SCOPE_LINK, &err));
	CHECK_EQ_INT(0, wirt_nl_route_add(&a, AF_INET6, v6, 128, NULL, ia, RT_SCOPE_UNIVERSE,
					  &err));
	CHECK_CONTAINS(sh_in(-1, "ip -4 route show"), "10.250.0.1 dev wt-a0 proto static scope link");
	CHECK_CONTAINS(sh_in(-1, "cat /proc/net/route"), "wt-a0\t0100FA0A\t00000000\t0005");
	CHECK_CONTAINS(sh_in(-1, "ip -6 route show"), "fd00:250::1 dev wt-a0 proto static");
	CHECK_EQ_INT(-EEXIST,
		     wirt_nl_route_add(&a, AF_INET, v4, 32, NULL, ia, RT_SCOPE_LINK, &err));

	CHECK_CONTEXT("live: default routes in B via link-local gateways");
	inet_pton(AF_INET, "169.254.0.1", gw4);
	inet_pton(AF_INET6, "fe80::1", gw6);
	CHECK_EQ_INT(0, wirt_nl_route_add(&b, AF_INET, gw4, 32, NULL, ib, RT_SCOPE_LINK, &err));
	CHECK_EQ_INT(0, wirt_nl_route_add(&b, AF_INET, NULL, 0, gw4, ib, RT_SCOPE_UNIVERSE, &err));
	CHECK_EQ_INT(0, wirt_nl_route_add(&b, AF_INET6, NULL, 0, gw6, ib, RT_SCOPE_UNIVERSE, &err));
	CHECK_CONTAINS(sh_in(fd_b, "ip -4 route show"), "default via 169.254.0.1 dev eth0 proto static");
	CHECK_CONTAINS(sh_in(fd_b, "ip -6 route show"), "default via fe80::1 dev eth0 proto static");

	CHECK_CONTEXT("live: proxy NDP and ARP entries in A");
	CHECK_EQ_INT(0, wirt_nl_neigh_proxy_add(&a, ia, AF_INET6, v6, &err));
	CHECK_EQ_INT(0, wirt_nl_neigh_proxy_add(&a, ia, AF_INET, v4, &err));
	CHECK_CONTAINS(sh_in(-1, "ip -6 neigh show proxy"), "fd00:250::1 dev wt-a0 proxy");
	CHECK_CONTAINS(sh_in(-1, "ip -4 neigh show proxy"), "10.250.0.1 dev wt-a0 proxy");
	/* the kernel updates a proxy entry in place, NLM_F_EXCL or not */
	CHECK_EQ_INT(0, wirt_nl_neigh_proxy_add(&a, ia, AF_INET6, v6, &err));
	CHECK_EQ_INT(0, wirt_nl_neigh_proxy_del(&a, ia, AF_INET6, v6, &err));
	CHECK_EQ_INT(0, wirt_nl_neigh_proxy_del(&a, ia, AF_INET, v4, &err));
	CHECK(strstr(sh_in(-1, "ip neigh show proxy"), "wt-a0") == NULL);
	CHECK_EQ_INT(-ENOENT, wirt_nl_neigh_proxy_del(&a, ia, AF_INET6, v6, &err));

	live_errors(&a, &b, fd_b, ia, ib);

	CHECK_CONTEXT("live: delete routes and addresses");
	CHECK_EQ_INT(0, wirt_nl_route_del(&b, AF_INET, NULL, 0, gw4, ib, RT_SCOPE_UNIVERSE, &err));
	CHECK(strstr(sh_in(fd_b, "ip -4 route show"), "default") == NULL);
	CHECK_EQ_INT(0, wirt_nl_route_del(&a, AF_INET, v4, 32, NULL, ia, RT_SCOPE_LINK, &err));
	CHECK_EQ_INT(0, wirt_nl_route_del(&a, AF_INET6, v6, 128, NULL, ia, RT_SCOPE_UNIVERSE,
					  &err));
	CHECK(strstr(sh_in(-1, "ip route show; ip -6 route show"), "250") == NULL);
	CHECK_EQ_INT(0, wirt_nl_addr_del(&b, ib, AF_INET, v4, 32, &err));
	CHECK_EQ_INT(0, wirt_nl_addr_del(&b, ib, AF_INET6, v6, 128, &err));
	CHECK(strstr(sh_in(fd_b, "ip -o addr show dev eth0"), "250") == NULL);

	CHECK_CONTEXT("live: delete the pair from the host side");
	CHECK_EQ_INT(0, wirt_nl_link_del(&a, "wt-a0", &err));
	CHECK(strstr(sh_in(-1, "ip -o link show"), "wt-a0") == NULL);
	CHECK(strstr(sh_in(fd_b, "ip -o link show"), "eth0") == NULL);
	CHECK_EQ_INT(-ENODEV, wirt_nl_link_index(&b, "eth0", &x, &err));

	CHECK_CONTEXT("live: veth with both ends here, for the timing comparison");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ_INT(0, wirt_nl_veth_add(&a, "wt-c0", "wt-c1", -1, &err));
	fprintf(stderr, "test-netlink: veth pair, both ends here: %.2f ms\n", ms_since(&t0));
	CHECK_EQ_INT(0, wirt_nl_link_del(&a, "wt-c1", &err));
	CHECK_EQ_INT(-ENODEV, wirt_nl_link_del(&a, "wt-c0", &err));

	wirt_nl_close(&a);
	wirt_nl_close(&b);
	wirt_nl_close(&b);
	close(fd_b);
	return check_exit("test-netlink (live)");
}

int main(void)
{
	int status = 0, live_rc;
	pid_t pid;

	test_layout();
	test_bounds();
	test_ifname();
	test_build_veth();
	test_build_addr();
	test_build_route();
	test_replies();
	check_exit("test-netlink (messages)");

	if (geteuid() != 0) {
		fprintf(stderr, "test-netlink: live part skipped: not root\n");
		return check_failures ? 1 : EXIT_SKIP;
	}
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0)
		_exit(live());
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		fprintf(stderr, "test-netlink: live part died (status 0x%x)\n", status);
		return 1;
	}
	live_rc = WEXITSTATUS(status);
	if (check_failures || (live_rc != 0 && live_rc != EXIT_SKIP))
		return 1;
	return live_rc;
}
