/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Adding, deleting and renewing domains: see domain.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acme.h"
#include "domain.h"
#include "edge.h"
#include "fsutil.h"
#include "hostconf.h"
#include "paths.h"
#include "tls-guest.h"
#include "tool.h"
#include "util.h"
#include "vserver.h"

int wirt_domain_remove(const char *root, const struct wirt_domain *d, struct wirt_error *err)
{
	char path[PATH_MAX], dir[PATH_MAX], base[WIRT_DOMAIN_MAX + 16];

	wirt_domain_dirname(d->name, base, sizeof(base));
	/* the vServer's copies (its view, the host's), the edge's certificate, its order */
	(void)wirt_tls_guest_remove(root, d->vserver, base, &(struct wirt_error){ 0 });
	if (wirt_vserver_file(dir, root, d->vserver, "tls") &&
	    snprintf(path, sizeof(path), "%s/%s", dir, base) < (int)sizeof(path))
		(void)wirt_rm_rf(path);
	if (wirt_edge_dir(dir, root, "certs") == 0 &&
	    snprintf(path, sizeof(path), "%s/%s", dir, base) < (int)sizeof(path))
		(void)unlink(path);
	if (wirt_edge_dir(dir, root, "acme/orders") == 0 &&
	    snprintf(path, sizeof(path), "%s/%s", dir, base) < (int)sizeof(path))
		(void)wirt_rm_rf(path);
	return wirt_domain_forget(root, d->name, err);
}

static void warn(const struct wirt_domain_options *o, const char *domain,
		 const struct wirt_error *err)
{
	if (o && o->warn)
		o->warn(o->warn_ctx, domain, err);
}

/* The vServer's reload command, inside it, when it runs: its web server takes the new
 * certificates. A failure is the vServer's business; it is reported, not fatal. */
static void run_reload(const char *root, const struct wirt_domain *d,
		       const struct wirt_domain_options *o)
{
	char self[PATH_MAX], out[WIRT_TOOL_OUTPUT_MAX];
	struct wirt_status st;
	struct wirt_error err = { 0 };
	ssize_t n;
	int r;

	if (!d->reload_cmd[0] || wirt_vserver_status(root, d->vserver, &st, &err) < 0 ||
	    st.state == WIRT_STATE_STOPPED || !st.guest_alive)
		return;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return;
	self[n] = '\0';
	r = wirt_tool_run((char *const[]){ self, "--root", (char *)root, "exec", (char *)d->vserver,
					   "--", "sh", "-c", (char *)d->reload_cmd, NULL },
			  out, sizeof(out));
	if (r != 0) {
		wirt_error_plain(&err, EIO, "reload command in vServer '%s'%s%s", d->vserver,
				 r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
		warn(o, d->name, &err);
	}
}

/* What every change of domains begins with: the host's settings, then the edge's lock
 * (returned, or -errno). */
static int edge_begin(const char *root, struct wirt_hostconf *hc, struct wirt_error *err)
{
	int r = wirt_hostconf_load(hc, err);

	return r < 0 ? r : wirt_edge_lock(root, err);
}

/* After certificates changed: the edge, then each vServer's reload command once. */
static int apply_and_reload(const char *root, const struct wirt_hostconf *hc,
			    struct wirt_domain *changed, size_t n,
			    const struct wirt_domain_options *o, struct wirt_error *err)
{
	int r = wirt_edge_apply(root, hc, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t j = 0; j < i; j++)
			seen |= strcmp(changed[j].vserver, changed[i].vserver) == 0;
		if (!seen)
			run_reload(root, &changed[i], o);
	}
	return 0;
}

int wirt_domain_add(const char *root, const char *vserver, char *const *names, size_t n,
		    const struct wirt_domain_options *o, struct wirt_error *err)
{
	_cleanup_free_ struct wirt_domain *v = calloc(n ? n : 1, sizeof(*v));
	_cleanup_free_ bool *is_new = calloc(n ? n : 1, sizeof(*is_new));
	_cleanup_close_ int lock = -1;
	struct wirt_hostconf hc;
	struct wirt_spec spec;
	struct wirt_domain old;
	struct wirt_error e;
	size_t n_issued = 0;
	int r;

	if (!v || !is_new)
		return wirt_errorf(err, ENOMEM, "add domains");
	r = wirt_hostconf_load(&hc, err);
	if (r < 0)
		return r;
	r = wirt_vserver_load(root, vserver, &spec, err);
	if (r < 0)
		return r;
	if (!spec.net.n_addrs)
		return wirt_error_plain(err, EADDRNOTAVAIL,
					"vServer '%s' has no address for the edge to reach", vserver);
	for (size_t i = 0; i < n; i++) {
		r = wirt_domain_validate(names[i], hc.edge.dns01_hook[0] != '\0', v[i].name, err);
		if (r < 0)
			return r;
		for (size_t j = 0; j < i; j++)
			if (strcmp(v[j].name, v[i].name) == 0)
				return wirt_error_invalid(err, "domain '%s' named twice", v[i].name);
	}
	lock = wirt_edge_lock(root, err);
	if (lock < 0)
		return lock;
	/* all checked before anything is written */
	for (size_t i = 0; i < n; i++) {
		if (wirt_domain_load(root, v[i].name, &old, &e) == 0) {
			if (strcmp(old.vserver, vserver) != 0)
				return wirt_error_plain(err, EEXIST, "domain '%s' belongs to vServer '%s'",
							v[i].name, old.vserver);
			v[i] = old; /* its certificate and history stay */
		} else {
			is_new[i] = true;
			snprintf(v[i].vserver, sizeof(v[i].vserver), "%s", vserver);
		}
		v[i].tls = o->tls;
		v[i].forward = o->forward;
		snprintf(v[i].reload_cmd, sizeof(v[i].reload_cmd), "%s",
			 o->reload_cmd ? o->reload_cmd : "");
		if (o->tls == WIRT_TLS_OFF)
			v[i].state = WIRT_DOMAIN_OFF;
		else if (v[i].state == WIRT_DOMAIN_OFF)
			v[i].state = v[i].not_after ? WIRT_DOMAIN_VALID : WIRT_DOMAIN_PENDING;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = wirt_domain_save(root, &v[i], err);
	/* port 80 first: the CA's HTTP-01 challenge arrives there */
	if (r == 0)
		r = wirt_edge_apply(root, &hc, err);
	if (r < 0) {
		/* nothing of the new ones stays; the edge as it was */
		for (size_t i = 0; i < n; i++)
			if (is_new[i])
				(void)wirt_domain_remove(root, &v[i], &e);
		(void)wirt_edge_apply(root, &hc, &e);
		return r;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].tls == WIRT_TLS_OFF)
			continue;
		/* a certificate that is still good enough stays */
		if (v[i].state == WIRT_DOMAIN_VALID &&
		    (int64_t)time(NULL) < wirt_domain_renew_after(&v[i]))
			continue;
		memset(&e, 0, sizeof(e));
		if (wirt_acme_obtain(root, &hc, &v[i], &e) < 0)
			warn(o, v[i].name, &e);
		else
			n_issued++;
	}
	/* the edge serves the domains already; new certificates need it once more */
	if (!n_issued)
		return 0;
	return apply_and_reload(root, &hc, v, n, o, err);
}

int wirt_domain_delete(const char *root, const char *vserver, const char *name,
		       struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	struct wirt_hostconf hc;
	struct wirt_domain d;
	char norm[WIRT_DOMAIN_MAX + 1];
	int r;

	r = wirt_domain_validate(name, true, norm, err);
	if (r < 0)
		return r;
	lock = edge_begin(root, &hc, err);
	if (lock < 0)
		return lock;
	r = wirt_domain_load(root, norm, &d, err);
	if (r < 0)
		return r;
	if (strcmp(d.vserver, vserver) != 0)
		return wirt_error_plain(err, EPERM, "domain '%s' belongs to vServer '%s'", norm,
					d.vserver);
	r = wirt_domain_remove(root, &d, err);
	if (r < 0)
		return r;
	return wirt_edge_apply(root, &hc, err);
}

static bool due(const struct wirt_domain *d, bool force, int64_t now)
{
	if (d->tls == WIRT_TLS_OFF)
		return false;
	if (force)
		return true;
	if (d->state == WIRT_DOMAIN_VALID)
		return now >= wirt_domain_renew_after(d);
	return now >= d->next_try; /* pending or failed: after the backoff */
}

int wirt_domain_renew(const char *root, char *const *names, size_t n, bool force,
		      const struct wirt_domain_options *o, struct wirt_error *err)
{
	_cleanup_free_ struct wirt_domain *v = NULL;
	_cleanup_free_ bool *named = NULL;
	_cleanup_close_ int lock = -1;
	struct wirt_hostconf hc;
	size_t nv, n_done = 0;
	int64_t now = (int64_t)time(NULL);
	int r;

	lock = edge_begin(root, &hc, err);
	if (lock < 0)
		return lock;
	r = wirt_domain_list(root, &v, &nv, err);
	if (r < 0)
		return r;
	named = calloc(nv ? nv : 1, sizeof(*named));
	if (!named)
		return wirt_errorf(err, ENOMEM, "renew");
	for (size_t j = 0; j < nv; j++)
		named[j] = n == 0; /* no names: all */
	for (size_t i = 0; i < n; i++) {
		char norm[WIRT_DOMAIN_MAX + 1];
		size_t j = 0;

		r = wirt_domain_validate(names[i], true, norm, err);
		if (r < 0)
			return r;
		while (j < nv && strcmp(v[j].name, norm) != 0)
			j++;
		if (j == nv)
			return wirt_error_plain(err, ENOENT, "no domain '%s'", norm);
		named[j] = true;
	}
	for (size_t j = 0; j < nv; j++) {
		struct wirt_error e = { 0 };

		if (!named[j] || !due(&v[j], force, now))
			continue;
		if (wirt_acme_obtain(root, &hc, &v[j], &e) < 0)
			warn(o, v[j].name, &e);
		else
			v[n_done++] = v[j];
	}
	/* nothing renewed, the edge still applied: a certificate that has ended since the
	 * last time leaves its redirect and its crt-list line (the timer's twice a day) */
	if (!n_done)
		return wirt_edge_apply(root, &hc, err);
	return apply_and_reload(root, &hc, v, n_done, o, err);
}

/* After a vServer changed or went: the edge applied anew when it has domains, which
 * are removed first with 'gone'. The first look, without the lock, spares a root
 * without domains the edge's files. */
static int vserver_domains(const char *root, const char *vserver, bool gone,
			   struct wirt_error *err)
{
	_cleanup_free_ struct wirt_domain *v = NULL;
	_cleanup_close_ int lock = -1;
	struct wirt_hostconf hc;
	size_t n, has = 0;
	int r;

	r = wirt_domain_list(root, &v, &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		has += strcmp(v[i].vserver, vserver) == 0;
	if (!has)
		return 0;
	lock = edge_begin(root, &hc, err);
	if (lock < 0)
		return lock;
	/* read again under the lock: a domain added meanwhile goes too */
	free(v);
	v = NULL;
	r = gone ? wirt_domain_list(root, &v, &n, err) : 0;
	for (size_t i = 0; gone && i < n && r == 0; i++)
		if (strcmp(v[i].vserver, vserver) == 0)
			r = wirt_domain_remove(root, &v[i], err);
	if (r < 0)
		return r;
	return wirt_edge_apply(root, &hc, err);
}

int wirt_domain_vserver_gone(const char *root, const char *vserver, struct wirt_error *err)
{
	return vserver_domains(root, vserver, true, err);
}

int wirt_domain_vserver_changed(const char *root, const char *vserver, struct wirt_error *err)
{
	return vserver_domains(root, vserver, false, err);
}
