/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink over libmnl (see netlink.h): the message builder with sticky bounds
 * checks, the request/ACK exchange with sequence numbers and extack, and the requests
 * wirt's network set-up needs: veth pairs, links, addresses, routes, proxy neighbours.
 * Mechanism only: which names and addresses a vServer gets is decided elsewhere.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink.h"

/* A link's reply carries every attribute of the device; with IFLA_EXT_MASK skipping
 * the statistics a veth's is ~1.5 KiB, but a NIC with many VFs sends more. A reply
 * that does not fit is reported (ENOSPC from libmnl, MSG_TRUNC), never cut silently. */
#define RECV_SIZE 32768

union msg_buf {
	char buf[WIRT_NL_MSG_SIZE];
	struct nlmsghdr align;
};

/*
 * The builder.
 */

void wirt_nl_msg_init(struct wirt_nl_msg *m, void *buf, size_t size, uint16_t type,
		      uint16_t flags)
{
	m->nlh = buf;
	m->size = size;
	m->overflow = false;
	m->refused = 0;
	if (size < NLMSG_HDRLEN) {
		m->overflow = true;
		return;
	}
	memset(buf, 0, NLMSG_HDRLEN);
	m->nlh->nlmsg_len = NLMSG_HDRLEN;
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = flags;
}

void *wirt_nl_msg_put_header(struct wirt_nl_msg *m, size_t len)
{
	if (m->overflow)
		return NULL;
	if (len > m->size || m->nlh->nlmsg_len + MNL_ALIGN(len) > m->size) {
		m->overflow = true;
		return NULL;
	}
	/* libmnl zeroes the aligned length and moves nlmsg_len past it */
	return mnl_nlmsg_put_extra_header(m->nlh, len);
}

int wirt_nl_msg_put(struct wirt_nl_msg *m, uint16_t type, size_t len, const void *data)
{
	struct nlattr *a;

	if (m->overflow)
		return -EMSGSIZE;
	/* nla_len is 16 bits: a longer payload would wrap it */
	a = mnl_nlmsg_get_payload_tail(m->nlh);
	if (len > UINT16_MAX - MNL_ATTR_HDRLEN ||
	    !mnl_attr_put_check(m->nlh, m->size, type, len, data)) {
		m->overflow = true;
		m->refused = type;
		return -EMSGSIZE;
	}
	/* libmnl 1.0.4 leaves the padding as the buffer had it: the kernel ignores it,
	 * but a message's bytes should not depend on the stack's old contents */
	memset((char *)mnl_attr_get_payload(a) + len, 0, MNL_ALIGN(len) - len);
	return 0;
}

int wirt_nl_msg_put_u32(struct wirt_nl_msg *m, uint16_t type, uint32_t value)
{
	return wirt_nl_msg_put(m, type, sizeof(value), &value);
}

int wirt_nl_msg_put_str(struct wirt_nl_msg *m, uint16_t type, const char *s)
{
	return wirt_nl_msg_put(m, type, strlen(s) + 1, s);
}

struct nlattr *wirt_nl_msg_nest_start(struct wirt_nl_msg *m, uint16_t type)
{
	struct nlattr *nest;

	if (m->overflow)
		return NULL;
	nest = mnl_attr_nest_start_check(m->nlh, m->size, type);
	if (!nest) {
		m->overflow = true;
		m->refused = type;
	}
	return nest;
}

void wirt_nl_msg_nest_end(struct wirt_nl_msg *m, struct nlattr *nest)
{
	if (nest)
		mnl_attr_nest_end(m->nlh, nest);
}

int wirt_nl_msg_check(const struct wirt_nl_msg *m, const char *what, struct wirt_error *err)
{
	if (!m->overflow)
		return 0;
	if (m->refused)
		return wirt_errorf(err, EMSGSIZE, "%s: message exceeds %zu bytes at attribute %u",
				   what, m->size, m->refused);
	return wirt_errorf(err, EMSGSIZE, "%s: message exceeds %zu bytes", what, m->size);
}

/*
 * Checks and names for messages.
 */

int wirt_nl_check_ifname(const char *name, struct wirt_error *err)
{
	if (!name || !name[0])
		return wirt_error_invalid(err, "interface name is empty");
	if (strlen(name) >= IFNAMSIZ)
		return wirt_error_invalid(err, "interface name '%s' is longer than %d bytes", name,
					  IFNAMSIZ - 1);
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return wirt_error_invalid(err, "interface name '%s' is not valid", name);
	for (const char *p = name; *p; p++) {
		if (*p == '/' || *p == ':')
			return wirt_error_invalid(err, "interface name '%s' contains '%c'", name,
						  *p);
		if (isspace((unsigned char)*p))
			return wirt_error_invalid(err, "interface name '%s' contains whitespace",
						  name);
	}
	return 0;
}

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

static const char *addr_str(int family, const void *addr, char *buf, size_t size)
{
	if (!addr || !addr_len(family) || !inet_ntop(family, addr, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

/* "10.250.0.1/32", "default" */
static const char *prefix_str(int family, const void *addr, unsigned len, char *buf,
			      size_t size)
{
	char a[INET6_ADDRSTRLEN];

	if (!addr && len == 0)
		snprintf(buf, size, "default");
	else
		snprintf(buf, size, "%s/%u", addr_str(family, addr, a, sizeof(a)), len);
	return buf;
}

/* The address checks every address request shares: 'what' is already in err's
 * prefix position, so these name only the field. */
static int check_addr(int family, const void *addr, unsigned prefixlen, bool addr_optional,
		      const char *what, struct wirt_error *err)
{
	size_t n = addr_len(family);

	if (!n)
		return wirt_error_plain(err, EAFNOSUPPORT, "%s: address family %d is not supported",
					what, family);
	if (prefixlen > n * 8)
		return wirt_error_invalid(err, "%s: prefix length %u is longer than %zu", what,
					  prefixlen, n * 8);
	if (!addr && !(addr_optional && prefixlen == 0))
		return wirt_error_invalid(err, "%s: no address for prefix length %u", what,
					  prefixlen);
	return 0;
}

/*
 * The exchange: send with NLM_F_ACK and the next sequence number, read until the ACK.
 */

/* The kernel's own words for an error (NETLINK_EXT_ACK), or NULL. */
static const char *extack_msg(const struct nlmsghdr *nlh, const struct nlmsgerr *e, char *buf,
			      size_t size)
{
	size_t off = sizeof(*e);
	const struct nlattr *a;
	int missing = -1;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	/* without NETLINK_CAP_ACK (an old kernel) our request is echoed before the TLVs */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return NULL;
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	}
	if (MNL_ALIGN(off) > mnl_nlmsg_get_payload_len(nlh))
		return NULL;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				break;
			snprintf(buf, size, "%s", mnl_attr_get_str(a));
			return buf;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				missing = mnl_attr_get_u32(a);
			break;
		}
	}
	if (missing >= 0) {
		snprintf(buf, size, "missing attribute %d", missing);
		return buf;
	}
	return NULL;
}

static int parse_error(const struct nlmsghdr *nlh, const char *what, struct wirt_error *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	char ext[WIRT_ERROR_MAX];
	int code;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return wirt_errorf(err, EBADMSG, "%s: truncated netlink error", what);
	if (e->error == 0)
		return 0; /* the ACK; an extack here is only a warning */
	code = e->error < 0 ? -e->error : e->error;
	if (extack_msg(nlh, e, ext, sizeof(ext)))
		return wirt_error_plain(err, code, "%s: %s (kernel: %s)", what, strerror(code),
					ext);
	return wirt_errorf(err, code, "%s", what);
}

int wirt_nl_parse_replies(const void *buf, size_t len, uint32_t seq, uint32_t portid,
			  wirt_nl_reply_fn fn, void *data, const char *what,
			  struct wirt_error *err)
{
	const struct nlmsghdr *nlh = buf;
	int left = len > INT32_MAX ? INT32_MAX : (int)len;
	int r;

	for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		/* another request's answer (one we stopped reading after an error) */
		if (nlh->nlmsg_seq != seq || (nlh->nlmsg_pid && nlh->nlmsg_pid != portid))
			continue;
		switch (nlh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_DONE:
			return 0;
		case NLMSG_ERROR:
			return parse_error(nlh, what, err);
		case NLMSG_OVERRUN:
			return wirt_errorf(err, ENOBUFS, "%s: netlink overrun", what);
		}
		if (fn) {
			r = fn(nlh, data);
			if (r < 0)
				return wirt_errorf(err, r, "%s: read reply", what);
		}
	}
	if (left > 0)
		return wirt_errorf(err, EBADMSG, "%s: truncated netlink reply", what);
	return 1;
}

int wirt_nl_request(struct wirt_nl *nl, struct wirt_nl_msg *m, wirt_nl_reply_fn fn, void *data,
		    const char *what, struct wirt_error *err)
{
	union {
		char buf[RECV_SIZE];
		struct nlmsghdr align;
	} r;
	ssize_t n;
	int ret;

	ret = wirt_nl_msg_check(m, what, err);
	if (ret < 0)
		return ret;
	if (!nl->sock)
		return wirt_errorf(err, EBADF, "%s: netlink socket not open", what);
	m->nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	m->nlh->nlmsg_seq = ++nl->seq;
	m->nlh->nlmsg_pid = 0;
	if (mnl_socket_sendto(nl->sock, m->nlh, m->nlh->nlmsg_len) < 0)
		return wirt_errorf(err, errno, "%s: send netlink request", what);
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, r.buf, sizeof(r.buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return wirt_errorf(err, errno, "%s: receive netlink reply", what);
		ret = wirt_nl_parse_replies(r.buf, n, m->nlh->nlmsg_seq, nl->portid, fn, data,
					    what, err);
		if (ret <= 0)
			return ret;
	}
}

/*
 * The socket.
 */

struct open_args {
	int netns_fd;
	struct mnl_socket *sock;
	int error;
};

/* Runs in a thread of its own: its setns() ends with it, the caller's never changes. */
static void *open_in_netns(void *p)
{
	struct open_args *a = p;

	if (a->netns_fd >= 0 && setns(a->netns_fd, CLONE_NEWNET) < 0) {
		a->error = errno;
		return NULL;
	}
	a->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!a->sock)
		a->error = errno;
	return NULL;
}

static int set_opt(struct mnl_socket *sock, int opt)
{
	int one = 1;

	/* older kernels lack some: ENOPROTOOPT costs only the extra checks or texts */
	if (mnl_socket_setsockopt(sock, opt, &one, sizeof(one)) < 0 && errno != ENOPROTOOPT)
		return -errno;
	return 0;
}

int wirt_nl_open(struct wirt_nl *nl, int netns_fd, struct wirt_error *err)
{
	struct open_args a = { .netns_fd = netns_fd };
	pthread_t t;
	int r;

	memset(nl, 0, sizeof(*nl));
	if (netns_fd < 0) {
		open_in_netns(&a);
	} else {
		r = pthread_create(&t, NULL, open_in_netns, &a);
		if (r != 0)
			return wirt_errorf(err, r, "open netlink socket: start thread");
		pthread_join(t, NULL);
	}
	if (!a.sock && netns_fd >= 0)
		return wirt_errorf(err, a.error, "open netlink socket in network namespace (fd %d)",
				   netns_fd);
	if (!a.sock)
		return wirt_errorf(err, a.error, "open netlink socket");
	nl->sock = a.sock;
	r = set_opt(nl->sock, NETLINK_EXT_ACK);
	if (r == 0)
		r = set_opt(nl->sock, NETLINK_CAP_ACK);
	if (r == 0)
		r = set_opt(nl->sock, NETLINK_GET_STRICT_CHK);
	if (r < 0) {
		wirt_nl_close(nl);
		return wirt_errorf(err, r, "set netlink socket options");
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = wirt_errorf(err, errno, "bind netlink socket");
		wirt_nl_close(nl);
		return r;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

void wirt_nl_close(struct wirt_nl *nl)
{
	int saved = errno;

	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
	errno = saved;
}

/*
 * Links.
 */

int wirt_nl_build_veth_add(struct wirt_nl_msg *m, const char *host_name, const char *peer_name,
			   int peer_netns_fd, struct wirt_error *err)
{
	struct nlattr *linkinfo, *data, *peer;
	char what[64];

	snprintf(what, sizeof(what), "create veth '%s'", host_name ? host_name : "");
	if (wirt_nl_check_ifname(host_name, err) < 0 || wirt_nl_check_ifname(peer_name, err) < 0)
		return wirt_error_prefix(err, "%s", what);

	wirt_nl_msg_init(m, m->nlh, m->size, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	wirt_nl_msg_put_header(m, sizeof(struct ifinfomsg));
	wirt_nl_msg_put_str(m, IFLA_IFNAME, host_name);
	linkinfo = wirt_nl_msg_nest_start(m, IFLA_LINKINFO);
	wirt_nl_msg_put_str(m, IFLA_INFO_KIND, "veth");
	data = wirt_nl_msg_nest_start(m, IFLA_INFO_DATA);
	/* the peer's part reads like a message body of its own: an ifinfomsg, then its
	 * attributes; IFLA_NET_NS_FD there creates the peer in that namespace directly */
	peer = wirt_nl_msg_nest_start(m, VETH_INFO_PEER);
	wirt_nl_msg_put_header(m, sizeof(struct ifinfomsg));
	wirt_nl_msg_put_str(m, IFLA_IFNAME, peer_name);
	if (peer_netns_fd >= 0)
		wirt_nl_msg_put_u32(m, IFLA_NET_NS_FD, peer_netns_fd);
	wirt_nl_msg_nest_end(m, peer);
	wirt_nl_msg_nest_end(m, data);
	wirt_nl_msg_nest_end(m, linkinfo);
	return wirt_nl_msg_check(m, what, err);
}

int wirt_nl_veth_add(struct wirt_nl *nl, const char *host_name, const char *peer_name,
		     int peer_netns_fd, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m = { .nlh = &u.align, .size = sizeof(u) };
	char what[64];
	int r;

	r = wirt_nl_build_veth_add(&m, host_name, peer_name, peer_netns_fd, err);
	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "create veth '%s'", host_name);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

static int read_ifindex(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return -EBADMSG;
	*(int *)data = ifi->ifi_index;
	return 0;
}

int wirt_nl_link_index(struct wirt_nl *nl, const char *name, int *ret_ifindex,
		       struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	char what[64];
	int ifindex = 0, r;

	snprintf(what, sizeof(what), "get link '%s'", name ? name : "");
	if (wirt_nl_check_ifname(name, err) < 0)
		return wirt_error_prefix(err, "%s", what);
	/* if_nametoindex() would ask the calling thread's namespace, not nl's */
	wirt_nl_msg_init(&m, u.buf, sizeof(u), RTM_GETLINK, 0);
	wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg));
	wirt_nl_msg_put_str(&m, IFLA_IFNAME, name);
	wirt_nl_msg_put_u32(&m, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	r = wirt_nl_request(nl, &m, read_ifindex, &ifindex, what, err);
	if (r < 0)
		return r;
	if (ifindex <= 0)
		return wirt_errorf(err, ENODEV, "%s: no index in the reply", what);
	*ret_ifindex = ifindex;
	return 0;
}

/* An RTM_NEWLINK changing link 'ifindex': the caller adds what changes. */
static struct ifinfomsg *link_change(struct wirt_nl_msg *m, void *buf, size_t size, int ifindex)
{
	struct ifinfomsg *ifi;

	wirt_nl_msg_init(m, buf, size, RTM_NEWLINK, 0);
	ifi = wirt_nl_msg_put_header(m, sizeof(*ifi));
	if (ifi) {
		ifi->ifi_family = AF_UNSPEC;
		ifi->ifi_index = ifindex;
	}
	return ifi;
}

static int set_flags(struct wirt_nl *nl, int ifindex, bool up, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	struct ifinfomsg *ifi;
	char what[64];

	snprintf(what, sizeof(what), "set link %d %s", ifindex, up ? "up" : "down");
	ifi = link_change(&m, u.buf, sizeof(u), ifindex);
	if (ifi) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_link_set_up(struct wirt_nl *nl, int ifindex, struct wirt_error *err)
{
	return set_flags(nl, ifindex, true, err);
}

int wirt_nl_link_set_down(struct wirt_nl *nl, int ifindex, struct wirt_error *err)
{
	return set_flags(nl, ifindex, false, err);
}

int wirt_nl_link_set_name(struct wirt_nl *nl, int ifindex, const char *name,
			  struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	char what[64];

	snprintf(what, sizeof(what), "rename link %d to '%s'", ifindex, name ? name : "");
	if (wirt_nl_check_ifname(name, err) < 0)
		return wirt_error_prefix(err, "%s", what);
	link_change(&m, u.buf, sizeof(u), ifindex);
	wirt_nl_msg_put_str(&m, IFLA_IFNAME, name);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_link_set_mac(struct wirt_nl *nl, int ifindex, const uint8_t mac[6],
			 struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	char what[80];

	snprintf(what, sizeof(what), "set MAC of link %d to '%02x:%02x:%02x:%02x:%02x:%02x'",
		 ifindex, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	link_change(&m, u.buf, sizeof(u), ifindex);
	wirt_nl_msg_put(&m, IFLA_ADDRESS, 6, mac);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_link_del(struct wirt_nl *nl, const char *name, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	char what[64];

	snprintf(what, sizeof(what), "delete link '%s'", name ? name : "");
	if (wirt_nl_check_ifname(name, err) < 0)
		return wirt_error_prefix(err, "%s", what);
	/* by name in one request: no index to look up first, so no window in which the
	 * name could move to another link */
	wirt_nl_msg_init(&m, u.buf, sizeof(u), RTM_DELLINK, 0);
	wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg));
	wirt_nl_msg_put_str(&m, IFLA_IFNAME, name);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

/*
 * Addresses.
 */

static void addr_what(char *what, size_t size, uint16_t type, int ifindex, int family,
		      const void *addr, unsigned prefixlen)
{
	char p[INET6_ADDRSTRLEN + 8];

	snprintf(what, size, "%s address '%s' on link %d", type == RTM_NEWADDR ? "add" : "delete",
		 prefix_str(family, addr, prefixlen, p, sizeof(p)), ifindex);
}

int wirt_nl_build_addr(struct wirt_nl_msg *m, uint16_t type, int ifindex, int family,
		       const void *addr, unsigned prefixlen, struct wirt_error *err)
{
	return wirt_nl_build_addr_scope(m, type, ifindex, family, addr, prefixlen,
					RT_SCOPE_UNIVERSE, err);
}

int wirt_nl_build_addr_scope(struct wirt_nl_msg *m, uint16_t type, int ifindex, int family,
			     const void *addr, unsigned prefixlen, int scope,
			     struct wirt_error *err)
{
	struct ifaddrmsg *ifa;
	char what[96];
	size_t n = addr_len(family);
	int r;

	addr_what(what, sizeof(what), type, ifindex, family, addr, prefixlen);
	r = check_addr(family, addr, prefixlen, false, what, err);
	if (r < 0)
		return r;
	if (ifindex <= 0)
		return wirt_error_invalid(err, "%s: link index %d is not valid", what, ifindex);

	wirt_nl_msg_init(m, m->nlh, m->size, type,
			 type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ifa = wirt_nl_msg_put_header(m, sizeof(*ifa));
	if (ifa) {
		ifa->ifa_family = family;
		ifa->ifa_prefixlen = prefixlen;
		ifa->ifa_scope = (uint8_t)scope;
		ifa->ifa_index = ifindex;
		/* no duplicate address detection: the address works at once instead of
		 * after DAD's ~1 s as "tentative", and wirt refuses duplicates itself */
		if (family == AF_INET6)
			ifa->ifa_flags = IFA_F_NODAD;
	}
	/* both, as ip(8) sends them: equal, they mean "no peer" */
	wirt_nl_msg_put(m, IFA_LOCAL, n, addr);
	wirt_nl_msg_put(m, IFA_ADDRESS, n, addr);
	return wirt_nl_msg_check(m, what, err);
}

static int addr_request(struct wirt_nl *nl, uint16_t type, int ifindex, int family,
			const void *addr, unsigned prefixlen, int scope, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m = { .nlh = &u.align, .size = sizeof(u) };
	char what[96];
	int r;

	r = wirt_nl_build_addr_scope(&m, type, ifindex, family, addr, prefixlen, scope, err);
	if (r < 0)
		return r;
	addr_what(what, sizeof(what), type, ifindex, family, addr, prefixlen);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_addr_add(struct wirt_nl *nl, int ifindex, int family, const void *addr,
		     unsigned prefixlen, struct wirt_error *err)
{
	return addr_request(nl, RTM_NEWADDR, ifindex, family, addr, prefixlen, RT_SCOPE_UNIVERSE,
			    err);
}

int wirt_nl_addr_add_scope(struct wirt_nl *nl, int ifindex, int family, const void *addr,
			   unsigned prefixlen, int scope, struct wirt_error *err)
{
	return addr_request(nl, RTM_NEWADDR, ifindex, family, addr, prefixlen, scope, err);
}

int wirt_nl_addr_del(struct wirt_nl *nl, int ifindex, int family, const void *addr,
		     unsigned prefixlen, struct wirt_error *err)
{
	return addr_request(nl, RTM_DELADDR, ifindex, family, addr, prefixlen, RT_SCOPE_UNIVERSE,
			    err);
}

/*
 * Routes.
 */

static void route_what(char *what, size_t size, uint16_t type, int family, const void *dst,
		       unsigned dst_len, const void *gateway, int ifindex)
{
	char p[INET6_ADDRSTRLEN + 8], g[INET6_ADDRSTRLEN], via[INET6_ADDRSTRLEN + 8] = "";
	char link[32] = "";

	if (gateway)
		snprintf(via, sizeof(via), " via '%s'", addr_str(family, gateway, g, sizeof(g)));
	if (ifindex > 0)
		snprintf(link, sizeof(link), " on link %d", ifindex);
	snprintf(what, size, "%s route '%s'%s%s", type == RTM_NEWROUTE ? "add" : "delete",
		 prefix_str(family, dst, dst_len, p, sizeof(p)), via, link);
}

int wirt_nl_build_route(struct wirt_nl_msg *m, uint16_t type, int family, const void *dst,
			unsigned dst_len, const void *gateway, int ifindex, int scope,
			struct wirt_error *err)
{
	struct rtmsg *rtm;
	char what[160];
	size_t n = addr_len(family);
	int r;

	route_what(what, sizeof(what), type, family, dst, dst_len, gateway, ifindex);
	r = check_addr(family, dst, dst_len, true, what, err);
	if (r < 0)
		return r;
	if (scope < 0 || scope > RT_SCOPE_NOWHERE)
		return wirt_error_invalid(err, "%s: scope %d is not valid", what, scope);
	if (ifindex <= 0 && !gateway)
		return wirt_error_invalid(err, "%s: neither a link nor a gateway", what);

	wirt_nl_msg_init(m, m->nlh, m->size, type,
			 type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0);
	rtm = wirt_nl_msg_put_header(m, sizeof(*rtm));
	if (rtm) {
		rtm->rtm_family = family;
		rtm->rtm_dst_len = dst_len;
		rtm->rtm_table = RT_TABLE_MAIN;
		/* deletes match it too: wirt removes only routes of the kind it adds */
		rtm->rtm_protocol = RTPROT_STATIC;
		rtm->rtm_scope = scope;
		rtm->rtm_type = RTN_UNICAST;
	}
	if (dst_len > 0)
		wirt_nl_msg_put(m, RTA_DST, n, dst);
	if (gateway)
		wirt_nl_msg_put(m, RTA_GATEWAY, n, gateway);
	if (ifindex > 0)
		wirt_nl_msg_put_u32(m, RTA_OIF, ifindex);
	return wirt_nl_msg_check(m, what, err);
}

static int route_request(struct wirt_nl *nl, uint16_t type, int family, const void *dst,
			 unsigned dst_len, const void *gateway, int ifindex, int scope,
			 struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m = { .nlh = &u.align, .size = sizeof(u) };
	char what[160];
	int r;

	r = wirt_nl_build_route(&m, type, family, dst, dst_len, gateway, ifindex, scope, err);
	if (r < 0)
		return r;
	route_what(what, sizeof(what), type, family, dst, dst_len, gateway, ifindex);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_route_add(struct wirt_nl *nl, int family, const void *dst, unsigned dst_len,
		      const void *gateway, int ifindex, int scope, struct wirt_error *err)
{
	return route_request(nl, RTM_NEWROUTE, family, dst, dst_len, gateway, ifindex, scope,
			     err);
}

int wirt_nl_route_del(struct wirt_nl *nl, int family, const void *dst, unsigned dst_len,
		      const void *gateway, int ifindex, int scope, struct wirt_error *err)
{
	return route_request(nl, RTM_DELROUTE, family, dst, dst_len, gateway, ifindex, scope,
			     err);
}

/*
 * Proxy neighbours.
 */

static int neigh_proxy(struct wirt_nl *nl, uint16_t type, int ifindex, int family,
		       const void *addr, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	struct ndmsg *ndm;
	char what[96], a[INET6_ADDRSTRLEN];
	int r;

	snprintf(what, sizeof(what), "%s proxy neighbour '%s' on link %d",
		 type == RTM_NEWNEIGH ? "add" : "delete", addr_str(family, addr, a, sizeof(a)),
		 ifindex);
	r = check_addr(family, addr, 0, false, what, err);
	if (r < 0)
		return r;
	if (ifindex <= 0)
		return wirt_error_invalid(err, "%s: link index %d is not valid", what, ifindex);
	wirt_nl_msg_init(&m, u.buf, sizeof(u), type,
			 type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_EXCL : 0);
	ndm = wirt_nl_msg_put_header(&m, sizeof(*ndm));
	if (ndm) {
		ndm->ndm_family = family;
		ndm->ndm_ifindex = ifindex;
		ndm->ndm_state = NUD_PERMANENT;
		ndm->ndm_flags = NTF_PROXY;
	}
	wirt_nl_msg_put(&m, NDA_DST, addr_len(family), addr);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_neigh_proxy_add(struct wirt_nl *nl, int ifindex, int family, const void *addr,
			    struct wirt_error *err)
{
	return neigh_proxy(nl, RTM_NEWNEIGH, ifindex, family, addr, err);
}

int wirt_nl_neigh_proxy_del(struct wirt_nl *nl, int ifindex, int family, const void *addr,
			    struct wirt_error *err)
{
	return neigh_proxy(nl, RTM_DELNEIGH, ifindex, family, addr, err);
}

int wirt_nl_bridge_add(struct wirt_nl *nl, const char *name, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	struct nlattr *linkinfo;
	char what[64];

	snprintf(what, sizeof(what), "create bridge '%s'", name ? name : "");
	if (wirt_nl_check_ifname(name, err) < 0)
		return wirt_error_prefix(err, "%s", what);
	wirt_nl_msg_init(&m, u.buf, sizeof(u), RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	wirt_nl_msg_put_header(&m, sizeof(struct ifinfomsg));
	wirt_nl_msg_put_str(&m, IFLA_IFNAME, name);
	linkinfo = wirt_nl_msg_nest_start(&m, IFLA_LINKINFO);
	wirt_nl_msg_put_str(&m, IFLA_INFO_KIND, "bridge");
	wirt_nl_msg_nest_end(&m, linkinfo);
	if (wirt_nl_msg_check(&m, what, err) < 0)
		return -EMSGSIZE;
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_link_set_master(struct wirt_nl *nl, int ifindex, int master_ifindex,
			    struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	char what[80];

	snprintf(what, sizeof(what), "attach link %d to bridge %d", ifindex, master_ifindex);
	link_change(&m, u.buf, sizeof(u), ifindex);
	wirt_nl_msg_put_u32(&m, IFLA_MASTER, (uint32_t)master_ifindex);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}

int wirt_nl_link_set_mtu(struct wirt_nl *nl, int ifindex, unsigned mtu, struct wirt_error *err)
{
	union msg_buf u;
	struct wirt_nl_msg m;
	char what[64];

	snprintf(what, sizeof(what), "set MTU of link %d to %u", ifindex, mtu);
	link_change(&m, u.buf, sizeof(u), ifindex);
	wirt_nl_msg_put_u32(&m, IFLA_MTU, mtu);
	return wirt_nl_request(nl, &m, NULL, NULL, what, err);
}
