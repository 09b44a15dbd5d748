/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Host id ranges: each vServer gets 65536 host uids/gids of its own, so root inside is
 * an unprivileged id outside and no two vServers share an id. The registry is
 * host-wide (one file per slot in WIRT_ID_REGISTRY, default /var/lib/wirt/ids, under a
 * flock), so vServers of different root dirs never share a range either.
 *
 * Slot s covers host ids [WIRT_ID_FIRST + s * 65536, ... + 65535].
 */
#ifndef WIRT_IDRANGE_H
#define WIRT_IDRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define WIRT_ID_FIRST 1000000000u /* far above any /etc/subuid or LDAP range */
#define WIRT_ID_SLOTS 49152u	  /* up to 2^32 - 2^16: the last range ends below -1 */
#define WIRT_ID_REGISTRY_DEFAULT "/var/lib/wirt/ids"

/* Pure: the lowest slot not marked in used[0..n), or -ENOSPC when n reaches
 * WIRT_ID_SLOTS and all are used. */
long wirt_idrange_pick(const bool *used, size_t n);

static inline uint32_t wirt_idrange_base(unsigned long slot)
{
	return WIRT_ID_FIRST + (uint32_t)slot * 65536u;
}

/* Allocates a free range for vServer 'name' of root dir 'root' and records it.
 * An entry whose owner's config no longer exists is stale and may be reused. 'root'
 * must exist and be absolute; <root>/vservers/<name> must exist before the call (an
 * entry without it counts as stale). Asking again for the same root/name returns the
 * range it already has. Errors: -EINVAL, -ENOSPC (all taken), -errno of the registry. */
int wirt_idrange_alloc(const char *root, const char *name, uint32_t *ret_base,
		       struct wirt_error *err);

/* Releases the range starting at 'base' if it is recorded for root/name; an entry of
 * anyone else (a stale range handed out again) is left alone, and that is success. */
int wirt_idrange_release(const char *root, const char *name, uint32_t base,
			 struct wirt_error *err);

#endif
