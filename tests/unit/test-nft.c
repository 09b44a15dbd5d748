/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of nft.c. Values are refused before anything reaches nft (no root
 * needed); then, as root, in a network namespace this test creates (so the host's
 * ruleset is never touched): the table's elements after adds and deletes, port
 * forwards, and real packets between guest namespaces behind veths, routed and bridged,
 * each check first shown to pass without the rules. Last, the cost of adding the 1st
 * and the 200th vServer. Every namespace dies with the test's processes: nothing stays.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "nft-dl.h"
#include "nft.h"
#include "util.h"

#define EXIT_SKIP 77

static char table[32];

/* ---- values refused before nft sees them ---- */

static void test_refused(void)
{
	const char *good[] = { "10.0.0.1" };
	struct wirt_nft_vserver v = { .name = "web1", .iface = "wv-web1", .addrs = good,
				      .n_addrs = 1 };
	static const char *const bad_names[] = {
		"web1\" } ; flush ruleset ; add table ip pwn { \"", "a b", "", "-x",
	};
	static const char *const bad_ifaces[] = {
		"wv-a\" } ; flush ruleset", "eth0", "wv-", "wv-*", "wv-a b", "wv-0123456789abc",
	};
	static const char *const bad_addrs[] = {
		"10.0.0.1/24", "10.0.0.1 } ; flush ruleset", "127.0.0.1", "0.0.0.0", "224.0.0.1",
		"::1", "::", "::ffff:10.0.0.1", "fe80::1", "ff02::1", "10.0.0.256", "web1",
	};
	static const char *const bad_macs[] = {
		"02:00:00:00:00:0g", "03:00:00:00:00:01", "00:00:00:00:00:00", "2:0:0:0:0:1",
		"02:00:00:00:00:01 } ; flush ruleset",
	};
	struct wirt_error err;
	char buf[INET6_ADDRSTRLEN];
	const char *a[1];
	size_t i;
	int af;

	for (i = 0; i < ARRAY_SIZE(bad_names); i++) {
		struct wirt_nft_vserver b = v;
		b.name = bad_names[i];
		CHECK_CONTEXT(bad_names[i]);
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&b, &err));
	}
	for (i = 0; i < ARRAY_SIZE(bad_ifaces); i++) {
		struct wirt_nft_vserver b = v;
		b.iface = bad_ifaces[i];
		CHECK_CONTEXT(bad_ifaces[i]);
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&b, &err));
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_del("web1", bad_ifaces[i], &err));
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_isolate(bad_ifaces[i], true, &err));
	}
	for (i = 0; i < ARRAY_SIZE(bad_addrs); i++) {
		struct wirt_nft_vserver b = v;
		a[0] = bad_addrs[i];
		b.addrs = a;
		CHECK_CONTEXT(bad_addrs[i]);
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&b, &err));
		CHECK_CONTAINS(err.msg, "addrs[0]");
		CHECK_EQ_INT(-EINVAL, wirt_nft_port_add(IPPROTO_TCP, 80, bad_addrs[i], 80, &err));
	}
	for (i = 0; i < ARRAY_SIZE(bad_macs); i++) {
		struct wirt_nft_vserver b = v;
		b.mac = bad_macs[i];
		CHECK_CONTEXT(bad_macs[i]);
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&b, &err));
	}
	CHECK_CONTEXT("other values");
	CHECK_EQ_INT(-EINVAL, wirt_nft_port_add(IPPROTO_ICMP, 80, "10.0.0.1", 80, &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_port_add(IPPROTO_TCP, 0, "10.0.0.1", 80, &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_masquerade_add("10.0.0.1/24", "eth0", &err));
	CHECK_CONTAINS(err.msg, "host bits");
	CHECK_EQ_INT(-EINVAL, wirt_nft_masquerade_add("10.0.0.0/33", "eth0", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_masquerade_add("10.0.0.0", "eth0", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_masquerade_add("10.0.0.0/8", "eth0\" ; flush", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_table_use("wirt; flush ruleset", "wv-", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_table_use("", "wv-", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_table_use("0wirt", "wv-", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_table_use("wirt", "w\"*", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_table_use("wirt", "", &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_table_use("wirt", "wv-toolong", &err));
	CHECK_EQ_STR(*table ? table : "wirt", wirt_nft_table_name());
	CHECK_EQ_INT(0, wirt_nft_addr_parse("2001:DB8:0::1", buf, &af, &err));
	CHECK_EQ_STR("2001:db8::1", buf);
	CHECK_EQ_INT(AF_INET6, af);
	{
		const char *many[WIRT_NFT_ADDRS_MAX + 1];
		struct wirt_nft_vserver b = v;
		for (i = 0; i < ARRAY_SIZE(many); i++)
			many[i] = "10.0.0.1";
		b.addrs = many;
		b.n_addrs = ARRAY_SIZE(many);
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&b, &err));
	}
	CHECK_CONTEXT(NULL);
}

/* ---- helpers: commands, namespaces, packets ---- */

static int host_ns = -1; /* the test's own network namespace */

/* Runs a command line (words split at spaces) in the network namespace of 'ns'
 * (0: the test's own); prints it with its status when that is not 0. */
static int run(pid_t ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int run(pid_t ns, const char *fmt, ...)
{
	char line[512], *argv[32], *save = NULL, *w;
	va_list ap;
	int n = 0, status;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pid = fork();
	if (pid == 0) {
		char p[64];
		int fd;
		if (ns) {
			snprintf(p, sizeof(p), "/proc/%d/ns/net", ns);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
				_exit(126);
		}
		fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			dup2(fd, STDOUT_FILENO);
		for (w = strtok_r(line, " ", &save); w && n < 31; w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
		argv[n] = NULL;
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	n = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (n != 0)
		fprintf(stderr, "test-nft: [ns %d] %s: status %d\n", ns, line, n);
	return n;
}

/* A process that only holds a new network namespace; killed with the test. */
static pid_t netns_new(void)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		c = 1;
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		return -1;
	}
	close(p[0]);
	return pid;
}

/* Switches this (single-threaded) process into the namespace of 'ns', 0 back home. */
static void enter(pid_t ns)
{
	char p[64];
	int fd;

	if (!ns) {
		if (setns(host_ns, CLONE_NEWNET) < 0)
			abort();
		return;
	}
	snprintf(p, sizeof(p), "/proc/%d/ns/net", ns);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET) < 0)
		abort();
	close(fd);
}

/* Writes a sysctl of the namespace of 'ns' (/proc/sys/net follows the opener's). */
static void sysctl_set(pid_t ns, const char *name, const char *value)
{
	char p[256];
	int fd;

	enter(ns);
	snprintf(p, sizeof(p), "/proc/sys/net/%s", name);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		fprintf(stderr, "test-nft: write '%s': %s\n", p, strerror(errno));
	if (fd >= 0)
		close(fd);
	enter(0);
}

static socklen_t sockaddr_fill(const char *addr, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	abort();
}

/* A UDP socket in namespace 'ns' bound to addr:port. */
static int udp_listen(pid_t ns, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_fill(addr, port, &ss);
	int one = 1, fd;

	enter(ns);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "test-nft: bind '%s' port %u: %s\n", addr, port, strerror(errno));
		abort();
	}
	enter(0);
	return fd;
}

/* Each datagram from a new source port: conntrack keeps a flow's NAT decision, and a
 * reused port would inherit the one made before a rule changed. */
static uint16_t next_port = 20000;

/* Sends 'msg' from src (NULL: the kernel's choice) in namespace 'ns' to dst:port. */
static int udp_send(pid_t ns, const char *src, const char *dst, uint16_t port, const char *msg)
{
	struct sockaddr_storage to, from;
	socklen_t tolen = sockaddr_fill(dst, port, &to);
	int fd, r = 0;

	enter(ns);
	fd = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* transparent: a source the guest does not even have, as a raw socket could send */
	if (to.ss_family == AF_INET)
		setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &(int){ 1 }, sizeof(int));
	else
		setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &(int){ 1 }, sizeof(int));
	if (src) {
		socklen_t flen = sockaddr_fill(src, next_port++, &from);
		if (bind(fd, (struct sockaddr *)&from, flen) < 0)
			r = -errno;
	}
	if (r == 0 && sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, tolen) < 0)
		r = -errno;
	close(fd);
	enter(0);
	if (r < 0)
		fprintf(stderr, "test-nft: send from '%s' to '%s': %s\n", src ? src : "(any)", dst,
			strerror(-r));
	return r;
}

/* Waits up to ms for a datagram carrying msg on fd; the sender's address into from. */
static bool udp_wait(int fd, const char *msg, int ms, char *from)
{
	struct sockaddr_storage ss;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[128];
	ssize_t n;

	while (poll(&p, 1, ms) == 1) {
		socklen_t len = sizeof(ss);
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&ss, &len);
		if (n < 0)
			continue;
		buf[n] = '\0';
		if (strcmp(buf, msg) != 0)
			continue; /* a late one from an earlier check */
		if (from && ss.ss_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, from, 64);
		else if (from)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, from, 64);
		return true;
	}
	return false;
}

/* Does a datagram from src in ns reach fd at dst:port? A few tries when it should
 * (the first may wait for ARP/ND), one when it should not. */
static bool reaches(bool expect, pid_t ns, const char *src, const char *dst, uint16_t port,
		    int fd, char *from)
{
	static int seq;
	char msg[32];
	int i;

	for (i = 0; i < (expect ? 4 : 1); i++) {
		snprintf(msg, sizeof(msg), "check-%d", ++seq);
		if (udp_send(ns, src, dst, port, msg) < 0)
			return false;
		if (udp_wait(fd, msg, expect ? 400 : 300, from))
			return true;
	}
	return false;
}

static char reach_context[160];

#define CHECK_REACH(expect, ns, src, dst, port, fd)                                                \
	do {                                                                                       \
		const char *_src = (src);                                                          \
		snprintf(reach_context, sizeof(reach_context), "%s from %s to %s port %d", #ns,    \
			 _src ? _src : "(any)", dst, port);                                        \
		CHECK_CONTEXT(reach_context);                                                      \
		CHECK_EQ_INT(expect, reaches(expect, ns, _src, dst, port, fd, NULL));              \
	} while (0)

/* The command's whole output, in a static buffer. */
static const char *output_of(const char *cmd)
{
	static char buf[65536];
	size_t n;
	FILE *f = popen(cmd, "r");

	buf[0] = '\0';
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	pclose(f);
	return buf;
}

static int count(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = haystack; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* ---- the table: elements after adds and deletes ---- */

static void test_table(void)
{
	const char *a1[] = { "10.0.0.1", "2001:db8::1" };
	const char *a2[] = { "10.0.0.2", "10.0.0.3", "2001:DB8::2" };
	struct wirt_nft_vserver v1 = { .name = "web1", .iface = "wv-web1", .addrs = a1,
				       .n_addrs = 2, .isolated = true };
	struct wirt_nft_vserver v2 = { .name = "web2", .iface = "wv-web2", .addrs = a2,
				       .n_addrs = 3, .mac = "02:00:00:00:00:02" };
	struct wirt_nft_vserver_info info;
	struct wirt_nft_port *ports;
	struct wirt_error err = { 0 };
	char cmd[256], before[65536];
	const char *out;
	size_t n;

	CHECK_CONTEXT("table");
	/* the table must be there first */
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_add(&v1, &err));
	CHECK_CONTAINS(err.msg, "No such file or directory");
	CHECK_EQ_INT(0, wirt_nft_vserver_del("web1", "wv-web1", &err));
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_list("wv-web1", &info, &err));

	CHECK_EQ_INT(0, wirt_nft_table_ensure(&err));
	CHECK_EQ_INT(0, wirt_nft_table_ensure(&err));
	snprintf(cmd, sizeof(cmd), "nft list table inet %s", table);
	out = output_of(cmd);
	CHECK_EQ_INT(1, count(out, "jump from_vserver")); /* ensure twice: rules not doubled */
	CHECK_EQ_INT(5, count(out, "hook "));
	snprintf(cmd, sizeof(cmd), "nft list table bridge %s", table);
	CHECK_EQ_INT(1, count(output_of(cmd), "jump from_vserver"));

	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v1, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v2, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v2, &err)); /* again: no change, no error */

	snprintf(cmd, sizeof(cmd), "nft list set inet %s v4_owned", table);
	out = output_of(cmd);
	CHECK_CONTAINS(out, "\"wv-web1\" . 10.0.0.1 comment \"web1\"");
	CHECK_CONTAINS(out, "\"wv-web2\" . 10.0.0.2 comment \"web2\"");
	CHECK_CONTAINS(out, "\"wv-web2\" . 10.0.0.3 comment \"web2\"");
	snprintf(cmd, sizeof(cmd), "nft list set inet %s v6_owned", table);
	CHECK_CONTAINS(output_of(cmd), "\"wv-web2\" . 2001:db8::2 comment \"web2\"");
	snprintf(cmd, sizeof(cmd), "nft list set bridge %s mac_owned", table);
	CHECK_CONTAINS(output_of(cmd), "\"wv-web2\" . 02:00:00:00:00:02");
	snprintf(cmd, sizeof(cmd), "nft list set inet %s isolated", table);
	out = output_of(cmd);
	CHECK_CONTAINS(out, "\"wv-web1\"");
	CHECK_EQ_INT(0, count(out, "wv-web2"));

	CHECK_EQ_INT(0, wirt_nft_vserver_list("wv-web1", &info, &err));
	CHECK_EQ_STR("web1", info.name);
	CHECK_EQ_INT(1, info.isolated);
	CHECK_EQ_INT(0, info.bridged);
	CHECK_EQ_INT(2, info.n_addrs);
	CHECK_EQ_STR("10.0.0.1", info.addrs[0]);
	CHECK_EQ_STR("2001:db8::1", info.addrs[1]);
	CHECK_EQ_INT(0, wirt_nft_vserver_list("wv-web2", &info, &err));
	CHECK_EQ_INT(0, info.isolated);
	CHECK_EQ_INT(1, info.bridged);
	CHECK_EQ_STR("02:00:00:00:00:02", info.mac);
	CHECK_EQ_INT(3, info.n_addrs);

	/* an injection attempt is refused and the table does not change */
	snprintf(cmd, sizeof(cmd), "nft list ruleset");
	snprintf(before, sizeof(before), "%s", output_of(cmd));
	{
		struct wirt_nft_vserver bad = v1;
		bad.name = "x\" } ; flush ruleset ; add table ip pwn { \"";
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&bad, &err));
		bad = v1;
		bad.iface = "wv-x\" } ; delete table inet wirt";
		CHECK_EQ_INT(-EINVAL, wirt_nft_vserver_add(&bad, &err));
	}
	CHECK_EQ_STR(before, output_of(cmd));

	/* tenant policy turned on a running vServer */
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-web2", true, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_list("wv-web2", &info, &err));
	CHECK_EQ_INT(1, info.isolated);
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-web2", false, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-web2", false, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_list("wv-web2", &info, &err));
	CHECK_EQ_INT(0, info.isolated);

	/* port forwards */
	CHECK_CONTEXT("ports");
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_TCP, 8080, "10.0.0.1", 80, &err));
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_TCP, 8080, "10.0.0.1", 80, &err));
	CHECK_EQ_INT(-EEXIST, wirt_nft_port_add(IPPROTO_TCP, 8080, "10.0.0.2", 80, &err));
	CHECK_CONTAINS(err.msg, "File exists");
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_UDP, 8080, "10.0.0.2", 53, &err));
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_TCP, 8080, "2001:db8::1", 80, &err));
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_TCP, 2222, "10.0.0.3", 22, &err));
	CHECK_EQ_INT(0, wirt_nft_port_list(&ports, &n, &err));
	CHECK_EQ_INT(4, n);
	free(ports);
	CHECK_EQ_INT(-EBUSY, wirt_nft_port_del(IPPROTO_TCP, 2222, "10.0.0.2", 22, &err));
	CHECK_CONTAINS(err.msg, "goes to '10.0.0.3' port 22");
	CHECK_EQ_INT(-ENOENT, wirt_nft_port_del(IPPROTO_TCP, 2223, "10.0.0.3", 22, &err));
	CHECK_EQ_INT(0, wirt_nft_port_del(IPPROTO_TCP, 2222, "10.0.0.3", 22, &err));

	/* delete one: its elements and its forwards go, the other's stay */
	CHECK_CONTEXT("delete");
	CHECK_EQ_INT(0, wirt_nft_vserver_del("web1", "wv-web1", &err));
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_list("wv-web1", &info, &err));
	snprintf(cmd, sizeof(cmd), "nft list table inet %s", table);
	out = output_of(cmd);
	CHECK_EQ_INT(0, count(out, "wv-web1"));
	CHECK_EQ_INT(0, count(out, "10.0.0.1"));
	CHECK_EQ_INT(0, count(out, "2001:db8::1 "));
	CHECK_CONTAINS(out, "\"wv-web2\" . 10.0.0.3");
	CHECK_EQ_INT(0, wirt_nft_port_list(&ports, &n, &err));
	CHECK_EQ_INT(1, n);
	if (n == 1) {
		CHECK_EQ_INT(IPPROTO_UDP, ports[0].proto);
		CHECK_EQ_STR("10.0.0.2", ports[0].guest_addr);
		CHECK_EQ_INT(53, ports[0].guest_port);
	}
	free(ports);
	CHECK_EQ_INT(0, wirt_nft_vserver_del("web1", "wv-web1", &err)); /* again: nothing */
	CHECK_EQ_INT(0, wirt_nft_vserver_del("web2", "wv-web2", &err));
	snprintf(cmd, sizeof(cmd), "nft list table bridge %s", table);
	CHECK_EQ_INT(0, count(output_of(cmd), "wv-web2"));

	/* forget: by the keys add used, whether there or not; the interface count */
	CHECK_CONTEXT("forget");
	CHECK_EQ_INT(0, wirt_nft_iface_count(&n, &err));
	CHECK_EQ_INT(0, (int)n);
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v1, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v2, &err));
	CHECK_EQ_INT(0, wirt_nft_iface_count(&n, &err));
	CHECK_EQ_INT(2, (int)n);
	CHECK_EQ_INT(0, wirt_nft_vserver_forget(&v2, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_forget(&v2, &err)); /* again: nothing, no error */
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_list("wv-web2", &info, &err));
	snprintf(cmd, sizeof(cmd), "nft list table bridge %s", table);
	CHECK_EQ_INT(0, count(output_of(cmd), "wv-web2"));
	CHECK_EQ_INT(0, wirt_nft_vserver_list("wv-web1", &info, &err)); /* untouched */
	CHECK_EQ_INT(2, (int)info.n_addrs);
	CHECK_EQ_INT(0, wirt_nft_iface_count(&n, &err));
	CHECK_EQ_INT(1, (int)n);
	CHECK_EQ_INT(0, wirt_nft_vserver_forget(&v1, &err));

	/* a batch runs as one transaction at commit, and not at all when aborted */
	CHECK_CONTEXT("batch");
	CHECK_EQ_INT(0, wirt_nft_batch_begin(&err));
	CHECK_EQ_INT(-EBUSY, wirt_nft_batch_begin(&err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v2, &err));
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_list("wv-web2", &info, &err)); /* not yet */
	CHECK_EQ_INT(0, wirt_nft_batch_commit(&err));
	CHECK_EQ_INT(0, wirt_nft_vserver_list("wv-web2", &info, &err));
	CHECK_EQ_INT(0, wirt_nft_batch_begin(&err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v1, &err));
	wirt_nft_batch_abort();
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_list("wv-web1", &info, &err));
	CHECK_EQ_INT(-EINVAL, wirt_nft_batch_commit(&err));
	/* all or nothing: deleting an element that is not there fails the whole batch */
	CHECK_EQ_INT(0, wirt_nft_batch_begin(&err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v1, &err));
	CHECK_EQ_INT(0, wirt_nft_masquerade_del("10.9.0.0/24", "eth0", &err));
	CHECK_EQ_INT(-ENOENT, wirt_nft_batch_commit(&err));
	CHECK_EQ_INT(-ENOENT, wirt_nft_vserver_list("wv-web1", &info, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_forget(&v2, &err));
	CHECK_CONTEXT("table");

	CHECK_EQ_INT(0, wirt_nft_masquerade_add("10.0.0.0/24", "eth0", &err));
	CHECK_EQ_INT(0, wirt_nft_masquerade_add("fd00::/64", "eth0", &err));
	CHECK_EQ_INT(0, wirt_nft_masquerade_del("10.0.0.0/24", "eth0", &err));
	CHECK_EQ_INT(-ENOENT, wirt_nft_masquerade_del("10.0.0.0/24", "eth0", &err));

	CHECK_EQ_INT(0, wirt_nft_table_delete(&err));
	CHECK_EQ_INT(0, wirt_nft_table_delete(&err));
	CHECK_EQ_INT(0, count(output_of("nft list tables"), table));
	CHECK_CONTEXT(NULL);
}

/* ---- real packets ---- */

/* A guest namespace behind veth 'iface' in routed mode: addr/32 and addr6/128 on its
 * eth0, routed to it from the test's namespace, a link-local gateway inside. */
static pid_t guest_routed(const char *iface, const char *addr, const char *addr6)
{
	pid_t g = netns_new();
	int r = 0;

	if (g < 0)
		return -1;
	sysctl_set(g, "ipv6/conf/default/accept_dad", "0");
	sysctl_set(g, "ipv4/conf/default/rp_filter", "0");
	r |= run(0, "ip link add %s type veth peer name eth0 netns %d", iface, g);
	r |= run(0, "ip addr add 169.254.0.1/32 dev %s", iface);
	r |= run(0, "ip -6 addr add fe80::1/64 dev %s nodad", iface);
	r |= run(0, "ip link set %s up", iface);
	r |= run(0, "ip route add %s/32 dev %s", addr, iface);
	r |= run(0, "ip -6 route add %s/128 dev %s", addr6, iface);
	r |= run(g, "ip link set lo up");
	r |= run(g, "ip addr add %s/32 dev eth0", addr);
	r |= run(g, "ip -6 addr add %s/128 dev eth0 nodad", addr6);
	r |= run(g, "ip link set eth0 up");
	r |= run(g, "ip route add 169.254.0.1/32 dev eth0");
	r |= run(g, "ip route add default via 169.254.0.1 dev eth0");
	r |= run(g, "ip -6 route add default via fe80::1 dev eth0");
	return r ? -1 : g;
}

/* A guest on bridge 'br' through veth 'iface', MAC and addr/24 on its eth0. */
static pid_t guest_bridged(const char *iface, const char *br, const char *mac, const char *addr)
{
	pid_t g = netns_new();
	int r = 0;

	if (g < 0)
		return -1;
	r |= run(0, "ip link add %s type veth peer name eth0 netns %d", iface, g);
	r |= run(0, "ip link set %s master %s up", iface, br);
	r |= run(g, "ip link set eth0 address %s", mac);
	r |= run(g, "ip addr add %s/24 dev eth0", addr);
	r |= run(g, "ip link set eth0 up");
	return r ? -1 : g;
}

static void test_packets(void)
{
	const char *a1[] = { "10.99.0.1", "fd00:99::1" };
	const char *a2[] = { "10.99.0.2", "fd00:99::2" };
	const char *a3[] = { "10.98.0.3" };
	const char *a4[] = { "10.98.0.4" };
	struct wirt_nft_vserver v1 = { .name = "t1", .iface = "wv-t1", .addrs = a1, .n_addrs = 2 };
	struct wirt_nft_vserver v2 = { .name = "t2", .iface = "wv-t2", .addrs = a2, .n_addrs = 2 };
	struct wirt_nft_vserver v3 = { .name = "t3", .iface = "wv-b3", .addrs = a3, .n_addrs = 1,
				       .mac = "02:00:00:00:00:03" };
	struct wirt_nft_vserver v4 = { .name = "t4", .iface = "wv-b4", .addrs = a4, .n_addrs = 1,
				       .mac = "02:00:00:00:00:04" };
	struct wirt_error err = { 0 };
	pid_t g1, g2, g3, g4, out;
	int g1_fd, g1_fd6, g2_fd, g2_fd6, out_fd, out_fd6, g4_fd;
	char from[64];

	if (run(0, "ip -V") != 0) {
		fprintf(stderr, "test-nft: packet part skipped: no 'ip' (iproute2)\n");
		return;
	}
	sysctl_set(0, "ipv4/ip_forward", "1");
	sysctl_set(0, "ipv6/conf/all/forwarding", "1");
	sysctl_set(0, "ipv4/conf/all/rp_filter", "0");
	sysctl_set(0, "ipv4/conf/default/rp_filter", "0");
	sysctl_set(0, "ipv6/conf/default/accept_dad", "0");
	run(0, "ip link set lo up");
	g1 = guest_routed("wv-t1", "10.99.0.1", "fd00:99::1");
	g2 = guest_routed("wv-t2", "10.99.0.2", "fd00:99::2");
	/* the uplink: 'out' stands for the world beyond the host */
	out = netns_new();
	if (g1 < 0 || g2 < 0 || out < 0 ||
	    run(0, "ip link add up0 type veth peer name eth0 netns %d", out) ||
	    run(0, "ip addr add 203.0.113.1/24 dev up0") ||
	    run(0, "ip -6 addr add 2001:db8:ff::1/64 dev up0 nodad") || run(0, "ip link set up0 up") ||
	    run(out, "ip addr add 203.0.113.2/24 dev eth0") ||
	    run(out, "ip -6 addr add 2001:db8:ff::2/64 dev eth0 nodad") ||
	    run(out, "ip link set eth0 up") || run(out, "ip route add default via 203.0.113.1") ||
	    run(out, "ip -6 route add default via 2001:db8:ff::1") ||
	    run(0, "ip link add br-t type bridge") || run(0, "ip link set br-t up")) {
		fprintf(stderr, "test-nft: packet part skipped: cannot build veths and routes\n");
		return;
	}
	g3 = guest_bridged("wv-b3", "br-t", "02:00:00:00:00:03", "10.98.0.3");
	g4 = guest_bridged("wv-b4", "br-t", "02:00:00:00:00:04", "10.98.0.4");
	if (g3 < 0 || g4 < 0 ||
	    run(g3, "ip neigh add 10.98.0.4 lladdr 02:00:00:00:00:04 dev eth0 nud permanent")) {
		fprintf(stderr, "test-nft: bridged packet part failed to set up\n");
		check_failures++;
		return;
	}
	g1_fd = udp_listen(g1, "0.0.0.0", 7000);
	g1_fd6 = udp_listen(g1, "::", 7000);
	g2_fd = udp_listen(g2, "0.0.0.0", 7000);
	g2_fd6 = udp_listen(g2, "::", 7000);
	out_fd = udp_listen(out, "0.0.0.0", 7000);
	out_fd6 = udp_listen(out, "::", 7000);
	g4_fd = udp_listen(g4, "0.0.0.0", 7000);

	/* The controls: without wirt's table every one of these gets through, so a
	 * "not reached" below is the rules' doing */
	CHECK_EQ_INT(0, run(g1, "ip addr add 10.99.0.66/32 dev eth0"));
	CHECK_EQ_INT(0, run(g1, "ip -6 addr add fd00:99::66/128 dev eth0 nodad"));
	CHECK_EQ_INT(0, run(g3, "ip addr add 10.98.0.66/24 dev eth0"));
	CHECK_REACH(true, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(true, g1, "10.99.0.66", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(true, g1, "fd00:99::1", "fd00:99::2", 7000, g2_fd6);
	CHECK_REACH(true, g1, "fd00:99::66", "fd00:99::2", 7000, g2_fd6);
	CHECK_REACH(true, g1, "10.99.0.2", "203.0.113.2", 7000, out_fd);
	CHECK_REACH(true, g3, "10.98.0.3", "10.98.0.4", 7000, g4_fd);
	CHECK_REACH(true, g3, "10.98.0.66", "10.98.0.4", 7000, g4_fd);
	CHECK_CONTEXT("masquerade control");
	CHECK(reaches(true, g1, "10.99.0.1", "203.0.113.2", 7000, out_fd, from));
	CHECK_EQ_STR("10.99.0.1", from);
	CHECK_REACH(false, out, NULL, "203.0.113.1", 5353, g1_fd);

	/* The table with no vServer in it: a wirt veth it knows nothing of is shut */
	CHECK_EQ_INT(0, wirt_nft_table_ensure(&err));
	CHECK_REACH(false, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(false, g3, "10.98.0.3", "10.98.0.4", 7000, g4_fd);

	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v1, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v2, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v3, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_add(&v4, &err));

	/* routed: own addresses pass, a foreign or a neighbour's source does not */
	CHECK_REACH(true, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(true, g2, "10.99.0.2", "10.99.0.1", 7000, g1_fd);
	CHECK_REACH(true, g1, "fd00:99::1", "fd00:99::2", 7000, g2_fd6);
	CHECK_REACH(true, g1, "10.99.0.1", "203.0.113.2", 7000, out_fd);
	CHECK_REACH(false, g1, "10.99.0.66", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(false, g1, "fd00:99::66", "fd00:99::2", 7000, g2_fd6);
	CHECK_REACH(false, g1, "10.99.0.2", "203.0.113.2", 7000, out_fd);
	CHECK_REACH(false, g1, "10.99.0.66", "169.254.0.1", 7000, g2_fd);

	/* bridged: own MAC and address pass; a foreign address, then a changed MAC, not */
	CHECK_REACH(true, g3, "10.98.0.3", "10.98.0.4", 7000, g4_fd);
	CHECK_REACH(false, g3, "10.98.0.66", "10.98.0.4", 7000, g4_fd);
	CHECK_EQ_INT(0, run(g3, "ip link set eth0 address 02:00:00:00:00:66"));
	CHECK_REACH(false, g3, "10.98.0.3", "10.98.0.4", 7000, g4_fd);
	CHECK_EQ_INT(0, run(g3, "ip link set eth0 address 02:00:00:00:00:03"));
	CHECK_REACH(true, g3, "10.98.0.3", "10.98.0.4", 7000, g4_fd);

	/* tenant policy: isolated, t1 neither reaches t2 nor is reached; the world still is */
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-t1", true, &err));
	CHECK_REACH(false, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(false, g2, "10.99.0.2", "10.99.0.1", 7000, g1_fd);
	CHECK_REACH(true, g1, "10.99.0.1", "203.0.113.2", 7000, out_fd);
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-b3", true, &err));
	CHECK_REACH(false, g3, "10.98.0.3", "10.98.0.4", 7000, g4_fd);
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-b3", false, &err));
	CHECK_EQ_INT(0, wirt_nft_vserver_isolate("wv-t1", false, &err));
	CHECK_REACH(true, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd);

	/* outbound NAT: out of up0, the guests' private sources become the uplink's */
	CHECK_EQ_INT(0, wirt_nft_masquerade_add("10.99.0.0/16", "up0", &err));
	CHECK_EQ_INT(0, wirt_nft_masquerade_add("fd00:99::/64", "up0", &err));
	CHECK_CONTEXT("masquerade");
	CHECK(reaches(true, g1, "10.99.0.1", "203.0.113.2", 7000, out_fd, from));
	CHECK_EQ_STR("203.0.113.1", from);
	CHECK(reaches(true, g1, "fd00:99::1", "2001:db8:ff::2", 7000, out_fd6, from));
	CHECK_EQ_STR("2001:db8:ff::1", from);
	CHECK(reaches(true, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd, from));
	CHECK_EQ_STR("10.99.0.1", from); /* not towards another vServer */

	/* port forwards: a host port reaches the guest, from outside and from the host */
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_UDP, 5353, "10.99.0.1", 7000, &err));
	CHECK_EQ_INT(0, wirt_nft_port_add(IPPROTO_UDP, 5353, "fd00:99::1", 7000, &err));
	CHECK_REACH(true, out, NULL, "203.0.113.1", 5353, g1_fd);
	CHECK_REACH(true, out, NULL, "2001:db8:ff::1", 5353, g1_fd6);
	CHECK_REACH(true, 0, NULL, "203.0.113.1", 5353, g1_fd);
	CHECK_EQ_INT(0, wirt_nft_port_del(IPPROTO_UDP, 5353, "10.99.0.1", 7000, &err));
	CHECK_REACH(false, out, NULL, "203.0.113.1", 5353, g1_fd);
	CHECK_REACH(true, out, NULL, "2001:db8:ff::1", 5353, g1_fd6);

	/* deleted, its rules are gone with it: the veth is shut again, its forward too */
	CHECK_EQ_INT(0, wirt_nft_vserver_del("t1", "wv-t1", &err));
	CHECK_REACH(false, g1, "10.99.0.1", "10.99.0.2", 7000, g2_fd);
	CHECK_REACH(false, out, NULL, "2001:db8:ff::1", 5353, g1_fd6);
	CHECK_REACH(true, g2, "10.99.0.2", "203.0.113.2", 7000, out_fd);

	/* and with the table gone, the host is as it was: the control passes again */
	CHECK_EQ_INT(0, wirt_nft_table_delete(&err));
	CHECK_REACH(true, g1, "10.99.0.66", "10.99.0.2", 7000, g2_fd);
	CHECK_CONTEXT(NULL);
	if (err.msg[0])
		fprintf(stderr, "test-nft: last error: %s\n", err.msg);

	close(g1_fd), close(g1_fd6), close(g2_fd), close(g2_fd6), close(out_fd), close(out_fd6);
	close(g4_fd);
	for (size_t i = 0; i < 5; i++) {
		pid_t p = (pid_t[]){ g1, g2, g3, g4, out }[i];
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
	}
}

/* ---- cost: the 1st against the 200th vServer ---- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, size_t n)
{
	double s[64];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return s[n / 2];
}

#ifndef SCALE_N
#define SCALE_N 200
#endif

static void test_scale(void)
{
	static double add_ms[SCALE_N], del_ms[SCALE_N];
	struct wirt_error err = { 0 };
	char name[16], iface[16], a4[32], a6[64];
	double t, ensure_first, ensure_last;
	size_t i;

	CHECK_CONTEXT("scale");
	t = now_ms();
	CHECK_EQ_INT(0, wirt_nft_table_ensure(&err));
	ensure_first = now_ms() - t;
	for (i = 0; i < SCALE_N; i++) {
		const char *addrs[] = { a4, a6 };
		struct wirt_nft_vserver v = { .name = name, .iface = iface, .addrs = addrs,
					      .n_addrs = 2 };
		snprintf(name, sizeof(name), "s%zu", i);
		snprintf(iface, sizeof(iface), "wv-s%zu", i);
		snprintf(a4, sizeof(a4), "10.%zu.%zu.1", 100 + i / 250, i % 250);
		snprintf(a6, sizeof(a6), "fd00:%zx::1", i);
		t = now_ms();
		CHECK_EQ_INT(0, wirt_nft_vserver_add(&v, &err));
		add_ms[i] = now_ms() - t;
	}
	t = now_ms();
	CHECK_EQ_INT(0, wirt_nft_table_ensure(&err));
	ensure_last = now_ms() - t;
	for (i = SCALE_N; i-- > 0;) {
		snprintf(iface, sizeof(iface), "wv-s%zu", i);
		t = now_ms();
		CHECK_EQ_INT(0, wirt_nft_vserver_del(NULL, iface, &err));
		del_ms[i] = now_ms() - t;
	}
	CHECK_EQ_INT(0, wirt_nft_table_delete(&err));
	fprintf(stderr,
		"test-nft: vserver_add: the 1st %.2f ms, median of adds 1-10 %.2f ms, "
		"median of adds %d-%d %.2f ms, the last (%d in the table) %.2f ms\n",
		add_ms[0], median(add_ms, 10), SCALE_N - 9, SCALE_N,
		median(add_ms + SCALE_N - 10, 10), SCALE_N, add_ms[SCALE_N - 1]);
	fprintf(stderr,
		"test-nft: vserver_del (reads the table): with 1 there %.2f ms, with %d there "
		"%.2f ms (medians of 10); table_ensure with 0: %.2f ms, with %d: %.2f ms\n",
		median(del_ms, 10), SCALE_N, median(del_ms + SCALE_N - 10, 10), ensure_first,
		SCALE_N, ensure_last);
	CHECK_CONTEXT(NULL);
}

/* The root part, in a child in a network namespace of its own. */
static int in_netns(void)
{
	struct wirt_error err;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test-nft: skipped: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return EXIT_SKIP;
	}
	host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(table, sizeof(table), "wirt_test_%d", (int)getpid());
	if (host_ns < 0 || wirt_nft_table_use(table, "wv-", &err) < 0) {
		fprintf(stderr, "test-nft: set up: %s\n", strerror(errno));
		return 1;
	}
	/* here too, so a broken check in a broken build sends to this namespace only */
	test_refused();
	test_table();
	test_packets();
	test_scale();
	return check_exit("test-nft");
}

int main(void)
{
	struct wirt_error err;
	int status;
	pid_t pid;

	if (geteuid() != 0) {
		/* without CAP_NET_ADMIN nothing that slipped through could change a table */
		test_refused();
		fprintf(stderr, "test-nft: nftables part skipped: not root\n");
		return check_failures ? check_exit("test-nft") : EXIT_SKIP;
	}
	if (wirt_nft_load(&err) < 0) {
		fprintf(stderr, "test-nft: skipped: %s\n", err.msg);
		return EXIT_SKIP;
	}
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		exit(in_netns()); /* exit, not _exit: LeakSanitizer runs at exit */
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 1;
	/* the child's namespace, its veths and the guests' die with it */
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
