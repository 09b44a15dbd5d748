/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink for the engine, over libmnl: veth pairs (the peer created directly in the
 * vServer's network namespace), links, addresses, routes and proxy-neighbour entries.
 * One message builder with bounds checks; every request carries its own sequence
 * number and NLM_F_ACK, and a failure returns the kernel's errno with its extack text.
 */
#ifndef WIRT_NETLINK_H
#define WIRT_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct mnl_socket;
struct nlmsghdr;
struct nlattr;

/* A socket bound to one network namespace. Zero-initialise it ({0}) so that
 * wirt_nl_close is safe on every path, also before wirt_nl_open. One thread at a time. */
struct wirt_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq; /* of the last request sent */
};

/* Opens an rtnetlink socket in the network namespace 'netns_fd' (an fd of
 * /proc/PID/ns/net), or in the calling thread's when netns_fd is -1. A socket stays
 * bound to the namespace it was created in, so the caller never changes namespace:
 * a short-lived helper thread setns()es into netns_fd, creates the socket and exits,
 * taking its namespace with it (setns back could fail with EPERM when the caller's own
 * namespace belongs to a user namespace the caller is not privileged over).
 * Enables NETLINK_EXT_ACK, NETLINK_CAP_ACK and NETLINK_GET_STRICT_CHK where the kernel
 * has them. Returns 0 or -errno. */
int wirt_nl_open(struct wirt_nl *nl, int netns_fd, struct wirt_error *err);

/* Closes the socket; safe twice and on a zeroed struct: `_cleanup_(wirt_nl_close)`. */
void wirt_nl_close(struct wirt_nl *nl);

/*
 * Requests. Each returns 0 or -errno with err filled: "<verb> <object>" then either
 * the errno text or, when the kernel sent an extack message, "<errno text> (kernel:
 * <its message>)". Interface names are checked before anything is sent: 1 to 15 bytes,
 * no '/', ':' or whitespace, not "." or ".." (-EINVAL, a plain message).
 */

/* Creates the veth pair 'host_name' (in nl's namespace) and 'peer_name', the peer
 * created directly in 'peer_netns_fd' (-1: nl's namespace), both down. Moving the
 * peer afterwards would cost a namespace change of a registered device: on this host
 * ~1 ms for the pair created in place, ~20 ms more for `ip link set PEER netns`.
 * -EEXIST when either name is taken (6.18 sends no extack saying which). */
int wirt_nl_veth_add(struct wirt_nl *nl, const char *host_name, const char *peer_name,
		     int peer_netns_fd, struct wirt_error *err);

/* The index of link 'name' in nl's namespace; -ENODEV when there is none. */
int wirt_nl_link_index(struct wirt_nl *nl, const char *name, int *ret_ifindex,
		       struct wirt_error *err);

int wirt_nl_link_set_up(struct wirt_nl *nl, int ifindex, struct wirt_error *err);
int wirt_nl_link_set_down(struct wirt_nl *nl, int ifindex, struct wirt_error *err);
/* Kernels before 6.1 rename only a link that is down (-EBUSY otherwise); this one
 * renames a veth that is up too. */
int wirt_nl_link_set_name(struct wirt_nl *nl, int ifindex, const char *name,
			  struct wirt_error *err);
int wirt_nl_link_set_mac(struct wirt_nl *nl, int ifindex, const uint8_t mac[6],
			 struct wirt_error *err);

/* Deletes link 'name' (a veth takes its peer along, wherever the peer is). -ENODEV when
 * there is none, which a cleanup path may ignore. */
int wirt_nl_link_del(struct wirt_nl *nl, const char *name, struct wirt_error *err);

/* Adds or deletes address 'addr' (4 bytes for AF_INET, 16 for AF_INET6, network byte
 * order) with 'prefixlen' on link 'ifindex'. IPv6 addresses are added with IFA_F_NODAD:
 * usable at once, never "tentative" (wirt owns the addresses, duplicates are refused
 * before they reach the kernel). -EEXIST when present; delete: -EADDRNOTAVAIL when not. */
int wirt_nl_addr_add(struct wirt_nl *nl, int ifindex, int family, const void *addr,
		     unsigned prefixlen, struct wirt_error *err);
int wirt_nl_addr_del(struct wirt_nl *nl, int ifindex, int family, const void *addr,
		     unsigned prefixlen, struct wirt_error *err);
/* The same with a scope other than universe: RT_SCOPE_HOST keeps an address out of the
 * kernel's choice of source address for the link's routes (wirt's gateway address on
 * a vServer's veth: the host still answers ARP for it there). */
int wirt_nl_addr_add_scope(struct wirt_nl *nl, int ifindex, int family, const void *addr,
			   unsigned prefixlen, int scope, struct wirt_error *err);

int wirt_nl_link_set_mtu(struct wirt_nl *nl, int ifindex, unsigned mtu, struct wirt_error *err);

/* Creates bridge 'name', down. -EEXIST when the name is taken. */
int wirt_nl_bridge_add(struct wirt_nl *nl, const char *name, struct wirt_error *err);
/* Makes link 'ifindex' a port of bridge 'master_ifindex'. */
int wirt_nl_link_set_master(struct wirt_nl *nl, int ifindex, int master_ifindex,
			    struct wirt_error *err);

/* Adds or deletes a route in the main table: 'dst'/'dst_len' (dst may be NULL when
 * dst_len is 0: the default route), through 'gateway' (NULL: none, the destination is
 * on the link) out of link 'ifindex', with 'scope' (RT_SCOPE_LINK for a host route to a
 * veth, RT_SCOPE_UNIVERSE for a route via a gateway). A default route via a link-local
 * IPv4 gateway needs a scope-link host route to that gateway first. Protocol is
 * RTPROT_STATIC, as `ip route add` gives. -EEXIST when present; delete: -ESRCH. */
int wirt_nl_route_add(struct wirt_nl *nl, int family, const void *dst, unsigned dst_len,
		      const void *gateway, int ifindex, int scope, struct wirt_error *err);
int wirt_nl_route_del(struct wirt_nl *nl, int family, const void *dst, unsigned dst_len,
		      const void *gateway, int ifindex, int scope, struct wirt_error *err);

/* Adds or deletes a proxy neighbour entry (NTF_PROXY: `ip neigh add proxy ADDR dev X`)
 * for 'addr' on link 'ifindex', so the host answers ARP (with proxy_arp) or NDP (with
 * proxy_ndp) for it there. Adding one that exists succeeds (the kernel updates proxy
 * entries in place even with NLM_F_EXCL); delete: -ENOENT when there is none. */
int wirt_nl_neigh_proxy_add(struct wirt_nl *nl, int ifindex, int family, const void *addr,
			    struct wirt_error *err);
int wirt_nl_neigh_proxy_del(struct wirt_nl *nl, int ifindex, int family, const void *addr,
			    struct wirt_error *err);

/*
 * The message builder the requests above use; exposed for tests and for the next
 * netlink user. Bounds are sticky: once something did not fit, every later put is
 * refused too and wirt_nl_msg_check reports it, so a builder can put a whole message
 * and check once.
 */

#define WIRT_NL_MSG_SIZE 1024 /* the largest request above (veth) is ~130 bytes */

struct wirt_nl_msg {
	struct nlmsghdr *nlh;
	size_t size;	  /* of the buffer nlh points at */
	bool overflow;	  /* a put did not fit */
	uint16_t refused; /* the type of the first attribute that did not fit */
};

/* Starts a message of 'type' with 'flags' (NLM_F_REQUEST | NLM_F_ACK are added by
 * wirt_nl_request) in 'buf' of 'size' bytes, aligned for struct nlmsghdr. */
void wirt_nl_msg_init(struct wirt_nl_msg *m, void *buf, size_t size, uint16_t type,
		      uint16_t flags);
/* Appends 'len' zeroed bytes (a family header: ifinfomsg, ifaddrmsg ...), aligned;
 * NULL when they do not fit. */
void *wirt_nl_msg_put_header(struct wirt_nl_msg *m, size_t len);
/* Appends attribute 'type'. 0 or -EMSGSIZE. */
int wirt_nl_msg_put(struct wirt_nl_msg *m, uint16_t type, size_t len, const void *data);
int wirt_nl_msg_put_u32(struct wirt_nl_msg *m, uint16_t type, uint32_t value);
int wirt_nl_msg_put_str(struct wirt_nl_msg *m, uint16_t type, const char *s);
/* Opens a nested attribute; NULL when it does not fit. wirt_nl_msg_nest_end(m, NULL)
 * does nothing, so a builder need not test each nest. */
struct nlattr *wirt_nl_msg_nest_start(struct wirt_nl_msg *m, uint16_t type);
void wirt_nl_msg_nest_end(struct wirt_nl_msg *m, struct nlattr *nest);
/* 0, or -EMSGSIZE with err saying "<what>: message exceeds N bytes at attribute T". */
int wirt_nl_msg_check(const struct wirt_nl_msg *m, const char *what, struct wirt_error *err);

/* Checks an interface name as the kernel's dev_valid_name() does, so a bad name is
 * refused with its reason instead of the kernel's bare EINVAL. 0 or -EINVAL, plain. */
int wirt_nl_check_ifname(const char *name, struct wirt_error *err);

/* Each request, built into m without sending it: what the calls above send (tests
 * read them back). 0 or -errno with err filled. */
int wirt_nl_build_veth_add(struct wirt_nl_msg *m, const char *host_name, const char *peer_name,
			   int peer_netns_fd, struct wirt_error *err);
int wirt_nl_build_addr(struct wirt_nl_msg *m, uint16_t type, int ifindex, int family,
		       const void *addr, unsigned prefixlen, struct wirt_error *err);
int wirt_nl_build_addr_scope(struct wirt_nl_msg *m, uint16_t type, int ifindex, int family,
			     const void *addr, unsigned prefixlen, int scope,
			     struct wirt_error *err);
int wirt_nl_build_route(struct wirt_nl_msg *m, uint16_t type, int family, const void *dst,
			unsigned dst_len, const void *gateway, int ifindex, int scope,
			struct wirt_error *err);

/* Called for each reply message of the request (not for the ACK); returns 0 or -errno. */
typedef int (*wirt_nl_reply_fn)(const struct nlmsghdr *nlh, void *data);

/* Sends m (NLM_F_REQUEST | NLM_F_ACK and the next sequence number added) and reads
 * until its ACK or error. Replies of other sequence numbers (left over from an earlier,
 * interrupted request) are skipped. 'what' ("create veth 'wv-web1'") begins the error
 * message. Returns 0 or -errno. */
int wirt_nl_request(struct wirt_nl *nl, struct wirt_nl_msg *m, wirt_nl_reply_fn fn, void *data,
		    const char *what, struct wirt_error *err);

/* Reads one received buffer for request 'seq' of socket 'portid': 1 when the answer
 * needs more reads, 0 on the ACK (or NLMSG_DONE), -errno on the kernel's error with
 * err filled as described above. The receiving half of wirt_nl_request. */
int wirt_nl_parse_replies(const void *buf, size_t len, uint32_t seq, uint32_t portid,
			  wirt_nl_reply_fn fn, void *data, const char *what,
			  struct wirt_error *err);

#endif
