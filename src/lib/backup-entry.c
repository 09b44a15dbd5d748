/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ids of a backup's entries, moved between host and guest: see backup-entry.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive-dl.h"
#include "backup-entry.h"
#include "spec.h"

/* id in [from, from + WIRT_ID_COUNT) moved to the same place in [to, ...). */
static int shift_id(int64_t id, const struct wirt_id_shift *s, int64_t *ret)
{
	if (id >= (int64_t)s->from && id - (int64_t)s->from < (int64_t)WIRT_ID_COUNT) {
		*ret = id - (int64_t)s->from + (int64_t)s->to;
		return 0;
	}
	if (s->outside < 0)
		return -ERANGE;
	*ret = s->outside;
	return 0;
}

static int shift_acl(struct archive_entry *e, const struct wirt_id_shift *s)
{
	struct acl_item {
		int type, permset, tag, qual;
	} *v = NULL;
	const int want = ARCHIVE_ENTRY_ACL_TYPE_ACCESS | ARCHIVE_ENTRY_ACL_TYPE_DEFAULT;
	int n, i = 0, type, permset, tag, qual, r = 0;
	const char *name;

	n = archive_entry_acl_reset(e, want);
	if (n <= 0)
		return 0;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (i < n &&
	       archive_entry_acl_next(e, want, &type, &permset, &tag, &qual, &name) == ARCHIVE_OK) {
		int64_t id = qual;

		if ((tag == ARCHIVE_ENTRY_ACL_USER || tag == ARCHIVE_ENTRY_ACL_GROUP) &&
		    (r = shift_id(qual, s, &id)) < 0)
			break;
		v[i++] = (struct acl_item){ type, permset, tag, (int)id };
	}
	if (r == 0) {
		archive_entry_acl_clear(e);
		for (int k = 0; k < i && r == 0; k++)
			if (archive_entry_acl_add_entry(e, v[k].type, v[k].permset, v[k].tag,
			                                v[k].qual, NULL) != ARCHIVE_OK)
				r = -EINVAL;
	}
	free(v);
	return r;
}

/* security.capability: a v3 value names the user namespace's root it is valid for
 * (a host id); shifted like an owner. A v2 value (valid in every namespace) becomes v3
 * of the vServer's root on import: never more than the guest's root had. */
#define CAPS_REVISION_MASK 0xff000000u
#define CAPS_REVISION_2 0x02000000u
#define CAPS_REVISION_3 0x03000000u
#define CAPS_V2_SIZE 20
#define CAPS_V3_SIZE 24

static int shift_caps(const void *value, size_t size, const struct wirt_id_shift *s,
                      unsigned char out[CAPS_V3_SIZE], size_t *ret_size)
{
	uint32_t magic, rootid;
	int64_t id;

	if (size < 4)
		return -EINVAL;
	memcpy(&magic, value, 4); /* little endian on disk, as these hosts are */
	if ((magic & CAPS_REVISION_MASK) == CAPS_REVISION_3 && size == CAPS_V3_SIZE) {
		memcpy(&rootid, (const char *)value + 20, 4);
	} else if ((magic & CAPS_REVISION_MASK) == CAPS_REVISION_2 && size == CAPS_V2_SIZE) {
		if (!s->caps_v2_to_v3) {
			memcpy(out, value, size);
			*ret_size = size;
			return 0;
		}
		rootid = s->from;
	} else {
		return -EINVAL;
	}
	if (shift_id(rootid, s, &id) < 0)
		return -ERANGE;
	magic = (magic & ~CAPS_REVISION_MASK) | CAPS_REVISION_3;
	memcpy(out, &magic, 4);
	memcpy(out + 4, (const char *)value + 4, 16);
	rootid = (uint32_t)id;
	memcpy(out + 20, &rootid, 4);
	*ret_size = CAPS_V3_SIZE;
	return 0;
}

/* Xattrs that name this host: overlayfs's file handles of the lower layer and the
 * id of the overlay they were made for. */
static bool host_only_xattr(const char *name)
{
	return strcmp(name, "trusted.overlay.origin") == 0 ||
	       strcmp(name, "trusted.overlay.uuid") == 0 ||
	       strcmp(name, "user.overlay.origin") == 0;
}

static int shift_xattrs(struct archive_entry *e, const struct wirt_id_shift *s)
{
	struct xattr_item {
		char *name;
		void *value;
		size_t size;
	} *v = NULL;
	const char *name;
	const void *value;
	size_t size;
	int n, i = 0, r = 0;

	n = archive_entry_xattr_reset(e);
	if (n <= 0)
		return 0;
	v = calloc((size_t)n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (i < n && archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		unsigned char caps[CAPS_V3_SIZE];

		if (host_only_xattr(name))
			continue;
		if (strcmp(name, "security.capability") == 0) {
			r = shift_caps(value, size, s, caps, &size);
			if (r < 0)
				break;
			value = caps;
		}
		v[i].name = strdup(name);
		v[i].value = malloc(size ? size : 1);
		if (!v[i].name || !v[i].value) {
			free(v[i].name), free(v[i].value);
			r = -ENOMEM;
			break;
		}
		memcpy(v[i].value, value, size);
		v[i++].size = size;
	}
	if (r == 0) {
		archive_entry_xattr_clear(e);
		for (int k = 0; k < i; k++)
			archive_entry_xattr_add_entry(e, v[k].name, v[k].value, v[k].size);
	}
	for (int k = 0; k < i; k++)
		free(v[k].name), free(v[k].value);
	free(v);
	return r;
}

int wirt_backup_shift_entry(struct archive_entry *e, const struct wirt_id_shift *s,
                            struct wirt_error *err)
{
	int64_t uid, gid;
	int r;

	if (shift_id(archive_entry_uid(e), s, &uid) < 0 ||
	    shift_id(archive_entry_gid(e), s, &gid) < 0)
		return wirt_error_plain(err, ERANGE, "'%s' is owned by %lld:%lld, not a guest's id",
		                        archive_entry_pathname(e), (long long)archive_entry_uid(e),
		                        (long long)archive_entry_gid(e));
	archive_entry_set_uid(e, uid);
	archive_entry_set_gid(e, gid);
	r = shift_acl(e, s);
	if (r == 0)
		r = shift_xattrs(e, s);
	if (r == -ERANGE)
		return wirt_error_plain(err, ERANGE,
		                        "'%s' has an ACL or capability of an id "
		                        "that is not a guest's",
		                        archive_entry_pathname(e));
	if (r < 0)
		return wirt_errorf(err, -r, "'%s': shift ACL and xattrs",
		                   archive_entry_pathname(e));
	return 0;
}
