/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt's nftables tables through libnftables (loaded on first use, nft-dl.h): the
 * command text for each change, built only from values validated and re-formatted
 * here, run as one transaction; and a reader of nft's listing for what a delete must
 * name. Layout and reasons: docs/network.md.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nft-dl.h"
#include "nft.h"
#include "util.h"
#include "validate.h"

static char table[WIRT_NFT_TABLE_MAX + 1] = WIRT_NFT_TABLE_DEFAULT;
static char prefix[WIRT_NFT_PREFIX_MAX + 1] = WIRT_NFT_IFACE_PREFIX;

/*
 * The tables. Sets hold the per-vServer state; rules are fixed and few, so a packet
 * costs one hash lookup whatever the number of vServers, and so does an update.
 * %1$s is the table name, %2$s the prefix of the vServers' interfaces. ensure re-runs this whole text: "add" of what exists is a
 * no-op, and each chain is flushed before its rules are added, so rules never double.
 */
static const char table_script[] =
	"add table inet %1$s\n"
	/* every vServer interface, its name as comment: what _del and _list start from */
	"add set inet %1$s ifaces { type ifname; }\n"
	"add set inet %1$s isolated { type ifname; }\n"
	/* hash sets, not interval ones: pipapo copies the whole set on each change */
	"add set inet %1$s v4_owned { type ifname . ipv4_addr; }\n"
	"add set inet %1$s v6_owned { type ifname . ipv6_addr; }\n"
	"add set inet %1$s masq_v4 { type ipv4_addr . ifname; flags interval; }\n"
	"add set inet %1$s masq_v6 { type ipv6_addr . ifname; flags interval; }\n"
	"add map inet %1$s fwd_v4 { type inet_proto . inet_service : ipv4_addr . inet_service; }\n"
	"add map inet %1$s fwd_v6 { type inet_proto . inet_service : ipv6_addr . inet_service; }\n"
	/* priority raw: before conntrack, so a spoofed packet leaves no entry behind; and
	 * prerouting, so it covers packets to the host as well as forwarded ones */
	"add chain inet %1$s prerouting_raw"
	" { type filter hook prerouting priority raw; policy accept; }\n"
	"add chain inet %1$s from_vserver\n"
	"add chain inet %1$s forward { type filter hook forward priority filter; policy accept; }\n"
	"add chain inet %1$s prerouting_dnat"
	" { type nat hook prerouting priority dstnat; policy accept; }\n"
	"add chain inet %1$s output_dnat { type nat hook output priority -100; policy accept; }\n"
	"add chain inet %1$s postrouting_snat"
	" { type nat hook postrouting priority srcnat; policy accept; }\n"
	"flush chain inet %1$s prerouting_raw\n"
	"flush chain inet %1$s from_vserver\n"
	"flush chain inet %1$s forward\n"
	"flush chain inet %1$s prerouting_dnat\n"
	"flush chain inet %1$s output_dnat\n"
	"flush chain inet %1$s postrouting_snat\n"
	"add rule inet %1$s prerouting_raw iifname \"%2$s*\" jump from_vserver\n"
	/* a vServer is no router of the host's (nor, bridged, of its neighbours') */
	"add rule inet %1$s from_vserver icmpv6 type nd-router-advert counter drop\n"
	"add rule inet %1$s from_vserver iifname . ip saddr @v4_owned return\n"
	"add rule inet %1$s from_vserver iifname . ip6 saddr @v6_owned return\n"
	/* link-local stays on the veth (never forwarded): neighbour discovery needs it,
	 * and duplicate address detection and MLD send from :: */
	"add rule inet %1$s from_vserver ip6 saddr fe80::/10 return\n"
	"add rule inet %1$s from_vserver ip6 saddr :: meta l4proto 58 return\n"
	"add rule inet %1$s from_vserver counter drop\n"
	"add rule inet %1$s forward iifname @isolated oifname \"%2$s*\""
	" counter drop\n"
	"add rule inet %1$s forward oifname @isolated iifname \"%2$s*\""
	" counter drop\n"
	/* only to the host's own addresses: forwarded traffic keeps its destination */
	"add rule inet %1$s prerouting_dnat fib daddr type local"
	" dnat ip to meta l4proto . th dport map @fwd_v4\n"
	"add rule inet %1$s prerouting_dnat fib daddr type local"
	" dnat ip6 to meta l4proto . th dport map @fwd_v6\n"
	"add rule inet %1$s output_dnat fib daddr type local"
	" dnat ip to meta l4proto . th dport map @fwd_v4\n"
	"add rule inet %1$s output_dnat fib daddr type local"
	" dnat ip6 to meta l4proto . th dport map @fwd_v6\n"
	"add rule inet %1$s postrouting_snat ip saddr . oifname @masq_v4 masquerade\n"
	"add rule inet %1$s postrouting_snat ip6 saddr . oifname @masq_v6 masquerade\n"
	/* Bridged vServers: frames between bridge ports never reach the inet hooks, so the
	 * same checks, plus the source MAC and ARP's own sender fields, run here. Anything
	 * but IPv4, IPv6 and ARP is dropped: a VLAN tag would hide the rest from them. */
	"add table bridge %1$s\n"
	"add set bridge %1$s isolated { type ifname; }\n"
	"add set bridge %1$s mac_owned { type ifname . ether_addr; }\n"
	"add set bridge %1$s v4_owned { type ifname . ipv4_addr; }\n"
	"add set bridge %1$s v6_owned { type ifname . ipv6_addr; }\n"
	"add chain bridge %1$s prerouting"
	" { type filter hook prerouting priority filter; policy accept; }\n"
	"add chain bridge %1$s from_vserver\n"
	"add chain bridge %1$s forward { type filter hook forward priority filter; policy accept; }\n"
	"flush chain bridge %1$s prerouting\n"
	"flush chain bridge %1$s from_vserver\n"
	"flush chain bridge %1$s forward\n"
	"add rule bridge %1$s prerouting iifname \"%2$s*\" jump from_vserver\n"
	"add rule bridge %1$s from_vserver iifname . ether saddr != @mac_owned counter drop\n"
	"add rule bridge %1$s from_vserver iifname . arp saddr ether != @mac_owned counter drop\n"
	"add rule bridge %1$s from_vserver iifname . arp saddr ip @v4_owned return\n"
	/* an ARP probe (RFC 5227) has sender 0.0.0.0 */
	"add rule bridge %1$s from_vserver arp saddr ip 0.0.0.0 return\n"
	"add rule bridge %1$s from_vserver icmpv6 type nd-router-advert counter drop\n"
	"add rule bridge %1$s from_vserver udp sport 67 counter drop\n"
	"add rule bridge %1$s from_vserver iifname . ip saddr @v4_owned return\n"
	"add rule bridge %1$s from_vserver iifname . ip6 saddr @v6_owned return\n"
	"add rule bridge %1$s from_vserver ip6 saddr fe80::/10 return\n"
	"add rule bridge %1$s from_vserver ip6 saddr :: meta l4proto 58 return\n"
	"add rule bridge %1$s from_vserver counter drop\n"
	"add rule bridge %1$s forward iifname @isolated oifname \"%2$s*\""
	" counter drop\n"
	"add rule bridge %1$s forward oifname @isolated iifname \"%2$s*\""
	" counter drop\n";

/* ---- validation: everything that goes into command text passes one of these ---- */

int wirt_nft_table_use(const char *name, const char *iface_prefix, struct wirt_error *err)
{
	size_t i, n = strlen(name), pn = strlen(iface_prefix);

	/* the charset keeps it inside nft's quotes and out of its wildcard ('*') */
	for (i = 0; i < pn; i++)
		if (!isalnum((unsigned char)iface_prefix[i]) && !strchr("_.-", iface_prefix[i]))
			break;
	if (pn == 0 || pn > WIRT_NFT_PREFIX_MAX || i < pn) {
		char e[WIRT_ESCAPE_MAX];
		return wirt_error_invalid(err, "invalid interface prefix '%s': 1..%d of "
					  "[A-Za-z0-9_.-]",
					  wirt_str_escape(iface_prefix, e, sizeof(e)),
					  WIRT_NFT_PREFIX_MAX);
	}

	if (n == 0 || n > WIRT_NFT_TABLE_MAX || !isalpha((unsigned char)name[0]))
		goto bad;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '_')
			goto bad;
	memcpy(table, name, n + 1);
	memcpy(prefix, iface_prefix, pn + 1);
	return 0;
bad:;
	char e[WIRT_ESCAPE_MAX];
	return wirt_error_invalid(err, "invalid nft table name '%s': 1..%d of [A-Za-z0-9_], "
				  "starting with a letter", wirt_str_escape(name, e, sizeof(e)),
				  WIRT_NFT_TABLE_MAX);
}

const char *wirt_nft_table_name(void)
{
	return table;
}

const char *wirt_nft_iface_prefix(void)
{
	return prefix;
}

int wirt_nft_iface_validate(const char *iface, bool vserver, struct wirt_error *err)
{
	size_t i, n = strlen(iface), plen = strlen(prefix);
	char e[WIRT_ESCAPE_MAX];

	/* the charset keeps it inside nft's quotes and out of its wildcard ('*') */
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)iface[i]) && !strchr("_.-", iface[i]))
			break;
	if (n == 0 || n >= IFNAMSIZ || i < n || !strcmp(iface, ".") || !strcmp(iface, ".."))
		return wirt_error_invalid(err, "invalid interface name '%s': 1..%d of "
					  "[A-Za-z0-9_.-]", wirt_str_escape(iface, e, sizeof(e)),
					  IFNAMSIZ - 1);
	if (vserver && (n <= plen || strncmp(iface, prefix, plen) != 0))
		return wirt_error_invalid(err, "invalid vServer interface '%s': the rules only "
					  "cover names starting with '%s'", iface, prefix);
	return 0;
}

/* An address a vServer may own: unicast, not loopback, not unspecified; IPv4-mapped
 * IPv6 is refused (the packet would be IPv4 and miss the v6 set). */
int wirt_nft_addr_parse(const char *s, char *buf, int *ret_family, struct wirt_error *err)
{
	struct in6_addr a6;
	struct in_addr a4;
	char e[WIRT_ESCAPE_MAX];
	const char *why = NULL;

	if (strlen(s) < INET6_ADDRSTRLEN && inet_pton(AF_INET, s, &a4) == 1) {
		uint32_t h = ntohl(a4.s_addr);
		if (h == 0)
			why = "unspecified";
		else if ((h >> 24) == 127)
			why = "loopback";
		else if ((h >> 28) == 0xe || h == 0xffffffff)
			why = "multicast or broadcast";
		else {
			inet_ntop(AF_INET, &a4, buf, INET6_ADDRSTRLEN);
			*ret_family = AF_INET;
			return 0;
		}
	} else if (strlen(s) < INET6_ADDRSTRLEN && inet_pton(AF_INET6, s, &a6) == 1) {
		if (IN6_IS_ADDR_UNSPECIFIED(&a6))
			why = "unspecified";
		else if (IN6_IS_ADDR_LOOPBACK(&a6))
			why = "loopback";
		else if (IN6_IS_ADDR_MULTICAST(&a6))
			why = "multicast";
		else if (IN6_IS_ADDR_V4MAPPED(&a6) || IN6_IS_ADDR_V4COMPAT(&a6))
			why = "IPv4 in IPv6";
		else if (IN6_IS_ADDR_LINKLOCAL(&a6))
			why = "link-local (always allowed on the veth)";
		else {
			inet_ntop(AF_INET6, &a6, buf, INET6_ADDRSTRLEN);
			*ret_family = AF_INET6;
			return 0;
		}
	} else if (strchr(s, '/'))
		why = "give the address alone, without a prefix";
	else
		why = "not an IPv4 or IPv6 address";
	return wirt_error_invalid(err, "invalid address '%s': %s", wirt_str_escape(s, e, sizeof(e)),
				  why);
}

/* "02:00:00:00:00:01" (any case) into buf as lowercase; unicast and not zero. */
static int mac_parse(const char *s, char buf[WIRT_NFT_MAC_LEN + 1], struct wirt_error *err)
{
	unsigned int b[6];
	char e[WIRT_ESCAPE_MAX];
	int n = 0, i;

	for (i = 0; i < WIRT_NFT_MAC_LEN; i++)
		if (!(i % 3 == 2 ? s[i] == ':' : isxdigit((unsigned char)s[i])))
			break;
	if (i != WIRT_NFT_MAC_LEN || s[i] != '\0' ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%n", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &n) !=
		    6 ||
	    n != WIRT_NFT_MAC_LEN)
		return wirt_error_invalid(err, "invalid MAC address '%s': six hex pairs, "
					  "'02:00:00:00:00:01'", wirt_str_escape(s, e, sizeof(e)));
	if ((b[0] & 1) || !(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return wirt_error_invalid(err, "invalid MAC address '%s': multicast or zero", s);
	snprintf(buf, WIRT_NFT_MAC_LEN + 1, "%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5]);
	return 0;
}

/* "10.0.0.0/24" into buf as "<canonical address>/<bits>", no host bits set. */
static int prefix_parse(const char *s, char *buf, size_t size, int *ret_family,
			struct wirt_error *err)
{
	char e[WIRT_ESCAPE_MAX], addr[INET6_ADDRSTRLEN], canon[INET6_ADDRSTRLEN];
	unsigned char bytes[16];
	const char *slash = strchr(s, '/');
	uint64_t bits;
	int family, max, i;

	if (!slash || (size_t)(slash - s) >= sizeof(addr))
		goto bad;
	memcpy(addr, s, slash - s);
	addr[slash - s] = '\0';
	family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	max = family == AF_INET ? 32 : 128;
	if (inet_pton(family, addr, bytes) != 1 ||
	    wirt_uint_parse(slash + 1, 0, max, &bits, err) < 0)
		goto bad;
	for (i = bits; i < max; i++)
		if (bytes[i / 8] & (0x80 >> (i % 8)))
			return wirt_error_invalid(err, "invalid prefix '%s': host bits set",
						  wirt_str_escape(s, e, sizeof(e)));
	inet_ntop(family, bytes, canon, sizeof(canon));
	snprintf(buf, size, "%s/%u", canon, (unsigned int)bits);
	*ret_family = family;
	return 0;
bad:
	return wirt_error_invalid(err, "invalid prefix '%s': an address and a length, "
				  "'10.0.0.0/24' or 'fd00::/64'", wirt_str_escape(s, e, sizeof(e)));
}

static const char *proto_name(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : NULL;
}

/* ---- running nft ---- */

/* nft's error buffer reads "Error: <what>[: <strerror>]\n<command>\n<carets>\n". Its
 * first two lines go into err; the cause is the errno whose text nft printed. */
static int nft_error(const char *text, struct wirt_error *err)
{
	static const int codes[] = { ENOENT, EEXIST, EPERM, EBUSY, ENOMEM, ENOSPC, ENOBUFS,
				     EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT, E2BIG };
	const char *what = text ? text : "", *cmd, *end;
	int wlen, clen, code = EINVAL;
	size_t i;

	if (!strncmp(what, "Error: ", 7))
		what += 7;
	end = strchr(what, '\n');
	wlen = end ? end - what : (int)strlen(what);
	cmd = end ? end + 1 : "";
	end = strchr(cmd, '\n');
	clen = end ? end - cmd : (int)strlen(cmd);
	for (i = 0; i < ARRAY_SIZE(codes); i++) {
		const char *s = strerror(codes[i]);
		const char *hit = strstr(what, s);
		if (hit && hit < what + wlen) {
			code = codes[i];
			break;
		}
	}
	if (wlen == 0)
		return wirt_error_plain(err, EIO, "nft failed without a message");
	return wirt_error_plain(err, code, "%.*s (%.*s)", wlen, what, clen, cmd);
}

/* Runs 'cmds' as one transaction. With ret_out, nft's output (a listing) is returned
 * malloc'ed. */
/* One context for the process: creating one reads nft's files (rt_realms, rt_marks,
 * connlabel.conf, ...) each time, which was most of a vServer's network start. Its
 * buffers are read after every command, which also empties them for the next. */
static struct nft_ctx *nft_context(struct wirt_error *err)
{
	static struct nft_ctx *ctx;
	int r;

	if (ctx)
		return ctx;
	r = wirt_nft_load(err);
	if (r < 0)
		return NULL;
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		wirt_errorf(err, ENOMEM, "create nft context");
		return NULL;
	}
	/* protocols as numbers: the listing does not depend on /etc/protocols */
	nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_NUMERIC_PROTO);
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		nft_ctx_free(ctx);
		ctx = NULL;
		wirt_errorf(err, ENOMEM, "buffer nft output");
	}
	return ctx;
}

static int nft_run(const char *cmds, char **ret_out, struct wirt_error *err)
{
	struct nft_ctx *ctx = nft_context(err);
	const char *out, *errors;
	int rc;

	if (!ctx)
		return -(err->code ? err->code : EIO);
	rc = nft_run_cmd_from_buffer(ctx, cmds);
	/* both read each time: reading a buffer empties it */
	errors = nft_ctx_get_error_buffer(ctx);
	out = nft_ctx_get_output_buffer(ctx);
	if (rc != 0)
		return nft_error(errors, err);
	if (ret_out) {
		*ret_out = strdup(out ? out : "");
		if (!*ret_out)
			return wirt_errorf(err, ENOMEM, "copy nft output");
	}
	return 0;
}

/* A command text being written: open_memstream grows it as needed. */
struct script {
	FILE *f;
	char *buf;
	size_t len;
};

static int script_open(struct script *s, struct wirt_error *err)
{
	*s = (struct script){ 0 };
	s->f = open_memstream(&s->buf, &s->len);
	if (!s->f)
		return wirt_errorf(err, errno, "open nft command buffer");
	return 0;
}

static int script_close(struct script *s, struct wirt_error *err)
{
	bool bad = ferror(s->f);

	if (fclose(s->f) != 0 || bad) {
		s->f = NULL;
		return wirt_errorf(err, ENOMEM, "write nft command buffer");
	}
	s->f = NULL;
	return 0;
}

static void script_free(struct script *s)
{
	if (s->f)
		fclose(s->f);
	free(s->buf);
	*s = (struct script){ 0 };
}

/* Closes s, runs it unless it is empty, frees it. */
/* Commands that only change the tables go through here: run at once, or kept for
 * wirt_nft_batch_commit while a batch is open. */
static struct script batch;
static bool batch_open;

static int nft_write(const char *cmds, struct wirt_error *err)
{
	if (!batch_open)
		return nft_run(cmds, NULL, err);
	if (fputs(cmds, batch.f) == EOF)
		return wirt_errorf(err, ENOMEM, "add to nft batch");
	return 0;
}

int wirt_nft_batch_begin(struct wirt_error *err)
{
	int r;

	if (batch_open)
		return wirt_error_plain(err, EBUSY, "an nft batch is open already");
	r = script_open(&batch, err);
	if (r == 0)
		batch_open = true;
	return r;
}

int wirt_nft_batch_commit(struct wirt_error *err)
{
	int r;

	if (!batch_open)
		return wirt_error_plain(err, EINVAL, "no nft batch is open");
	batch_open = false;
	r = script_close(&batch, err);
	if (r == 0 && batch.len > 0)
		r = nft_run(batch.buf, NULL, err);
	script_free(&batch);
	return r;
}

void wirt_nft_batch_abort(void)
{
	struct wirt_error ignored;

	if (!batch_open)
		return;
	batch_open = false;
	(void)script_close(&batch, &ignored);
	script_free(&batch);
}

static int script_run(struct script *s, struct wirt_error *err)
{
	int r = script_close(s, err);

	if (r == 0 && s->len > 0)
		r = nft_write(s->buf, err);
	script_free(s);
	return r;
}

/* ---- reading nft's listing ---- */

/* One element as nft lists it: '"wv-a" . 10.0.0.1 comment "web1"' or
 * '6 . 8080 : 10.0.0.1 . 80'; quotes are taken off. */
struct elem {
	const char *key[2];
	int n_key;
	const char *data[2];
	int n_data;
	const char *comment;
};

typedef int (*elem_fn)(const struct elem *e, void *userdata);

/* The text between "elements = {" and its "}" in set or map 'set' of a one-table
 * listing; NULL (no elements) when the set has none. */
static const char *elements_find(const char *listing, const char *set, const char **ret_end)
{
	char head[64];
	const char *p, *end, *q;

	snprintf(head, sizeof(head), "\tset %s {\n", set);
	p = strstr(listing, head);
	if (!p) {
		snprintf(head, sizeof(head), "\tmap %s {\n", set);
		p = strstr(listing, head);
	}
	if (!p)
		return NULL;
	p += strlen(head);
	end = strstr(p, "\n\t}");
	q = strstr(p, "elements = {");
	if (!q || (end && q > end))
		return NULL;
	q += strlen("elements = {");
	/* '}' only ends the list outside quotes (comments are quoted) */
	for (end = q; *end && *end != '}'; end++)
		if (*end == '"' && !(end = strchr(end + 1, '"')))
			return NULL;
	if (!*end)
		return NULL;
	*ret_end = end;
	return q;
}

/* Splits one element's text (writable, NUL-ended) into e. */
static void elem_parse(char *s, struct elem *e)
{
	bool data = false, comment = false;
	char *tok;

	*e = (struct elem){ 0 };
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		tok = s;
		if (*s == '"') {
			tok = ++s;
			while (*s && *s != '"')
				s++;
		} else
			while (*s && !isspace((unsigned char)*s))
				s++;
		if (*s)
			*s++ = '\0';
		if (comment) {
			e->comment = tok;
			comment = false;
		} else if (!strcmp(tok, "."))
			continue;
		else if (!strcmp(tok, ":"))
			data = true;
		else if (!strcmp(tok, "comment"))
			comment = true;
		else if (!data && e->n_key < 2)
			e->key[e->n_key++] = tok;
		else if (data && e->n_data < 2)
			e->data[e->n_data++] = tok;
	}
}

/* Calls fn for each element of 'set' in a one-table listing; stops at fn's first
 * nonzero return and returns it. */
static int elems_each(const char *listing, const char *set, elem_fn fn, void *userdata)
{
	const char *begin, *end;
	char *copy, *p, *start;
	struct elem e;
	int r = 0;

	if (!listing)
		return 0;
	begin = elements_find(listing, set, &end);
	if (!begin)
		return 0;
	copy = strndup(begin, end - begin);
	if (!copy)
		return -ENOMEM;
	for (p = start = copy; r == 0; p++) {
		if (*p == '"') {
			while (*++p && *p != '"')
				;
			if (!*p)
				break;
			continue;
		}
		if (*p != ',' && *p != '\0')
			continue;
		bool last = *p == '\0';
		*p = '\0';
		elem_parse(start, &e);
		if (e.n_key > 0)
			r = fn(&e, userdata);
		if (last)
			break;
		start = p + 1;
	}
	free(copy);
	return r;
}

/* "list table <family> <table>" into *ret (malloc'ed); *ret = NULL and 0 when the
 * table does not exist. */
static int table_read(const char *family, char **ret, struct wirt_error *err)
{
	char cmd[96];
	int r;

	*ret = NULL;
	snprintf(cmd, sizeof(cmd), "list table %s %s", family, table);
	r = nft_run(cmd, ret, err);
	if (r == -ENOENT) {
		wirt_error_clear(err);
		return 0;
	}
	return r;
}

/* ---- tables ---- */

int wirt_nft_table_ensure(struct wirt_error *err)
{
	struct script s;
	int r;

	r = script_open(&s, err);
	if (r < 0)
		return r;
	fprintf(s.f, table_script, table, prefix);
	r = script_run(&s, err);
	if (r < 0)
		return wirt_error_prefix(err, "create nft table '%s'", table);
	return 0;
}

int wirt_nft_table_delete(struct wirt_error *err)
{
	char cmd[256];
	int r;

	/* "add" first, so "delete" has something to delete: the pair never fails on a
	 * missing table (nft 1.0.6 has no "destroy") */
	snprintf(cmd, sizeof(cmd),
		 "add table inet %1$s\ndelete table inet %1$s\n"
		 "add table bridge %1$s\ndelete table bridge %1$s\n", table);
	r = nft_run(cmd, NULL, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete nft table '%s'", table);
	return 0;
}

/* ---- vServers ---- */

/* The elements one address list makes: '"IF" . ADDR comment "NAME", ...' for one
 * family, into the set of 'family' (both tables name them alike). */
static void write_addrs(FILE *f, const char *family, const char *iface, const char *name,
			char (*addrs)[INET6_ADDRSTRLEN], const int *families, size_t n, int af)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (families[i] != af)
			continue;
		if (!*sep)
			fprintf(f, "add element %s %s %s {", family, table,
				af == AF_INET ? "v4_owned" : "v6_owned");
		fprintf(f, "%s \"%s\" . %s comment \"%s\"", sep, iface, addrs[i], name);
		sep = ",";
	}
	if (*sep)
		fprintf(f, " }\n");
}

int wirt_nft_vserver_add(const struct wirt_nft_vserver *v, struct wirt_error *err)
{
	char addrs[WIRT_NFT_ADDRS_MAX][INET6_ADDRSTRLEN];
	int families[WIRT_NFT_ADDRS_MAX];
	char mac[WIRT_NFT_MAC_LEN + 1];
	struct script s;
	size_t i;
	int r;

	r = wirt_name_validate("vServer", v->name, err);
	if (r < 0)
		return r;
	r = wirt_nft_iface_validate(v->iface, true, err);
	if (r < 0)
		return wirt_error_prefix(err, "add vServer '%s' to nft", v->name);
	if (v->n_addrs > WIRT_NFT_ADDRS_MAX)
		return wirt_error_invalid(err, "add vServer '%s' to nft: %zu addresses, at most %d",
					  v->name, v->n_addrs, WIRT_NFT_ADDRS_MAX);
	for (i = 0; i < v->n_addrs; i++) {
		r = wirt_nft_addr_parse(v->addrs[i], addrs[i], &families[i], err);
		if (r < 0)
			return wirt_error_prefix(err, "add vServer '%s' to nft: addrs[%zu]", v->name,
						 i);
	}
	if (v->mac) {
		r = mac_parse(v->mac, mac, err);
		if (r < 0)
			return wirt_error_prefix(err, "add vServer '%s' to nft", v->name);
	}

	r = script_open(&s, err);
	if (r < 0)
		return r;
	fprintf(s.f, "add element inet %s ifaces { \"%s\" comment \"%s\" }\n", table, v->iface,
		v->name);
	if (v->isolated)
		fprintf(s.f, "add element inet %s isolated { \"%s\" }\n", table, v->iface);
	write_addrs(s.f, "inet", v->iface, v->name, addrs, families, v->n_addrs, AF_INET);
	write_addrs(s.f, "inet", v->iface, v->name, addrs, families, v->n_addrs, AF_INET6);
	if (v->mac) {
		fprintf(s.f, "add element bridge %s mac_owned { \"%s\" . %s comment \"%s\" }\n",
			table, v->iface, mac, v->name);
		if (v->isolated)
			fprintf(s.f, "add element bridge %s isolated { \"%s\" }\n", table,
				v->iface);
		write_addrs(s.f, "bridge", v->iface, v->name, addrs, families, v->n_addrs,
			    AF_INET);
		write_addrs(s.f, "bridge", v->iface, v->name, addrs, families, v->n_addrs,
			    AF_INET6);
	}
	r = script_run(&s, err);
	if (r < 0)
		return wirt_error_prefix(err, "add vServer '%s' to nft table '%s'", v->name, table);
	return 0;
}

/* "add element ... { KEY comment ... }" then "delete element ... { KEY }": removes an
 * element whether or not it is there, in the same transaction as the rest. */
static void forget_elem(FILE *f, const char *family, const char *set, const char *key,
			const char *name)
{
	fprintf(f, "add element %1$s %2$s %3$s { %4$s comment \"%5$s\" }\n"
		   "delete element %1$s %2$s %3$s { %4$s }\n",
		family, table, set, key, name);
}

int wirt_nft_vserver_forget(const struct wirt_nft_vserver *v, struct wirt_error *err)
{
	char addr[INET6_ADDRSTRLEN], mac[WIRT_NFT_MAC_LEN + 1], key[96];
	struct script s;
	int r, af;

	r = wirt_name_validate("vServer", v->name, err);
	if (r == 0)
		r = wirt_nft_iface_validate(v->iface, true, err);
	if (r == 0 && v->mac)
		r = mac_parse(v->mac, mac, err);
	if (r == 0 && v->n_addrs > WIRT_NFT_ADDRS_MAX)
		r = wirt_error_invalid(err, "%zu addresses, at most %d", v->n_addrs,
				       WIRT_NFT_ADDRS_MAX);
	if (r < 0)
		return wirt_error_prefix(err, "delete vServer '%s' from nft", v->name);
	r = script_open(&s, err);
	if (r < 0)
		return r;
	snprintf(key, sizeof(key), "\"%s\"", v->iface);
	forget_elem(s.f, "inet", "ifaces", key, v->name);
	forget_elem(s.f, "inet", "isolated", key, v->name);
	forget_elem(s.f, "bridge", "isolated", key, v->name);
	if (v->mac) {
		snprintf(key, sizeof(key), "\"%s\" . %s", v->iface, mac);
		forget_elem(s.f, "bridge", "mac_owned", key, v->name);
	}
	for (size_t i = 0; i < v->n_addrs; i++) {
		r = wirt_nft_addr_parse(v->addrs[i], addr, &af, err);
		if (r < 0) {
			script_free(&s);
			return wirt_error_prefix(err, "delete vServer '%s' from nft", v->name);
		}
		snprintf(key, sizeof(key), "\"%s\" . %s", v->iface, addr);
		forget_elem(s.f, "inet", af == AF_INET ? "v4_owned" : "v6_owned", key, v->name);
		if (v->mac)
			forget_elem(s.f, "bridge", af == AF_INET ? "v4_owned" : "v6_owned", key,
				    v->name);
	}
	r = script_run(&s, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete vServer '%s' from nft table '%s'", v->name,
					 table);
	return 0;
}

/* What a delete collects from the listing; every value is re-parsed before it goes
 * back into a command. */
struct del_ctx {
	FILE *f;
	const char *family;
	const char *set;
	const char *iface;
	char (*addrs)[INET6_ADDRSTRLEN]; /* the vServer's, for its port forwards */
	size_t n_addrs, max_addrs;
};

static int del_iface_elem(const struct elem *e, void *userdata)
{
	struct del_ctx *c = userdata;
	char buf[INET6_ADDRSTRLEN], mac[WIRT_NFT_MAC_LEN + 1];
	unsigned char bin[16];
	struct wirt_error ignored;
	int af;

	if (strcmp(e->key[0], c->iface) != 0)
		return 0;
	if (e->n_key == 1) {
		fprintf(c->f, "delete element %s %s %s { \"%s\" }\n", c->family, table, c->set,
			c->iface);
		return 0;
	}
	if (!strcmp(c->set, "mac_owned")) {
		if (mac_parse(e->key[1], mac, &ignored) == 0)
			fprintf(c->f, "delete element %s %s %s { \"%s\" . %s }\n", c->family, table,
				c->set, c->iface, mac);
		return 0;
	}
	af = strchr(e->key[1], ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, e->key[1], bin) != 1)
		return 0;
	inet_ntop(af, bin, buf, sizeof(buf));
	fprintf(c->f, "delete element %s %s %s { \"%s\" . %s }\n", c->family, table, c->set,
		c->iface, buf);
	if (c->addrs && c->n_addrs < c->max_addrs)
		snprintf(c->addrs[c->n_addrs++], INET6_ADDRSTRLEN, "%s", buf);
	return 0;
}

/* A port forward element's parts, checked: 0 or -EINVAL for one nft did not write. */
static int fwd_parse(const struct elem *e, struct wirt_nft_port *ret)
{
	unsigned char bin[16];
	unsigned long proto, hport, gport;
	char *end;
	int af;

	if (e->n_key != 2 || e->n_data != 2)
		return -EINVAL;
	proto = strtoul(e->key[0], &end, 10);
	if (*end || !proto_name(proto))
		return -EINVAL;
	hport = strtoul(e->key[1], &end, 10);
	if (*end || hport == 0 || hport > 65535)
		return -EINVAL;
	gport = strtoul(e->data[1], &end, 10);
	if (*end || gport == 0 || gport > 65535)
		return -EINVAL;
	af = strchr(e->data[0], ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, e->data[0], bin) != 1)
		return -EINVAL;
	ret->proto = proto;
	ret->host_port = hport;
	inet_ntop(af, bin, ret->guest_addr, sizeof(ret->guest_addr));
	ret->guest_port = gport;
	return 0;
}

static int del_fwd_elem(const struct elem *e, void *userdata)
{
	struct del_ctx *c = userdata;
	struct wirt_nft_port p;
	size_t i;

	if (fwd_parse(e, &p) < 0)
		return 0;
	for (i = 0; i < c->n_addrs; i++)
		if (!strcmp(c->addrs[i], p.guest_addr)) {
			fprintf(c->f, "delete element inet %s %s { %s . %u }\n", table, c->set,
				proto_name(p.proto), p.host_port);
			break;
		}
	return 0;
}

int wirt_nft_vserver_del(const char *name, const char *iface, struct wirt_error *err)
{
	static const char *const inet_sets[] = { "ifaces", "isolated", "v4_owned", "v6_owned" };
	static const char *const bridge_sets[] = { "isolated", "mac_owned", "v4_owned",
						   "v6_owned" };
	char addrs[2 * WIRT_NFT_ADDRS_MAX][INET6_ADDRSTRLEN];
	_cleanup_free_ char *inet = NULL, *bridge = NULL;
	struct del_ctx c = { .iface = iface, .addrs = addrs, .max_addrs = ARRAY_SIZE(addrs) };
	struct script s;
	size_t i;
	int r;

	if (!name)
		name = iface;
	r = wirt_nft_iface_validate(iface, true, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete vServer '%s' from nft", name);
	r = table_read("inet", &inet, err);
	if (r == 0)
		r = table_read("bridge", &bridge, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete vServer '%s' from nft table '%s'", name,
					 table);
	r = script_open(&s, err);
	if (r < 0)
		return r;
	c.f = s.f;
	/* the inet sets first: they give the addresses its port forwards go to */
	c.family = "inet";
	for (i = 0; i < ARRAY_SIZE(inet_sets) && r == 0; i++) {
		c.set = inet_sets[i];
		r = elems_each(inet, c.set, del_iface_elem, &c);
	}
	for (i = 0; i < 2 && r == 0; i++) {
		c.set = i == 0 ? "fwd_v4" : "fwd_v6";
		r = elems_each(inet, c.set, del_fwd_elem, &c);
	}
	c.family = "bridge";
	c.addrs = NULL;
	for (i = 0; i < ARRAY_SIZE(bridge_sets) && r == 0; i++) {
		c.set = bridge_sets[i];
		r = elems_each(bridge, c.set, del_iface_elem, &c);
	}
	if (r < 0) {
		script_free(&s);
		return wirt_errorf(err, -r, "delete vServer '%s' from nft table '%s'", name, table);
	}
	r = script_run(&s, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete vServer '%s' from nft table '%s'", name,
					 table);
	return 0;
}

int wirt_nft_vserver_addr(const char *name, const char *iface, const char *addr, bool add,
			  bool bridged, struct wirt_error *err)
{
	char a[INET6_ADDRSTRLEN], cmd[1024];
	const char *set;
	int r, af, n = 0;

	r = wirt_name_validate("vServer", name, err);
	if (r == 0)
		r = wirt_nft_iface_validate(iface, true, err);
	if (r == 0)
		r = wirt_nft_addr_parse(addr, a, &af, err);
	if (r < 0)
		return r;
	set = af == AF_INET ? "v4_owned" : "v6_owned";
	for (int b = 0; b <= (int)bridged; b++) {
		const char *family = b ? "bridge" : "inet";

		/* a delete adds first, so it never fails on an element that is not there */
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n,
			      "add element %1$s %2$s %3$s { \"%4$s\" . %5$s comment \"%6$s\" }\n",
			      family, table, set, iface, a, name);
		if (!add)
			n += snprintf(cmd + n, sizeof(cmd) - (size_t)n,
				      "delete element %1$s %2$s %3$s { \"%4$s\" . %5$s }\n", family,
				      table, set, iface, a);
	}
	r = nft_run(cmd, NULL, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s address %s of '%s' in nft table '%s'",
					 add ? "add" : "delete", a, name, table);
	return 0;
}

static int count_elem(const struct elem *e, void *userdata)
{
	(*(size_t *)userdata)++;
	return 0;
}

int wirt_nft_iface_count(size_t *ret, struct wirt_error *err)
{
	_cleanup_free_ char *listing = NULL;
	int r;

	char cmd[96];

	*ret = 0;
	/* the one set, not the table: its listing is a name per vServer */
	snprintf(cmd, sizeof(cmd), "list set inet %s ifaces", table);
	r = nft_run(cmd, &listing, err);
	if (r == -ENOENT) {
		wirt_error_clear(err);
		return 0;
	}
	if (r < 0)
		return r;
	return elems_each(listing, "ifaces", count_elem, ret);
}

int wirt_nft_vserver_isolate(const char *iface, bool isolated, struct wirt_error *err)
{
	char cmd[512];
	int r;

	r = wirt_nft_iface_validate(iface, true, err);
	if (r < 0)
		return r;
	/* off: "add" then "delete", so the delete never fails on an absent element */
	if (isolated)
		snprintf(cmd, sizeof(cmd),
			 "add element inet %1$s isolated { \"%2$s\" }\n"
			 "add element bridge %1$s isolated { \"%2$s\" }\n",
			 table, iface);
	else
		snprintf(cmd, sizeof(cmd),
			 "add element inet %1$s isolated { \"%2$s\" }\n"
			 "delete element inet %1$s isolated { \"%2$s\" }\n"
			 "add element bridge %1$s isolated { \"%2$s\" }\n"
			 "delete element bridge %1$s isolated { \"%2$s\" }\n",
			 table, iface);
	r = nft_run(cmd, NULL, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s '%s' in nft table '%s'",
					 isolated ? "isolate" : "unisolate", iface, table);
	return 0;
}

struct list_ctx {
	const char *iface;
	struct wirt_nft_vserver_info *info;
	bool found;
	bool too_many;
};

static int list_iface_elem(const struct elem *e, void *userdata)
{
	struct list_ctx *c = userdata;

	if (!strcmp(e->key[0], c->iface)) {
		c->found = true;
		if (e->comment)
			snprintf(c->info->name, sizeof(c->info->name), "%s", e->comment);
	}
	return 0;
}

static int list_isolated_elem(const struct elem *e, void *userdata)
{
	struct list_ctx *c = userdata;

	if (!strcmp(e->key[0], c->iface))
		c->info->isolated = true;
	return 0;
}

static int list_addr_elem(const struct elem *e, void *userdata)
{
	struct list_ctx *c = userdata;
	struct wirt_nft_vserver_info *info = c->info;

	if (e->n_key != 2 || strcmp(e->key[0], c->iface) != 0)
		return 0;
	c->found = true;
	if (info->n_addrs == WIRT_NFT_ADDRS_MAX) {
		c->too_many = true;
		return 0;
	}
	snprintf(info->addrs[info->n_addrs++], INET6_ADDRSTRLEN, "%s", e->key[1]);
	return 0;
}

static int list_mac_elem(const struct elem *e, void *userdata)
{
	struct list_ctx *c = userdata;

	if (e->n_key != 2 || strcmp(e->key[0], c->iface) != 0)
		return 0;
	c->found = true;
	c->info->bridged = true;
	snprintf(c->info->mac, sizeof(c->info->mac), "%s", e->key[1]);
	return 0;
}

int wirt_nft_vserver_list(const char *iface, struct wirt_nft_vserver_info *ret,
			  struct wirt_error *err)
{
	_cleanup_free_ char *inet = NULL, *bridge = NULL;
	struct list_ctx c = { .iface = iface, .info = ret };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = wirt_nft_iface_validate(iface, true, err);
	if (r < 0)
		return r;
	r = table_read("inet", &inet, err);
	if (r == 0)
		r = table_read("bridge", &bridge, err);
	if (r < 0)
		return wirt_error_prefix(err, "list '%s' in nft table '%s'", iface, table);
	r = elems_each(inet, "ifaces", list_iface_elem, &c);
	if (r == 0)
		r = elems_each(inet, "isolated", list_isolated_elem, &c);
	if (r == 0)
		r = elems_each(inet, "v4_owned", list_addr_elem, &c);
	if (r == 0)
		r = elems_each(inet, "v6_owned", list_addr_elem, &c);
	if (r == 0)
		r = elems_each(bridge, "mac_owned", list_mac_elem, &c);
	if (r < 0)
		return wirt_errorf(err, -r, "list '%s' in nft table '%s'", iface, table);
	if (!c.found)
		return wirt_error_plain(err, ENOENT, "list '%s' in nft table '%s': not there",
					iface, table);
	if (c.too_many)
		return wirt_error_plain(err, E2BIG, "list '%s' in nft table '%s': more than %d "
					"addresses", iface, table, WIRT_NFT_ADDRS_MAX);
	return 0;
}

/* ---- port forwards ---- */

/* One forward validated: its name for messages ("tcp 8080"), the guest address in
 * canonical form and the map of its family. */
static int fwd_format(int proto, uint16_t host_port, const char *guest_addr,
		      uint16_t guest_port, char *key, size_t key_size, char *addr,
		      const char **ret_map, struct wirt_error *err)
{
	int af, r;

	if (!proto_name(proto))
		return wirt_error_invalid(err, "invalid protocol %d: tcp or udp", proto);
	if (host_port == 0 || guest_port == 0)
		return wirt_error_invalid(err, "invalid port 0");
	r = wirt_nft_addr_parse(guest_addr, addr, &af, err);
	if (r < 0)
		return r;
	snprintf(key, key_size, "%s %u", proto_name(proto), host_port);
	*ret_map = af == AF_INET ? "fwd_v4" : "fwd_v6";
	return 0;
}

int wirt_nft_port_add(int proto, uint16_t host_port, const char *guest_addr,
		      uint16_t guest_port, struct wirt_error *err)
{
	char key[32], addr[INET6_ADDRSTRLEN], cmd[256];
	const char *map;
	int r;

	r = fwd_format(proto, host_port, guest_addr, guest_port, key, sizeof(key), addr, &map,
		       err);
	if (r < 0)
		return wirt_error_prefix(err, "add port forward");
	snprintf(cmd, sizeof(cmd), "add element inet %s %s { %s . %u : %s . %u }\n", table, map,
		 proto_name(proto), host_port, addr, guest_port);
	r = nft_run(cmd, NULL, err);
	if (r < 0)
		return wirt_error_prefix(err, "add port forward '%s' to '%s' port %u", key, addr,
					 guest_port);
	return 0;
}

struct get_ctx {
	struct wirt_nft_port port;
	bool found;
};

static int get_fwd_elem(const struct elem *e, void *userdata)
{
	struct get_ctx *c = userdata;

	c->found = fwd_parse(e, &c->port) == 0;
	return 1;
}

int wirt_nft_port_del(int proto, uint16_t host_port, const char *guest_addr,
		      uint16_t guest_port, struct wirt_error *err)
{
	char key[32], addr[INET6_ADDRSTRLEN], cmd[256];
	_cleanup_free_ char *out = NULL;
	struct get_ctx c = { 0 };
	const char *map;
	int r;

	r = fwd_format(proto, host_port, guest_addr, guest_port, key, sizeof(key), addr, &map,
		       err);
	if (r < 0)
		return wirt_error_prefix(err, "delete port forward");
	/* a lookup in the kernel's map, not a listing: checks that the port goes where
	 * the caller thinks, so one vServer cannot take down another's forward */
	snprintf(cmd, sizeof(cmd), "get element inet %s %s { %s . %u }\n", table, map,
		 proto_name(proto), host_port);
	r = nft_run(cmd, &out, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete port forward '%s'", key);
	r = elems_each(out, map, get_fwd_elem, &c);
	if (r < 0)
		return wirt_errorf(err, -r, "delete port forward '%s'", key);
	if (!c.found)
		return wirt_error_plain(err, ENOENT, "delete port forward '%s': not in nft's answer",
					key);
	if (strcmp(c.port.guest_addr, addr) != 0 || c.port.guest_port != guest_port)
		return wirt_error_plain(err, EBUSY, "delete port forward '%s': it goes to '%s' "
					"port %u, not '%s' port %u", key, c.port.guest_addr,
					c.port.guest_port, addr, guest_port);
	snprintf(cmd, sizeof(cmd), "delete element inet %s %s { %s . %u }\n", table, map,
		 proto_name(proto), host_port);
	r = nft_run(cmd, NULL, err);
	if (r < 0)
		return wirt_error_prefix(err, "delete port forward '%s'", key);
	return 0;
}

struct port_list_ctx {
	struct wirt_nft_port *ports;
	size_t n, cap;
};

static int port_list_elem(const struct elem *e, void *userdata)
{
	struct port_list_ctx *c = userdata;
	struct wirt_nft_port p;

	if (fwd_parse(e, &p) < 0)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		struct wirt_nft_port *n = realloc(c->ports, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		c->ports = n;
		c->cap = cap;
	}
	c->ports[c->n++] = p;
	return 0;
}

int wirt_nft_port_list(struct wirt_nft_port **ret, size_t *ret_n, struct wirt_error *err)
{
	_cleanup_free_ char *inet = NULL;
	struct port_list_ctx c = { 0 };
	int r;

	*ret = NULL;
	*ret_n = 0;
	r = table_read("inet", &inet, err);
	if (r < 0)
		return wirt_error_prefix(err, "list port forwards in nft table '%s'", table);
	r = elems_each(inet, "fwd_v4", port_list_elem, &c);
	if (r == 0)
		r = elems_each(inet, "fwd_v6", port_list_elem, &c);
	if (r < 0) {
		free(c.ports);
		return wirt_errorf(err, -r, "list port forwards in nft table '%s'", table);
	}
	*ret = c.ports;
	*ret_n = c.n;
	return 0;
}

/* ---- outbound NAT ---- */

static int masquerade(const char *verb, const char *prefix, const char *uplink,
		      struct wirt_error *err)
{
	char p[INET6_ADDRSTRLEN + 4], cmd[256];
	int af = AF_INET, r;

	r = prefix_parse(prefix, p, sizeof(p), &af, err);
	if (r == 0)
		r = wirt_nft_iface_validate(uplink, false, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s masquerade", verb);
	snprintf(cmd, sizeof(cmd), "%s element inet %s %s { %s . \"%s\" }\n", verb, table,
		 af == AF_INET ? "masq_v4" : "masq_v6", p, uplink);
	r = nft_write(cmd, err);
	if (r < 0)
		return wirt_error_prefix(err, "%s masquerade '%s' out of '%s'", verb, p, uplink);
	return 0;
}

int wirt_nft_masquerade_add(const char *prefix, const char *uplink, struct wirt_error *err)
{
	return masquerade("add", prefix, uplink, err);
}

int wirt_nft_masquerade_del(const char *prefix, const char *uplink, struct wirt_error *err)
{
	return masquerade("delete", prefix, uplink, err);
}
