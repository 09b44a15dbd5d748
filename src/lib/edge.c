/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared HTTPS edge (HAProxy): see edge.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain.h"
#include "edge.h"
#include "fsutil.h"
#include "netaddr.h"
#include "paths.h"
#include "state.h"
#include "tool.h"
#include "util.h"
#include "vserver.h"

/* A growing text buffer for the generated files. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void __attribute__((format(printf, 2, 3))) put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s ? t->s + t->len : NULL, t->s ? t->cap - t->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->oom = true;
			return;
		}
		if (t->s && t->len + (size_t)n < t->cap) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = (t->cap ? t->cap * 2 : 4096) + (size_t)n;
		char *p = realloc(t->s, cap);

		if (!p) {
			t->oom = true;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
}

static int write_text(const char *dir, const char *name, struct text *t, mode_t mode,
		      struct wirt_error *err)
{
	char path[PATH_MAX];
	int r;

	if (t->oom)
		return wirt_errorf(err, ENOMEM, "generate '%s'", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = wirt_write_file_replace(path, t->s ? t->s : "", t->len, mode);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	return 0;
}

/* ---- what the edge routes to ---------------------------------------------------------- */

/* The vServer's address the edge forwards to: its first IPv4 address, else its first
 * IPv6 one, as HAProxy writes it ("10.0.0.2", "[fd00::2]"). */
static int vserver_target(const char *root, const char *name, char *out, size_t size,
			  struct wirt_error *err)
{
	struct wirt_spec spec;
	char a[WIRT_NETADDR_TEXT_MAX];
	int pick = -1, r;

	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	for (unsigned i = 0; i < spec.net.n_addrs && pick < 0; i++)
		if (spec.net.addrs[i].family == AF_INET)
			pick = (int)i;
	if (pick < 0 && spec.net.n_addrs)
		pick = 0;
	if (pick < 0)
		return wirt_error_plain(err, EADDRNOTAVAIL, "vServer '%s' has no address", name);
	wirt_netaddr_str(&spec.net.addrs[pick], a);
	snprintf(out, size, spec.net.addrs[pick].family == AF_INET6 ? "[%s]" : "%s", a);
	return 0;
}

/* A domain's vServer address, found once per apply (edge_targets). */
struct edge_target {
	char addr[WIRT_NETADDR_TEXT_MAX + 2];
};

/* The targets of 'v', each vServer's config read once; a domain whose vServer is gone or
 * has no address is left out of v (not fatal: the others are served on, and a vServer's
 * delete removes its domains). *ret_n is what is left. */
static int edge_targets(const char *root, struct wirt_domain *v, size_t n,
			struct edge_target **ret, size_t *ret_n, struct wirt_error *err)
{
	struct edge_target *t = calloc(n ? n : 1, sizeof(*t));
	struct wirt_error ignored;
	size_t k = 0;

	if (!t)
		return wirt_errorf(err, ENOMEM, "the edge's configuration");
	for (size_t i = 0; i < n; i++) {
		size_t same = k;

		for (size_t j = 0; j < k && same == k; j++)
			if (strcmp(v[j].vserver, v[i].vserver) == 0)
				same = j;
		if (same < k)
			t[k] = t[same];
		else if (vserver_target(root, v[i].vserver, t[k].addr, sizeof(t[k].addr),
					&ignored) < 0)
			continue;
		v[k++] = v[i];
	}
	*ret = t;
	*ret_n = k;
	return 0;
}

/* Backend names: be_<vserver>_<xff|proxy> (HTTP), pt_<vserver>_<plain|proxy> (TLS). */
static void backend_name(char *out, size_t size, const struct wirt_domain *d, bool tls)
{
	if (tls)
		snprintf(out, size, "pt_%s_%s", d->vserver,
			 d->forward == WIRT_FORWARD_PROXY ? "proxy" : "plain");
	else
		snprintf(out, size, "be_%s_%s", d->vserver, wirt_domain_forward_name(d->forward));
}

/* A map line: the domain, or ".rest" for "*.rest" in the map of suffixes. */
static void map_line(struct text *exact, struct text *wild, const struct wirt_domain *d,
		     const char *value)
{
	if (d->name[0] == '*')
		put(wild, "%s %s\n", d->name + 1, value);
	else
		put(exact, "%s %s\n", d->name, value);
}

static bool has_cert(const struct wirt_domain *d)
{
	return d->tls != WIRT_TLS_OFF && d->not_after > (int64_t)time(NULL);
}

static void cert_path(char *out, size_t size, const char *edge, const struct wirt_domain *d)
{
	char base[WIRT_DOMAIN_MAX + 16];

	wirt_domain_dirname(d->name, base, sizeof(base));
	snprintf(out, size, "%s/certs/%s", edge, base);
}

/* ---- the configuration ----------------------------------------------------------------- */

struct gen {
	const char *root, *edge, *dir; /* dir: the generation's own */
	const struct wirt_hostconf *hc;
	struct text cfg, hosts, hosts_wild, tls_hosts, tls_hosts_wild, https, https_wild, pt,
		pt_wild, crts;
};

static void binds(struct gen *g, unsigned port)
{
	const struct wirt_edge_conf *e = &g->hc->edge;
	char a[WIRT_NETADDR_TEXT_MAX];

	if (!e->n_listen) {
		put(&g->cfg, "    bind 0.0.0.0:%u\n    bind [::]:%u v6only\n", port, port);
		return;
	}
	for (unsigned i = 0; i < e->n_listen; i++) {
		wirt_netaddr_str(&e->listen[i], a);
		put(&g->cfg, e->listen[i].family == AF_INET6 ? "    bind [%s]:%u v6only\n"
							     : "    bind %s:%u\n",
		    a, port);
	}
}

/* Host-based routing by the map 'map' (port 80: every domain's "hosts"; behind TLS only
 * the edge-terminated ones' "tls-hosts": a --tls off domain is not served over TLS). */
static void route_by_host(struct gen *g, const char *map)
{
	static const char host[] = "req.hdr(host),field(1,:),lower";

	put(&g->cfg,
	    "    use_backend %%[%s,map(%s/%s.map)] if { %s,map(%s/%s.map) -m found }\n"
	    "    use_backend %%[%s,map_end(%s/%s-wild.map)] if { %s,map_end(%s/%s-wild.map) "
	    "-m found }\n"
	    "    default_backend be_nohost\n",
	    host, g->dir, map, host, g->dir, map, host, g->dir, map, host, g->dir, map);
}

static void config_head(struct gen *g, uint32_t tag)
{
	const struct wirt_edge_conf *e = &g->hc->edge;
	unsigned https_port = e->https_port ? e->https_port : 443;
	static const char host[] = "req.hdr(host),field(1,:),lower";
	static const char token[] = "path,field(4,/)";
	char port[16] = "";

	if (https_port != 443)
		snprintf(port, sizeof(port), ":%u", https_port);
	put(&g->cfg,
	    "# Generated by wirt from the domains of %s: do not edit (wirt edge reload).\n"
	    "global\n"
	    "    stats socket %s/admin.sock mode 600 level admin\n"
	    "    stats timeout 30s\n"
	    "    hard-stop-after 5m\n"
	    "    ssl-default-bind-options ssl-min-ver TLSv1.2\n"
	    "\n"
	    "defaults\n"
	    "    timeout connect 5s\n"
	    "    timeout client 60s\n"
	    "    timeout server 60s\n"
	    "    timeout http-request 10s\n"
	    "    timeout tunnel 1h\n"
	    "\n"
	    "# port 80: ACME's HTTP-01 answered here, HTTPS where a certificate is, else by Host\n"
	    "frontend fe_http\n"
	    "    mode http\n",
	    g->root, g->edge);
	binds(g, e->http_port ? e->http_port : 80);
	put(&g->cfg,
	    "    http-request return status 200 content-type text/plain lf-string "
	    "\"%%[%s,map(%s/acme.map)]\" if { path_beg /.well-known/acme-challenge/ } "
	    "{ %s,map(%s/acme.map) -m found }\n"
	    "    http-request return status 404 if { path_beg /.well-known/acme-challenge/ }\n"
	    "    http-request redirect location \"https://%%[%s]%s%%[capture.req.uri]\" code 301 "
	    "if { %s,map(%s/https.map) -m found } || { %s,map_end(%s/https-wild.map) -m found }\n"
	    "    http-request set-header X-Forwarded-Proto http\n",
	    token, g->edge, token, g->edge, host, port, host, g->dir, host, g->dir);
	route_by_host(g, "hosts");
	put(&g->cfg,
	    "\n# port 443: the TLS stream's SNI picks passthrough to a vServer, else termination\n"
	    "frontend fe_tls\n"
	    "    mode tcp\n");
	binds(g, https_port);
	put(&g->cfg,
	    "    tcp-request inspect-delay 5s\n"
	    "    tcp-request content accept if { req.ssl_hello_type 1 }\n"
	    "    use_backend %%[req.ssl_sni,lower,map(%s/passthrough.map)] "
	    "if { req.ssl_sni,lower,map(%s/passthrough.map) -m found }\n"
	    "    use_backend %%[req.ssl_sni,lower,map_end(%s/passthrough-wild.map)] "
	    "if { req.ssl_sni,lower,map_end(%s/passthrough-wild.map) -m found }\n"
	    "    default_backend be_terminate\n"
	    "\n"
	    "# TLS ends here, behind an internal socket that keeps the client's address\n"
	    "backend be_terminate\n"
	    "    mode tcp\n"
	    "    server local abns@wirt-%08x-tls send-proxy-v2\n"
	    "\n"
	    "frontend fe_https\n"
	    "    mode http\n"
	    "    bind abns@wirt-%08x-tls accept-proxy ssl crt-list %s/crt-list alpn h2,http/1.1\n"
	    "    http-request set-header X-Forwarded-Proto https\n",
	    g->dir, g->dir, g->dir, g->dir, tag, tag, g->dir);
	route_by_host(g, "tls-hosts");
	put(&g->cfg,
	    "\nbackend be_nohost\n"
	    "    mode http\n"
	    "    http-request return status 421 content-type text/plain string "
	    "\"No site of this name here.\\n\"\n");
}

/* One backend per vServer and way of forwarding that some domain uses. */
static void config_backends(struct gen *g, const struct wirt_domain *v,
			    const struct edge_target *targets, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[WIRT_NAME_MAX + 16];
		const char *target = targets[i].addr;
		bool seen_http = false, seen_tls = v[i].tls != WIRT_TLS_PASSTHROUGH;

		for (size_t j = 0; j < i; j++) {
			if (strcmp(v[j].vserver, v[i].vserver) != 0 || v[j].forward != v[i].forward)
				continue;
			seen_http = true;
			if (v[j].tls == WIRT_TLS_PASSTHROUGH)
				seen_tls = true;
		}
		if (!seen_http) {
			backend_name(name, sizeof(name), &v[i], false);
			put(&g->cfg, "\nbackend %s\n    mode http\n", name);
			if (v[i].forward == WIRT_FORWARD_PROXY)
				put(&g->cfg, "    server s %s:80 send-proxy-v2\n", target);
			else
				put(&g->cfg,
				    "    http-request set-header X-Forwarded-For %%[src]\n"
				    "    server s %s:80\n",
				    target);
		}
		if (!seen_tls) {
			backend_name(name, sizeof(name), &v[i], true);
			put(&g->cfg, "\nbackend %s\n    mode tcp\n    server s %s:443%s\n", name,
			    target, v[i].forward == WIRT_FORWARD_PROXY ? " send-proxy-v2" : "");
		}
	}
}

static void maps(struct gen *g, const struct wirt_domain *v, size_t n)
{
	char name[WIRT_NAME_MAX + 16], path[PATH_MAX];

	put(&g->crts, "%s/default.pem\n", g->edge);
	for (size_t i = 0; i < n; i++) {
		const struct wirt_domain *d = &v[i];

		backend_name(name, sizeof(name), d, false);
		map_line(&g->hosts, &g->hosts_wild, d, name);
		if (d->tls == WIRT_TLS_EDGE)
			map_line(&g->tls_hosts, &g->tls_hosts_wild, d, name);
		if (has_cert(d))
			map_line(&g->https, &g->https_wild, d, "1");
		if (d->tls == WIRT_TLS_PASSTHROUGH) {
			backend_name(name, sizeof(name), d, true);
			map_line(&g->pt, &g->pt_wild, d, name);
		} else if (d->tls == WIRT_TLS_EDGE && has_cert(d)) {
			cert_path(path, sizeof(path), g->edge, d);
			if (access(path, R_OK) == 0)
				put(&g->crts, "%s\n", path);
		}
	}
}

/* The edge's own certificate, for a client that names no domain of ours. */
static int default_cert(const char *edge, struct wirt_error *err)
{
	char pem[PATH_MAX], key[PATH_MAX], crt[PATH_MAX], out[WIRT_TOOL_OUTPUT_MAX];
	char buf[16384];
	ssize_t a, b;
	int r;

	snprintf(pem, sizeof(pem), "%s/default.pem", edge);
	if (access(pem, R_OK) == 0)
		return 0;
	snprintf(key, sizeof(key), "%s/default.key.tmp", edge);
	snprintf(crt, sizeof(crt), "%s/default.crt.tmp", edge);
	r = wirt_tool_run((char *const[]){ "openssl", "req", "-x509", "-newkey", "ec",
					   "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days",
					   "3650", "-subj", "/CN=wirt edge", "-keyout", key, "-out",
					   crt, NULL },
			  out, sizeof(out));
	if (r != 0) {
		unlink(key), unlink(crt);
		return wirt_errorf(err, r < 0 ? -r : EIO, "make the edge's default certificate%s%s",
				   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
	}
	a = wirt_read_file(crt, buf, sizeof(buf) / 2);
	b = a < 0 ? -1 : wirt_read_file(key, buf + a, sizeof(buf) / 2);
	unlink(key), unlink(crt);
	if (a < 0 || b < 0)
		return wirt_errorf(err, EIO, "read the edge's default certificate");
	r = wirt_write_file_atomic(pem, buf, (size_t)(a + b), 0600);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", pem);
	return 0;
}

/* ---- HAProxy's processes --------------------------------------------------------------- */

/* Running, not a zombie (this host's PID 1 may not reap an orphaned HAProxy soon). */
static bool wirt_proc_alive(pid_t pid)
{
	return wirt_proc_starttime(pid) != 0;
}

static pid_t master_pid(const char *edge)
{
	char path[PATH_MAX], text[32], cmd[PATH_MAX + 64];
	ssize_t n;
	long pid;

	snprintf(path, sizeof(path), "%s/haproxy.pid", edge);
	if (wirt_read_file(path, text, sizeof(text)) < 0)
		return 0;
	pid = strtol(text, NULL, 10);
	if (pid <= 0 || !wirt_proc_alive((pid_t)pid))
		return 0;
	/* still ours: its command line names this edge (a pid may be reused) */
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	n = wirt_read_file(path, cmd, sizeof(cmd));
	if (n <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		if (cmd[i] == '\0')
			cmd[i] = ' ';
	return strstr(cmd, edge) ? (pid_t)pid : 0;
}

/* One command to a HAProxy socket; its answer into out. */
static int socket_command(const char *path, const char *cmd, char *out, size_t size,
			  struct wirt_error *err)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = 0;
	ssize_t n;
	int fd, r = 0;

	if (strlen(path) >= sizeof(sa.sun_path))
		return wirt_errorf(err, ENAMETOOLONG, "socket '%s'", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = wirt_errorf(err, errno, "connect to '%s'", path);
		goto out;
	}
	/* MSG_NOSIGNAL: a worker that goes away mid-reload is an error, not our SIGPIPE */
	if (send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) != (ssize_t)strlen(cmd) ||
	    shutdown(fd, SHUT_WR) < 0) {
		r = wirt_errorf(err, errno, "write to '%s'", path);
		goto out;
	}
	while (len + 1 < size && (n = read(fd, out + len, size - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
out:
	if (fd >= 0)
		close(fd);
	return r;
}

/* The pid of the master's current worker ("show proc"), or 0. */
static pid_t current_worker(const char *edge)
{
	char sock[PATH_MAX], out[8192], *line, *save = NULL;
	struct wirt_error ignored;
	bool workers = false;

	snprintf(sock, sizeof(sock), "%s/master.sock", edge);
	if (socket_command(sock, "show proc\n", out, sizeof(out), &ignored) < 0)
		return 0;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#') {
			workers = strncmp(line, "# workers", 9) == 0;
			continue;
		}
		if (workers && atoi(line) > 0)
			return (pid_t)atoi(line);
	}
	return 0;
}

/* The first worker answering on the admin socket: the edge serves. */
static int wait_ready(const char *edge, pid_t old_worker, pid_t master,
		      struct wirt_error *err)
{
	char sock[PATH_MAX], out[256];
	struct wirt_error ignored;

	snprintf(sock, sizeof(sock), "%s/admin.sock", edge);
	for (int i = 0; i < 200; i++) {
		pid_t w = current_worker(edge);

		if (w && w != old_worker &&
		    socket_command(sock, "show info\n", out, sizeof(out), &ignored) == 0 && out[0])
			return 0;
		if (!wirt_proc_alive(master))
			break;
		usleep(25000);
	}
	return wirt_error_plain(err, EIO, "the edge did not come up (see %s/haproxy.log)", edge);
}

/* Why HAProxy would not run: the last ALERT of its log, one line. */
static const char *last_alert(const char *log, char *buf, size_t size)
{
	static char text[65536];
	ssize_t n = wirt_read_file(log, text, sizeof(text));
	char *p, *eol;

	snprintf(buf, size, "see %s", log);
	if (n <= 0)
		return buf;
	p = NULL;
	for (char *q = text; (q = strstr(q, "[ALERT]")); q++)
		p = q;
	if (!p)
		return buf;
	eol = strchr(p, '\n');
	if (eol)
		*eol = '\0';
	snprintf(buf, size, "%s", p);
	return buf;
}

static int start(const char *edge, struct wirt_error *err)
{
	char cfg[PATH_MAX], master[PATH_MAX + 16], pid[PATH_MAX], log[PATH_MAX];
	pid_t child, m = 0;
	int status;

	snprintf(cfg, sizeof(cfg), "%s/current/haproxy.cfg", edge);
	snprintf(master, sizeof(master), "%s/master.sock,mode,600", edge);
	snprintf(pid, sizeof(pid), "%s/haproxy.pid", edge);
	snprintf(log, sizeof(log), "%s/haproxy.log", edge);
	child = fork();
	if (child < 0)
		return wirt_errorf(err, errno, "fork");
	if (child == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		setsid();
		wirt_signals_default();
		if (fd < 0 || null < 0 || dup2(null, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(127);
		execl(WIRT_HAPROXY, "haproxy", "-W", "-S", master, "-p", pid, "-f", cfg,
		      (char *)NULL);
		dprintf(2, "wirt: exec %s: %s\n", WIRT_HAPROXY, strerror(errno));
		_exit(127);
	}
	for (int i = 0; i < 200 && !m; i++) {
		if (waitpid(child, &status, WNOHANG) == child) {
			char why[512];

			return wirt_error_plain(err, EIO, "the edge (haproxy) exited at once: %s",
						last_alert(log, why, sizeof(why)));
		}
		m = master_pid(edge);
		if (!m)
			usleep(25000);
	}
	if (!m) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return wirt_error_plain(err, EIO, "the edge (haproxy) did not start (see %s)", log);
	}
	return wait_ready(edge, 0, m, err);
}

static int reload(const char *edge, pid_t master, struct wirt_error *err)
{
	char sock[PATH_MAX], out[1024];
	pid_t old = current_worker(edge);
	int r;

	snprintf(sock, sizeof(sock), "%s/master.sock", edge);
	r = socket_command(sock, "reload\n", out, sizeof(out), err);
	if (r < 0)
		return wirt_error_prefix(err, "reload the edge");
	return wait_ready(edge, old, master, err);
}

/* ---- generations ----------------------------------------------------------------------- */

/* gen/<n> with n one more than the highest there; older ones than the current go. */
static int new_generation(const char *edge, char *dir, struct wirt_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char gens[PATH_MAX], cur[PATH_MAX], link[PATH_MAX], path[PATH_MAX + 300];
	struct dirent *de;
	long top = 0;
	ssize_t n;

	snprintf(gens, sizeof(gens), "%s/gen", edge);
	if (mkdir(gens, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", gens);
	snprintf(link, sizeof(link), "%s/current", edge);
	n = readlink(link, cur, sizeof(cur) - 1);
	cur[n > 0 ? n : 0] = '\0';
	d = opendir(gens);
	if (!d)
		return wirt_errorf(err, errno, "open '%s'", gens);
	while ((de = readdir(d))) {
		long g = strtol(de->d_name, NULL, 10);

		if (de->d_name[0] == '.')
			continue;
		if (g > top)
			top = g;
		snprintf(path, sizeof(path), "gen/%s", de->d_name);
		if (strcmp(path, cur) != 0) {
			snprintf(path, sizeof(path), "%s/%s", gens, de->d_name);
			(void)wirt_rm_rf(path);
		}
	}
	snprintf(dir, PATH_MAX, "%s/%ld", gens, top + 1);
	if (mkdir(dir, 0700) < 0)
		return wirt_errorf(err, errno, "create '%s'", dir);
	return 0;
}

/* <edge>/current -> gen/<n>, replaced in one rename. */
static int switch_current(const char *edge, const char *dir, struct wirt_error *err)
{
	char link[PATH_MAX], tmp[PATH_MAX + 8], target[PATH_MAX];
	const char *base = strrchr(dir, '/');

	snprintf(link, sizeof(link), "%s/current", edge);
	snprintf(tmp, sizeof(tmp), "%s.new", link);
	snprintf(target, sizeof(target), "gen/%s", base + 1);
	unlink(tmp);
	if (symlink(target, tmp) < 0 || rename(tmp, link) < 0)
		return wirt_errorf(err, errno, "switch '%s' to '%s'", link, target);
	return 0;
}

static void gen_free(struct gen *g)
{
	struct text *all[] = { &g->cfg,	     &g->hosts, &g->hosts_wild, &g->tls_hosts,
			       &g->tls_hosts_wild, &g->https, &g->https_wild, &g->pt,
			       &g->pt_wild,	     &g->crts };

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		free(all[i]->s);
}

static int generate(struct gen *g, const struct wirt_domain *v, const struct edge_target *targets,
		    size_t n, struct wirt_error *err)
{
	const struct {
		const char *name;
		struct text *t;
	} files[] = { { "haproxy.cfg", &g->cfg },   { "hosts.map", &g->hosts },
		      { "hosts-wild.map", &g->hosts_wild }, { "tls-hosts.map", &g->tls_hosts },
		      { "tls-hosts-wild.map", &g->tls_hosts_wild }, { "https.map", &g->https },
		      { "https-wild.map", &g->https_wild }, { "passthrough.map", &g->pt },
		      { "passthrough-wild.map", &g->pt_wild }, { "crt-list", &g->crts } };
	uint32_t tag = wirt_hash(g->root);
	char check[WIRT_TOOL_OUTPUT_MAX], cfg[PATH_MAX + 16];
	int r;

	config_head(g, tag);
	config_backends(g, v, targets, n);
	maps(g, v, n);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		r = write_text(g->dir, files[i].name, files[i].t, 0600, err);
		if (r < 0)
			return r;
	}
	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", g->dir);
	r = wirt_tool_run((char *const[]){ WIRT_HAPROXY, "-c", "-q", "-f", cfg, NULL }, check,
			  sizeof(check));
	if (r != 0)
		return wirt_errorf(err, r < 0 ? -r : EINVAL,
				   "the new edge configuration '%s' is refused%s%s", cfg,
				   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(check) : "");
	return 0;
}

int wirt_edge_apply(const char *root, const struct wirt_hostconf *hc, struct wirt_error *err)
{
	_cleanup_free_ struct wirt_domain *v = NULL;
	_cleanup_free_ struct edge_target *targets = NULL;
	char edge[PATH_MAX], dir[PATH_MAX], acme[PATH_MAX + 16];
	struct gen g = { .root = root, .edge = edge, .dir = dir, .hc = hc };
	size_t n;
	pid_t master;
	int r, fd;

	r = wirt_edge_dir(edge, root, NULL);
	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	r = wirt_domain_list(root, &v, &n, err);
	if (r == 0)
		r = edge_targets(root, v, n, &targets, &n, err);
	if (r < 0)
		return r;
	master = master_pid(edge);
	if (!n)
		/* nothing to serve: the host's ports are let go */
		return master ? wirt_edge_stop(root, err) : 0;
	if (access(WIRT_HAPROXY, X_OK) < 0)
		return wirt_errorf(err, errno, "the edge needs HAProxy (%s: apt-get install "
					       "haproxy)", WIRT_HAPROXY);
	snprintf(acme, sizeof(acme), "%s/acme.map", edge);
	fd = open(acme, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return wirt_errorf(err, errno, "create '%s'", acme);
	close(fd);
	r = default_cert(edge, err);
	if (r == 0)
		r = new_generation(edge, dir, err);
	if (r == 0)
		r = generate(&g, v, targets, n, err);
	gen_free(&g);
	if (r < 0) {
		/* the refused generation stays for a look, the working one serves on */
		return r;
	}
	r = switch_current(edge, dir, err);
	if (r < 0)
		return r;
	return master ? reload(edge, master, err) : start(edge, err);
}

int wirt_edge_stop(const char *root, struct wirt_error *err)
{
	char edge[PATH_MAX];
	pid_t master;
	int r;

	r = wirt_edge_dir(edge, root, NULL);
	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	master = master_pid(edge);
	if (!master)
		return 0;
	/* The master takes its workers with it. */
	if (kill(master, SIGTERM) < 0 && errno != ESRCH)
		return wirt_errorf(err, errno, "stop the edge (pid %d)", (int)master);
	for (int i = 0; i < 200 && wirt_proc_alive(master); i++)
		usleep(25000);
	if (wirt_proc_alive(master)) {
		kill(master, SIGKILL);
		for (int i = 0; i < 40 && wirt_proc_alive(master); i++)
			usleep(25000);
	}
	return 0;
}

int wirt_edge_status(const char *root, struct wirt_edge_status *st, struct wirt_error *err)
{
	char edge[PATH_MAX], link[PATH_MAX + 16], target[PATH_MAX];
	ssize_t n;
	int r;

	memset(st, 0, sizeof(*st));
	r = wirt_edge_dir(edge, root, NULL);
	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	st->pid = master_pid(edge);
	st->running = st->pid > 0;
	snprintf(link, sizeof(link), "%s/current", edge);
	n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		snprintf(st->config, sizeof(st->config), "%s/%s/haproxy.cfg", edge, target);
	}
	return 0;
}

int wirt_edge_challenge(const char *root, const char *token, const char *auth,
			struct wirt_error *err)
{
	char edge[PATH_MAX], map[PATH_MAX + 16], sock[PATH_MAX + 16], cmd[1024], out[512];
	char text[65536], next[65536];
	size_t len = 0, tl = strlen(token);
	ssize_t n;
	int r;

	/* token and auth are base64url (RFC 8555): nothing else may reach the map */
	for (const char *p = token; *p; p++)
		if (!(*p == '-' || *p == '_' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z')))
			return wirt_error_invalid(err, "invalid ACME token");
	for (const char *p = auth ? auth : ""; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return wirt_error_invalid(err, "invalid ACME key authorization");
	if (!tl || tl > 256 || (auth && strlen(auth) > 512))
		return wirt_error_invalid(err, "invalid ACME token");
	r = wirt_edge_dir(edge, root, NULL);
	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	snprintf(map, sizeof(map), "%s/acme.map", edge);
	snprintf(sock, sizeof(sock), "%s/admin.sock", edge);
	/* the file, for a reload meanwhile: other tokens kept, this one replaced */
	n = wirt_read_file(map, text, sizeof(text));
	if (n < 0)
		n = 0;
	for (char *line = text, *nl; line < text + n; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + n - line));
		if (!nl)
			break;
		if (!(strncmp(line, token, tl) == 0 && line[tl] == ' ') &&
		    len + (size_t)(nl - line) + 1 < sizeof(next)) {
			memcpy(next + len, line, (size_t)(nl - line) + 1);
			len += (size_t)(nl - line) + 1;
		}
	}
	if (auth)
		len += (size_t)snprintf(next + len, sizeof(next) - len, "%s %s\n", token, auth);
	r = wirt_write_file_replace(map, next, len, 0600);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", map);
	/* the running worker: at once */
	if (!master_pid(edge))
		return 0;
	snprintf(cmd, sizeof(cmd), "del map %s %s\n", map, token);
	(void)socket_command(sock, cmd, out, sizeof(out), err);
	if (!auth)
		return 0;
	snprintf(cmd, sizeof(cmd), "add map %s %s %s\n", map, token, auth);
	r = socket_command(sock, cmd, out, sizeof(out), err);
	if (r < 0)
		return wirt_error_prefix(err, "answer the ACME challenge");
	return 0;
}
