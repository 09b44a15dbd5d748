/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where things live under the root dir (--root, WIRT_ROOT, default /var/lib/wirt).
 * These are host paths that wirt itself owns; paths *inside* a guest are never built
 * by joining strings (see fsutil.h).
 *
 *   <root>/lock                         flock: template and id-range changes
 *   <root>/templates/<T>/rootfs/        a read-only template tree, host ids 0..65535
 *   <root>/vservers/<N>/config          the vServer's INI config
 *   <root>/vservers/<N>/lock            flock: serialises commands on one vServer
 *   <root>/vservers/<N>/upper, work     its writable overlay layer (owned by its ids)
 *   <root>/vservers/<N>/console.log     the console log the supervisor writes
 *   <root>/run/<N>/                     runtime state of a running vServer: checked,
 *                                       never trusted (see vserver.c)
 *   /var/lib/wirt/ids/<slot>            the host-wide id-range registry (idrange.c)
 */
#ifndef WIRT_PATHS_H
#define WIRT_PATHS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WIRT_ROOT_DEFAULT "/var/lib/wirt"

/* Returns the root dir: the argument if set, else $WIRT_ROOT, else the default. */
const char *wirt_root_resolve(const char *arg);

/* snprintf into buf (PATH_MAX) "<root>/<a>/<b>/<c>" for the non-NULL parts. Returns
 * buf, or NULL when it does not fit (callers pass validated names, so it fits). */
char *wirt_path(char *buf, const char *root, const char *a, const char *b, const char *c);

/* The tag of a root dir other than the default, for the names it gives host objects
 * (its cgroup parent "wirt-<tag>", its nft table "wirt_<tag>", its interfaces'
 * prefix): FNV-1a (32 bits) of its real path. False, and no tag, for the default root,
 * whose objects are plainly "wirt". */
bool wirt_root_tag(const char *root, uint32_t *ret_tag);

/* FNV-1a, 32 bits: a short, stable tag for a string. */
uint32_t wirt_hash(const char *s);

#define wirt_template_dir(buf, root, t) wirt_path(buf, root, "templates", t, NULL)
#define wirt_template_rootfs(buf, root, t) wirt_path(buf, root, "templates", t, "rootfs")
#define wirt_vserver_dir(buf, root, n) wirt_path(buf, root, "vservers", n, NULL)
#define wirt_vserver_file(buf, root, n, f) wirt_path(buf, root, "vservers", n, f)
#define wirt_run_dir(buf, root, n) wirt_path(buf, root, "run", n, NULL)
#define wirt_run_file(buf, root, n, f) wirt_path(buf, root, "run", n, f)

#endif
