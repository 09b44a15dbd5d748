/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The domains of a root dir's vServers (docs/edge.md): one small key=value file each
 * under <root>/edge/domains/, the edge's and ACME's state. What the edge serves is
 * generated from these (edge.h); certificates are obtained for them (acme.h).
 */
#ifndef WIRT_DOMAIN_H
#define WIRT_DOMAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain-name.h"
#include "error.h"
#include "spec.h"

enum wirt_domain_tls { WIRT_TLS_EDGE, WIRT_TLS_PASSTHROUGH, WIRT_TLS_OFF };
enum wirt_domain_forward { WIRT_FORWARD_XFF, WIRT_FORWARD_PROXY };
enum wirt_domain_state { WIRT_DOMAIN_PENDING, WIRT_DOMAIN_VALID, WIRT_DOMAIN_FAILED,
			 WIRT_DOMAIN_OFF };

#define WIRT_DOMAIN_CMD_MAX 256
#define WIRT_DOMAIN_ERROR_MAX 512

struct wirt_domain {
	char name[WIRT_DOMAIN_MAX + 1];
	char vserver[WIRT_NAME_MAX + 1];
	enum wirt_domain_tls tls;
	enum wirt_domain_forward forward;
	char reload_cmd[WIRT_DOMAIN_CMD_MAX]; /* run in the vServer after a renewal */
	enum wirt_domain_state state;
	char issuer[128];			/* of the certificate it has, "" none */
	int64_t not_before, not_after;		/* 0: no certificate */
	char last_error[WIRT_DOMAIN_ERROR_MAX]; /* of the last failed attempt, "" none */
	unsigned failures;			/* in a row */
	int64_t next_try;			/* after failures: not before this */
};

const char *wirt_domain_tls_name(enum wirt_domain_tls t);
const char *wirt_domain_forward_name(enum wirt_domain_forward f);
const char *wirt_domain_state_name(enum wirt_domain_state s);
int wirt_domain_tls_parse(const char *s, enum wirt_domain_tls *ret, struct wirt_error *err);
int wirt_domain_forward_parse(const char *s, enum wirt_domain_forward *ret,
			      struct wirt_error *err);

/* The state file's text. Parse: unknown keys and bad values are errors. */
int wirt_domain_parse(const char *text, size_t len, struct wirt_domain *d,
		      struct wirt_error *err);
int wirt_domain_format(const struct wirt_domain *d, char *buf, size_t size);

/* When to renew: a third of the certificate's lifetime before it ends; 0 without one. */
int64_t wirt_domain_renew_after(const struct wirt_domain *d);

/* <root>/edge, made on first use (0700: keys live below). */
int wirt_edge_dir(char *buf, const char *root, const char *sub);

/* Exclusive lock of the root's edge state (domains, certificates, the edge's files). */
int wirt_edge_lock(const char *root, struct wirt_error *err);

int wirt_domain_load(const char *root, const char *name, struct wirt_domain *d,
		     struct wirt_error *err);
/* Writes it atomically. */
int wirt_domain_save(const char *root, const struct wirt_domain *d, struct wirt_error *err);
/* Removes its state file alone. */
int wirt_domain_forget(const char *root, const char *name, struct wirt_error *err);
/* Removes its state and certificate files (the host's and the vServer's copies):
 * domain-ops.c. */
int wirt_domain_remove(const char *root, const struct wirt_domain *d, struct wirt_error *err);
/* Every domain, sorted by name; *ret malloc'ed. */
int wirt_domain_list(const char *root, struct wirt_domain **ret, size_t *ret_n,
		     struct wirt_error *err);

/* ---- operations (domain-ops.c): under the edge's lock, the edge applied after ---- */

struct wirt_domain_options {
	enum wirt_domain_tls tls;
	enum wirt_domain_forward forward;
	const char *reload_cmd; /* NULL: none */
	/* a domain whose certificate could not be had: it stays, served over HTTP */
	void (*warn)(void *ctx, const char *domain, const struct wirt_error *err);
	void *warn_ctx;
};

/* Routes 'names' to vServer 'vserver' and obtains their certificates (docs/edge.md).
 * A name of another vServer fails the whole call before anything changes; one of this
 * vServer is updated to the options. Fails only when the edge cannot serve them. */
int wirt_domain_add(const char *root, const char *vserver, char *const *names, size_t n,
		    const struct wirt_domain_options *o, struct wirt_error *err);

int wirt_domain_delete(const char *root, const char *vserver, const char *name,
		       struct wirt_error *err);

/* Renews what is due (a third of the lifetime left, or failed and past its backoff),
 * or with 'force' all; of 'names' only when n > 0. Failures go to o->warn. */
int wirt_domain_renew(const char *root, char *const *names, size_t n, bool force,
		      const struct wirt_domain_options *o, struct wirt_error *err);

/* Applies the edge when vServer 'vserver' has domains (its addresses changed). */
int wirt_domain_vserver_changed(const char *root, const char *vserver, struct wirt_error *err);

/* Removes the domains of a vServer being deleted and applies the edge. */
int wirt_domain_vserver_gone(const char *root, const char *vserver, struct wirt_error *err);

#endif
