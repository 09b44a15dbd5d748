/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Certificates through uacme: see acme.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "edge.h"
#include "fsutil.h"
#include "paths.h"
#include "tls-guest.h"
#include "tool.h"
#include "util.h"
#include "vserver.h"

#define SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define ACME_OUTPUT_MAX 65536

int64_t wirt_acme_backoff(unsigned failures)
{
	int64_t s = 60;

	for (unsigned i = 1; i < failures && s < 86400; i++)
		s *= 2;
	return s < 86400 ? s : 86400;
}

/* The system's CA bundle plus the configured one: what uacme sees as the system's. */
static int make_bundle(const char *edge, const char *extra, char *out, struct wirt_error *err)
{
	static char sys[1 << 20];
	char add[1 << 16];
	ssize_t a, b;
	int fd;

	snprintf(out, PATH_MAX, "%s/acme-ca-bundle.pem", edge);
	a = wirt_read_file(SYSTEM_BUNDLE, sys, sizeof(sys));
	if (a < 0)
		a = 0; /* no system bundle: the configured CA alone */
	b = wirt_read_file(extra, add, sizeof(add));
	if (b < 0)
		return wirt_errorf(err, (int)-b, "read acme_ca_bundle '%s'", extra);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, sys, (size_t)a) != a || write(fd, "\n", 1) != 1 ||
	    write(fd, add, (size_t)b) != b) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return wirt_errorf(err, e, "write '%s'", out);
	}
	close(fd);
	return 0;
}

/* Runs uacme with argv, its output (stdout and stderr) into out; with 'bundle' in a
 * private mount namespace whose system CA bundle is that file. Its exit status. */
static int run_uacme(char *const argv[], const char *bundle, char *out, size_t size)
{
	int pipefd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]), close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(pipefd[1], 1) < 0 || dup2(pipefd[1], 2) < 0)
			_exit(125);
		wirt_signals_default();
		if (bundle && (unshare(CLONE_NEWNS) < 0 ||
			       mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
			       mount(bundle, SYSTEM_BUNDLE, NULL, MS_BIND, NULL) < 0)) {
			dprintf(2, "wirt: trust acme_ca_bundle: %s\n", strerror(errno));
			_exit(125);
		}
		execv(argv[0], argv);
		dprintf(2, "wirt: exec %s: %s (apt-get install uacme)\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	while (len + 1 < size && (n = read(pipefd[0], out + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What to show of uacme's output: the CA's "detail" when it gave one, else the last
 * line; one printable line. */
static void ca_message(const char *out, char *msg, size_t size)
{
	const char *p = strstr(out, "\"detail\"");
	size_t n = 0;

	if (p && (p = strchr(p + 8, '"'))) {
		for (p++; *p && *p != '"' && n + 1 < size; p++)
			msg[n++] = *p == '\\' && p[1] ? *++p : *p;
	} else {
		const char *end = out + strlen(out), *start;

		while (end > out && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		start = end;
		while (start > out && start[-1] != '\n')
			start--;
		for (p = start; p < end && n + 1 < size; p++)
			msg[n++] = *p;
	}
	msg[n] = '\0';
	for (char *c = msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	if (!msg[0])
		snprintf(msg, size, "uacme failed without a message");
}

static int parse_date(const char *line, const char *key, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *p = strstr(line, key);

	if (!p || !strptime(p + strlen(key), "%b %d %H:%M:%S %Y GMT", &tm))
		return -EINVAL;
	*ret = (int64_t)timegm(&tm);
	return 0;
}

/* Issuer (its CN, else the whole name) and validity of the certificate 'pem'. */
static int cert_info(const char *pem, struct wirt_domain *d, struct wirt_error *err)
{
	char out[WIRT_TOOL_OUTPUT_MAX], *issuer, *cn, *nl;
	int r;

	r = wirt_tool_run((char *const[]){ "openssl", "x509", "-in", (char *)pem, "-noout",
					   "-startdate", "-enddate", "-issuer", NULL },
			  out, sizeof(out));
	if (r != 0)
		return wirt_errorf(err, r < 0 ? -r : EINVAL, "read certificate '%s'", pem);
	if (parse_date(out, "notBefore=", &d->not_before) < 0 ||
	    parse_date(out, "notAfter=", &d->not_after) < 0)
		return wirt_error_plain(err, EINVAL, "read certificate '%s': no dates", pem);
	issuer = strstr(out, "issuer=");
	if (issuer) {
		issuer += 7;
		nl = strchr(issuer, '\n');
		if (nl)
			*nl = '\0';
		cn = strstr(issuer, "CN = ");
		snprintf(d->issuer, sizeof(d->issuer), "%s", cn ? cn + 5 : issuer);
		for (char *c = d->issuer; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = ' ';
	}
	return 0;
}

/* The hook uacme runs: this wirt, this root. */
static int write_hook(const char *edge, const char *root, char *out, struct wirt_error *err)
{
	char self[PATH_MAX], text[3 * PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int r;

	if (n < 0)
		return wirt_errorf(err, errno, "find the wirt binary");
	self[n] = '\0';
	if (strchr(self, '\'') || strchr(root, '\''))
		return wirt_error_plain(err, EINVAL, "a quote in '%s' or '%s'", self, root);
	snprintf(out, PATH_MAX, "%s/acme-hook", edge);
	n = snprintf(text, sizeof(text),
		     "#!/bin/sh\n# uacme's challenge hook (generated by wirt)\n"
		     "exec '%s' --root '%s' domain acme-hook \"$@\"\n",
		     self, root);
	r = wirt_write_file_replace(out, text, (size_t)n, 0700);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", out);
	return 0;
}

/* <edge>/acme/orders/<domain>/: the domain's key, its request, its certificate. */
static int order_dir(char *buf, const char *root, const struct wirt_domain *d)
{
	char orders[PATH_MAX], base[WIRT_DOMAIN_MAX + 16];
	int r = wirt_edge_dir(orders, root, "acme/orders");

	if (r < 0)
		return r;
	wirt_domain_dirname(d->name, base, sizeof(base));
	if (snprintf(buf, PATH_MAX, "%s/%s", orders, base) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

static int read_pair(const char *root, const struct wirt_domain *d, char *cert, ssize_t *cn,
		     char *key, ssize_t *kn, struct wirt_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	int r = order_dir(dir, root, d);

	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	snprintf(path, sizeof(path), "%s/req-cert.pem", dir);
	*cn = wirt_read_file(path, cert, 65536);
	if (*cn < 0)
		return wirt_errorf(err, (int)-*cn, "read '%s'", path);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	*kn = wirt_read_file(path, key, 16384);
	if (*kn < 0)
		return wirt_errorf(err, (int)-*kn, "read '%s'", path);
	return 0;
}

/* A new key and a request for the domain alone (no subject: a name may be longer than
 * a CN's 64 characters). The key becomes key.pem only once its certificate is had. */
static int make_request(const char *dir, const struct wirt_domain *d, struct wirt_error *err)
{
	char key[PATH_MAX + 16], csr[PATH_MAX + 16], san[WIRT_DOMAIN_MAX + 16];
	char out[WIRT_TOOL_OUTPUT_MAX];
	int r;

	if (wirt_mkdir_p(dir, 0700) < 0)
		return wirt_errorf(err, errno, "create '%s'", dir);
	snprintf(key, sizeof(key), "%s/key.new", dir);
	snprintf(csr, sizeof(csr), "%s/req.csr", dir);
	snprintf(san, sizeof(san), "subjectAltName=DNS:%s", d->name);
	r = wirt_tool_run((char *const[]){ "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
					   "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
					   "-out", csr, "-subj", "/", "-addext", san, NULL },
			  out, sizeof(out));
	if (r != 0)
		return wirt_errorf(err, r < 0 ? -r : EIO, "certificate request for '%s'%s%s",
				   d->name, r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
	chmod(key, 0600);
	return 0;
}

/* After an issuance: the new key is the key; uacme's copies of older certificates go. */
static int keep_request(const char *dir, struct wirt_error *err)
{
	_cleanup_closedir_ DIR *dd = NULL;
	char from[PATH_MAX + 16], to[PATH_MAX + 16], old[PATH_MAX + 300];
	struct dirent *de;

	snprintf(from, sizeof(from), "%s/key.new", dir);
	snprintf(to, sizeof(to), "%s/key.pem", dir);
	if (rename(from, to) < 0)
		return wirt_errorf(err, errno, "rename '%s'", from);
	dd = opendir(dir);
	while (dd && (de = readdir(dd)))
		if (strncmp(de->d_name, "req-cert-", 9) == 0) {
			snprintf(old, sizeof(old), "%s/%s", dir, de->d_name);
			unlink(old);
		}
	return 0;
}

int wirt_acme_install(const char *root, const struct wirt_domain *d, struct wirt_error *err)
{
	/* the chain, with room for the key after it (the edge's one file) */
	_cleanup_free_ char *cert = malloc(65536 + 16384), *key = malloc(16384);
	char dir[PATH_MAX], sub[PATH_MAX + WIRT_DOMAIN_MAX + 16], path[PATH_MAX * 2];
	char base[WIRT_DOMAIN_MAX + 16];
	struct wirt_spec spec;
	ssize_t cn = 0, kn = 0;
	int r;

	if (!cert || !key)
		return wirt_errorf(err, ENOMEM, "install certificate");
	r = read_pair(root, d, cert, &cn, key, &kn, err);
	if (r < 0)
		return r;
	r = wirt_vserver_load(root, d->vserver, &spec, err);
	if (r < 0)
		return r;
	wirt_domain_dirname(d->name, base, sizeof(base));
	/* the edge's: certificate and key in one file, root's */
	r = wirt_edge_dir(dir, root, "certs");
	if (r == 0 && mkdir(dir, 0700) < 0 && errno != EEXIST)
		r = -errno;
	if (r < 0)
		return wirt_errorf(err, -r, "create '%s'", dir);
	snprintf(path, sizeof(path), "%s/%s", dir, base);
	memmove(cert + cn, key, (size_t)kn); /* one file: the chain, then the key */
	r = wirt_write_file_atomic(path, cert, (size_t)(cn + kn), 0600);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	/* the vServer's: the host's copy, root's, that fills its /etc/wirt/tls at each
	 * start, and the running guest's view (tls-guest.h) */
	wirt_vserver_file(dir, root, d->vserver, "tls");
	snprintf(sub, sizeof(sub), "%s/%s", dir, base);
	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || (mkdir(sub, 0700) < 0 && errno != EEXIST))
		return wirt_errorf(err, errno, "create '%s'", sub);
	snprintf(path, sizeof(path), "%s/fullchain.pem", sub);
	r = wirt_write_file_atomic(path, cert, (size_t)cn, 0600);
	if (r == 0) {
		snprintf(path, sizeof(path), "%s/privkey.pem", sub);
		r = wirt_write_file_atomic(path, key, (size_t)kn, 0600);
	}
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	return wirt_tls_guest_put(root, d->vserver, base, cert, (size_t)cn, key, (size_t)kn,
				  spec.id_base, err);
}

static int ensure_account(const char *uacme_dir, const char *directory, const char *email,
			  const char *bundle, char *out, struct wirt_error *err)
{
	char key[PATH_MAX + 32];
	int r;

	snprintf(key, sizeof(key), "%s/private/key.pem", uacme_dir);
	if (access(key, R_OK) == 0)
		return 0;
	r = run_uacme((char *const[]){ WIRT_UACME, "-c", (char *)uacme_dir, "-a",
				       (char *)directory, "-y", "new", email[0] ? (char *)email : NULL,
				       NULL },
		      bundle, out, ACME_OUTPUT_MAX);
	if (r != 0) {
		char msg[WIRT_DOMAIN_ERROR_MAX];

		ca_message(out, msg, sizeof(msg));
		return wirt_error_plain(err, EIO, "ACME account at %s: %s", directory, msg);
	}
	return 0;
}

int wirt_acme_obtain(const char *root, const struct wirt_hostconf *hc, struct wirt_domain *d,
		     struct wirt_error *err)
{
	_cleanup_free_ char *out = malloc(ACME_OUTPUT_MAX);
	char edge[PATH_MAX], uacme_dir[PATH_MAX], hook[PATH_MAX], bundle[PATH_MAX];
	char order[PATH_MAX], csr[PATH_MAX + 16], pem[PATH_MAX + 32];
	const char *directory = hc->edge.acme_directory[0] ? hc->edge.acme_directory
							  : WIRT_ACME_DIRECTORY_DEFAULT;
	struct wirt_error e = { 0 };
	int r;

	if (!out)
		return wirt_errorf(err, ENOMEM, "obtain a certificate");
	r = wirt_edge_dir(edge, root, NULL);
	if (r == 0)
		r = wirt_edge_dir(uacme_dir, root, "acme");
	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	if (mkdir(uacme_dir, 0700) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", uacme_dir);
	r = write_hook(edge, root, hook, &e);
	if (r == 0 && hc->edge.acme_ca_bundle[0])
		r = make_bundle(edge, hc->edge.acme_ca_bundle, bundle, &e);
	if (r == 0)
		r = ensure_account(uacme_dir, directory, hc->edge.acme_email,
				   hc->edge.acme_ca_bundle[0] ? bundle : NULL, out, &e);
	if (r == 0)
		r = order_dir(order, root, d) < 0 ? wirt_errorf(&e, ENAMETOOLONG, "order dir")
						    : make_request(order, d, &e);
	if (r == 0) {
		/* issue from our request: the key stays ours, the files are named by us (a
		 * wildcard's and its base domain's would share uacme's own directory). -f:
		 * wirt decides when to renew (a third of the lifetime before the end). */
		snprintf(csr, sizeof(csr), "%s/req.csr", order);
		r = run_uacme((char *const[]){ WIRT_UACME, "-c", uacme_dir, "-a", (char *)directory,
					       "-h", hook, "-y", "-f", "-o", "issue", csr, NULL },
			      hc->edge.acme_ca_bundle[0] ? bundle : NULL, out, ACME_OUTPUT_MAX);
		if (r != 0) {
			char msg[WIRT_DOMAIN_ERROR_MAX];

			ca_message(out, msg, sizeof(msg));
			r = wirt_error_plain(&e, EIO, "%s", msg);
		}
	}
	if (r == 0) {
		snprintf(pem, sizeof(pem), "%s/req-cert.pem", order);
		r = cert_info(pem, d, &e);
	}
	if (r == 0)
		r = keep_request(order, &e);
	if (r == 0)
		r = wirt_acme_install(root, d, &e);
	if (r == 0) {
		d->state = WIRT_DOMAIN_VALID;
		d->last_error[0] = '\0';
		d->failures = 0;
		d->next_try = 0;
	} else {
		/* the old certificate, if any, serves on until it ends */
		d->state = WIRT_DOMAIN_FAILED;
		snprintf(d->last_error, sizeof(d->last_error), "%s", e.msg);
		d->failures++;
		d->next_try = (int64_t)time(NULL) + wirt_acme_backoff(d->failures);
		*err = e;
	}
	{
		struct wirt_error save_err = { 0 };
		int s = wirt_domain_save(root, d, &save_err);

		if (r == 0 && s < 0) {
			*err = save_err;
			r = s;
		}
	}
	return r < 0 ? r : 0;
}

int wirt_acme_hook(const char *root, const struct wirt_hostconf *hc, char *const argv[5],
		   struct wirt_error *err)
{
	const char *method = argv[0], *type = argv[1], *token = argv[3], *auth = argv[4];
	char out[WIRT_TOOL_OUTPUT_MAX];
	bool begin = strcmp(method, "begin") == 0;
	int r;

	if (!begin && strcmp(method, "done") != 0 && strcmp(method, "failed") != 0)
		return wirt_error_invalid(err, "unknown hook method '%s'", method);
	if (strcmp(type, "http-01") == 0)
		return wirt_edge_challenge(root, token, begin ? auth : NULL, err);
	if (strcmp(type, "dns-01") == 0 && hc->edge.dns01_hook[0]) {
		r = wirt_tool_run((char *const[]){ (char *)hc->edge.dns01_hook, argv[0], argv[1],
						   argv[2], argv[3], argv[4], NULL },
				  out, sizeof(out));
		if (r != 0)
			return wirt_errorf(err, r < 0 ? -r : EIO, "dns01_hook '%s'%s%s",
					   hc->edge.dns01_hook, r > 0 ? ": " : "",
					   r > 0 ? wirt_tool_last_line(out) : "");
		return 0;
	}
	return 1; /* not ours: uacme tries the next type */
}
