/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Certificates from an ACME CA for the vServers' domains (docs/edge.md), through
 * Debian's uacme: an account under <root>/edge/acme/, HTTP-01 answered by the edge
 * (uacme's hook is `wirt domain acme-hook`, edge.h's challenge map), DNS-01 by the
 * host's dns01_hook for wildcards. uacme has no option to trust another CA, so with
 * [edge] acme_ca_bundle it runs in a mount namespace of its own whose system bundle
 * has that CA added. The certificate and key go to the edge (<root>/edge/certs/, 0600
 * root) and to the vServer (<root>/vservers/NAME/tls/<domain>/, its root's, mounted
 * read-only at /etc/wirt/tls in the guest).
 */
#ifndef WIRT_ACME_H
#define WIRT_ACME_H

#include "domain.h"
#include "error.h"
#include "hostconf.h"

#define WIRT_UACME "/usr/bin/uacme"

/* Obtains a certificate for 'd' now and records the outcome in it (state, issuer,
 * dates; on failure last_error with the CA's message, failures and the backoff's
 * next_try), saving it either way. 0, or -errno with err holding the CA's message. */
int wirt_acme_obtain(const char *root, const struct wirt_hostconf *hc, struct wirt_domain *d,
		     struct wirt_error *err);

/* uacme's hook: METHOD TYPE IDENT TOKEN AUTH. 0 when it handled the challenge, 1 when
 * not this type (uacme then tries the next), -errno on failure. */
int wirt_acme_hook(const char *root, const struct wirt_hostconf *hc, char *const argv[5],
		   struct wirt_error *err);

/* Copies 'd''s certificate and key (from the edge) into its vServer's tls directory. */
int wirt_acme_install(const char *root, const struct wirt_domain *d, struct wirt_error *err);

/* The backoff after n failures in a row: 1 min, 2, 4, ... at most a day. */
int64_t wirt_acme_backoff(unsigned failures);

#endif
