/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The domains' state files: see domain.h. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain.h"
#include "fsutil.h"
#include "paths.h"
#include "util.h"
#include "validate.h"

#define DOMAIN_FILE_MAX 4096

static const char *const tls_names[] = { "edge", "passthrough", "off" };
static const char *const forward_names[] = { "xff", "proxy" };
static const char *const state_names[] = { "pending", "valid", "failed", "off" };

const char *wirt_domain_tls_name(enum wirt_domain_tls t)
{
	return tls_names[t];
}

const char *wirt_domain_forward_name(enum wirt_domain_forward f)
{
	return forward_names[f];
}

const char *wirt_domain_state_name(enum wirt_domain_state s)
{
	return state_names[s];
}

static int lookup(const char *s, const char *const *names, size_t n, const char *what,
		  struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	for (size_t i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	return wirt_error_invalid(err, "invalid %s '%s'", what,
				  wirt_str_escape(s, shown, sizeof(shown)));
}

int wirt_domain_tls_parse(const char *s, enum wirt_domain_tls *ret, struct wirt_error *err)
{
	int r = lookup(s, tls_names, ARRAY_SIZE(tls_names), "tls mode (edge, passthrough, off)",
		       err);

	if (r >= 0)
		*ret = (enum wirt_domain_tls)r;
	return r < 0 ? r : 0;
}

int wirt_domain_forward_parse(const char *s, enum wirt_domain_forward *ret,
			      struct wirt_error *err)
{
	int r = lookup(s, forward_names, ARRAY_SIZE(forward_names), "forward mode (xff, proxy)",
		       err);

	if (r >= 0)
		*ret = (enum wirt_domain_forward)r;
	return r < 0 ? r : 0;
}

/* A text value of the file: one line, printable (a CA's message is cleaned before). */
static int copy_line(const char *v, char *out, size_t size, struct wirt_error *err)
{
	if (strlen(v) >= size)
		return wirt_error_invalid(err, "too long");
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return wirt_error_invalid(err, "a control character");
	snprintf(out, size, "%s", v);
	return 0;
}

static int set_key(struct wirt_domain *d, const char *key, const char *v, struct wirt_error *err)
{
	uint64_t n;
	int r;

	if (strcmp(key, "name") == 0)
		return wirt_domain_validate(v, true, d->name, err);
	if (strcmp(key, "vserver") == 0) {
		r = wirt_name_validate("vServer", v, err);
		if (r == 0)
			snprintf(d->vserver, sizeof(d->vserver), "%s", v);
		return r;
	}
	if (strcmp(key, "tls") == 0)
		return wirt_domain_tls_parse(v, &d->tls, err);
	if (strcmp(key, "forward") == 0)
		return wirt_domain_forward_parse(v, &d->forward, err);
	if (strcmp(key, "state") == 0) {
		r = lookup(v, state_names, ARRAY_SIZE(state_names), "state", err);
		if (r >= 0)
			d->state = (enum wirt_domain_state)r;
		return r < 0 ? r : 0;
	}
	if (strcmp(key, "reload_cmd") == 0)
		return copy_line(v, d->reload_cmd, sizeof(d->reload_cmd), err);
	if (strcmp(key, "issuer") == 0)
		return copy_line(v, d->issuer, sizeof(d->issuer), err);
	if (strcmp(key, "last_error") == 0)
		return copy_line(v, d->last_error, sizeof(d->last_error), err);
	if (strcmp(key, "not_before") == 0 || strcmp(key, "not_after") == 0 ||
	    strcmp(key, "next_try") == 0 || strcmp(key, "failures") == 0) {
		r = wirt_uint_parse(v, 0, INT64_MAX, &n, err);
		if (r < 0)
			return r;
		if (key[0] == 'f')
			d->failures = n > 1000 ? 1000 : (unsigned)n;
		else if (key[1] == 'e')
			d->next_try = (int64_t)n;
		else if (key[4] == 'b')
			d->not_before = (int64_t)n;
		else
			d->not_after = (int64_t)n;
		return 0;
	}
	return wirt_error_invalid(err, "unknown key");
}

int wirt_domain_parse(const char *text, size_t len, struct wirt_domain *d,
		      struct wirt_error *err)
{
	const char *p = text, *end = text + len;
	char seen[16][32];
	unsigned line = 0, n_seen = 0;

	memset(d, 0, sizeof(*d));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end, *eq;
		char key[32], value[DOMAIN_FILE_MAX];
		size_t kn, vn;
		int r;

		line++;
		if (eol == p) {
			p = eol + 1;
			continue;
		}
		eq = memchr(p, '=', (size_t)(eol - p));
		if (!eq)
			return wirt_error_invalid(err, "line %u: no '='", line);
		kn = (size_t)(eq - p);
		vn = (size_t)(eol - eq - 1);
		if (kn >= sizeof(key) || vn >= sizeof(value) || memchr(p, '\0', (size_t)(eol - p)))
			return wirt_error_invalid(err, "line %u: too long", line);
		memcpy(key, p, kn);
		key[kn] = '\0';
		for (unsigned i = 0; i < n_seen; i++)
			if (strcmp(seen[i], key) == 0) {
				char shown[WIRT_ESCAPE_MAX];

				return wirt_error_invalid(err, "line %u: '%s' again", line,
							  wirt_str_escape(key, shown, sizeof(shown)));
			}
		if (n_seen < 16)
			memcpy(seen[n_seen++], key, kn + 1);
		memcpy(value, eq + 1, vn);
		value[vn] = '\0';
		r = set_key(d, key, value, err);
		if (r < 0) {
			char shown[WIRT_ESCAPE_MAX];

			return wirt_error_prefix(err, "line %u: %s", line,
						 wirt_str_escape(key, shown, sizeof(shown)));
		}
		p = eol + 1;
	}
	if (!d->name[0] || !d->vserver[0])
		return wirt_error_invalid(err, "no %s", d->name[0] ? "vserver" : "name");
	return 0;
}

int wirt_domain_format(const struct wirt_domain *d, char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "name=%s\nvserver=%s\ntls=%s\nforward=%s\nreload_cmd=%s\nstate=%s\n"
			 "issuer=%s\nnot_before=%" PRId64 "\nnot_after=%" PRId64 "\n"
			 "last_error=%s\nfailures=%u\nnext_try=%" PRId64 "\n",
			 d->name, d->vserver, tls_names[d->tls], forward_names[d->forward],
			 d->reload_cmd, state_names[d->state], d->issuer, d->not_before,
			 d->not_after, d->last_error, d->failures, d->next_try);

	return n < 0 || (size_t)n >= size ? -ENOSPC : n;
}

int64_t wirt_domain_renew_after(const struct wirt_domain *d)
{
	if (!d->not_after || d->not_after <= d->not_before)
		return 0;
	return d->not_after - (d->not_after - d->not_before) / 3;
}

int wirt_edge_dir(char *buf, const char *root, const char *sub)
{
	char dir[PATH_MAX];

	if (!wirt_path(dir, root, "edge", NULL, NULL))
		return -ENAMETOOLONG;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	if (snprintf(buf, PATH_MAX, "%s%s%s", dir, sub ? "/" : "", sub ? sub : "") >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int wirt_edge_lock(const char *root, struct wirt_error *err)
{
	char path[PATH_MAX];
	int r = wirt_edge_dir(path, root, "lock");

	if (r < 0)
		return wirt_errorf(err, -r, "edge dir of '%s'", root);
	return wirt_lock_file(path, err);
}

static int domain_file(char *buf, const char *root, const char *name)
{
	char dir[PATH_MAX], base[WIRT_DOMAIN_MAX + 16];
	int r = wirt_edge_dir(dir, root, "domains");

	if (r < 0)
		return r;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	wirt_domain_dirname(name, base, sizeof(base));
	if (snprintf(buf, PATH_MAX, "%s/%s", dir, base) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

int wirt_domain_load(const char *root, const char *name, struct wirt_domain *d,
		     struct wirt_error *err)
{
	char path[PATH_MAX], text[DOMAIN_FILE_MAX];
	ssize_t n;
	int r;

	r = domain_file(path, root, name);
	if (r < 0)
		return wirt_errorf(err, -r, "domain '%s'", name);
	n = wirt_read_file(path, text, sizeof(text));
	if (n == -ENOENT)
		return wirt_error_plain(err, ENOENT, "no domain '%s'", name);
	if (n < 0)
		return wirt_errorf(err, (int)-n, "read '%s'", path);
	r = wirt_domain_parse(text, (size_t)n, d, err);
	if (r < 0)
		return wirt_error_prefix(err, "'%s'", path);
	return 0;
}

int wirt_domain_save(const char *root, const struct wirt_domain *d, struct wirt_error *err)
{
	char path[PATH_MAX], text[DOMAIN_FILE_MAX];
	int n, r;

	r = domain_file(path, root, d->name);
	if (r < 0)
		return wirt_errorf(err, -r, "domain '%s'", d->name);
	n = wirt_domain_format(d, text, sizeof(text));
	if (n < 0)
		return wirt_errorf(err, -n, "domain '%s'", d->name);
	r = wirt_write_file_atomic(path, text, (size_t)n, 0600);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	return 0;
}

int wirt_domain_forget(const char *root, const char *name, struct wirt_error *err)
{
	char path[PATH_MAX];
	int r = domain_file(path, root, name);

	if (r == 0 && unlink(path) < 0 && errno != ENOENT)
		r = -errno;
	if (r < 0)
		return wirt_errorf(err, -r, "remove domain '%s'", name);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct wirt_domain *)a)->name, ((const struct wirt_domain *)b)->name);
}

int wirt_domain_list(const char *root, struct wirt_domain **ret, size_t *ret_n,
		     struct wirt_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct wirt_domain *v = NULL, *grown;
	char dir[PATH_MAX], name[WIRT_DOMAIN_MAX + 1];
	struct dirent *de;
	size_t n = 0, cap = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!wirt_path(dir, root, "edge", "domains", NULL))
		return wirt_errorf(err, ENAMETOOLONG, "domains of '%s'", root);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : wirt_errorf(err, errno, "open '%s'", dir);
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.') /* a file being written */
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = reallocarray(v, cap, sizeof(*v));
			if (!grown) {
				free(v);
				return wirt_errorf(err, ENOMEM, "list domains");
			}
			v = grown;
		}
		/* the file of "*.x" is "_wildcard.x" */
		if (strncmp(de->d_name, "_wildcard.", 10) == 0)
			snprintf(name, sizeof(name), "*%s", de->d_name + 9);
		else
			snprintf(name, sizeof(name), "%s", de->d_name);
		r = wirt_domain_load(root, name, &v[n], err);
		if (r < 0) {
			free(v);
			return r;
		}
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), by_name);
	*ret = v;
	*ret_n = n;
	return 0;
}
