/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a vServer sees of its domains' certificates (docs/edge.md): a small tmpfs at
 * /etc/wirt/tls inside it, mounted at start before its user namespace exists (so it
 * cannot unmount it), owned by the host's root: the guest reads, never writes.
 * <domain>/fullchain.pem is 0644, <domain>/privkey.pem 0640 with the guest root's group.
 * The host's copies, 0600 root, are in <root>/vservers/NAME/tls/<domain>/ and fill the
 * tmpfs at each start; a renewal also writes into a running guest's tmpfs (through
 * /proc/PID/root, resolved inside the guest's root). A tmpfs and not a bind mount of
 * the host's directory: a bind would name the host's path in the guest's mountinfo.
 */
#ifndef WIRT_TLS_GUEST_H
#define WIRT_TLS_GUEST_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

#define WIRT_TLS_GUEST_DIR "/etc/wirt/tls"

/* Copies every <domain>/ of 'host_dir' (missing: none) into the guest's tmpfs 'dir_fd'
 * (the guest root's group 'gid'). */
int wirt_tls_guest_fill(const char *host_dir, int dir_fd, gid_t gid, struct wirt_error *err);

/* One domain's files into the view 'dir_fd' (a directory <base> in it). */
int wirt_tls_guest_put_at(int dir_fd, const char *base, const char *cert, size_t cert_len,
			  const char *key, size_t key_len, gid_t gid, struct wirt_error *err);

/* Puts one domain's files into running vServer 'name' (not running: nothing to do). */
int wirt_tls_guest_put(const char *root, const char *name, const char *base, const char *cert,
		       size_t cert_len, const char *key, size_t key_len, gid_t gid,
		       struct wirt_error *err);

/* Takes one domain's files out of running vServer 'name'. */
int wirt_tls_guest_remove(const char *root, const char *name, const char *base,
			  struct wirt_error *err);

#endif
