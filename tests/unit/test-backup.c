/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The backup's manifest (backup-manifest.c) and the ids of its entries moved between a
 * vServer's host range and the guest's own (backup-entry.c): owners, ACL entries, file
 * capabilities (v2 made v3 of the guest's root on import), overlayfs's host-bound xattrs.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "archive-dl.h"
#include "backup-entry.h"
#include "backup.h"
#include "check.h"

#define BASE 1000131072u

static void test_manifest(void)
{
	static const char good[] = "format=1\nname=web\ntemplate=busybox\ntemplate_source=busybox\n"
				   "template_created=2026-12-01T07:09:57Z\ntemplate_included=yes\n";
	static const struct {
		const char *text, *error;
	} bad[] = {
		{ "", "manifest: no format" },
		{ "format=2\nname=a\ntemplate=b\n", "backup format 2 is not known here" },
		{ "format=1\nname=a\n", "manifest: no template" },
		{ "format=1\ntemplate=b\n", "manifest: no name" },
		{ "format=1\nname=../x\ntemplate=b\n", "manifest line 2: invalid vServer name" },
		{ "format=1\nname=a\ntemplate=b\nextra=1\n", "manifest line 4: unknown key 'extra'" },
		{ "format=1\nname=a\ntemplate=b\nnoequals\n", "manifest line 4: no '='" },
		{ "format=1\nname=a\ntemplate=b\ntemplate_included=maybe\n", "manifest line 4: "
		  "template_included is yes or no" },
		{ "format=1\nname=a\ntemplate=b\ntemplate_source=a\tb\n", "manifest line 4: "
		  "template_source is not text" },
		{ "format=x\n", "manifest line 1: " },
	};
	struct wirt_backup_manifest m, again;
	struct wirt_error err = { 0 };
	char buf[WIRT_BACKUP_MANIFEST_MAX];
	int n;

	CHECK_EQ_INT(0, wirt_backup_manifest_parse(good, strlen(good), &m, &err));
	CHECK_EQ_STR("web", m.name);
	CHECK_EQ_STR("busybox", m.template_name);
	CHECK_EQ_STR("2026-12-01T07:09:57Z", m.template_created);
	CHECK(m.has_template);
	n = wirt_backup_manifest_format(&m, buf, sizeof(buf));
	CHECK_EQ_STR(good, n > 0 ? buf : "");
	CHECK_EQ_INT(0, wirt_backup_manifest_parse(buf, (size_t)n, &again, &err));
	CHECK(memcmp(&m, &again, sizeof(m)) == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_CONTEXT(bad[i].text);
		memset(&err, 0, sizeof(err));
		CHECK(wirt_backup_manifest_parse(bad[i].text, strlen(bad[i].text), &m, &err) < 0);
		CHECK(strncmp(err.msg, bad[i].error, strlen(bad[i].error)) == 0);
		if (strncmp(err.msg, bad[i].error, strlen(bad[i].error)) != 0)
			fprintf(stderr, "  got '%s'\n", err.msg);
	}
	CHECK_CONTEXT(NULL);
}

static uint32_t caps_word(const void *v, size_t at)
{
	uint32_t w;

	memcpy(&w, (const char *)v + at, 4);
	return w;
}

static void test_shift(void)
{
	struct wirt_id_shift to_guest = { .from = BASE, .to = 0, .outside = 65534 };
	struct wirt_id_shift to_host = { .from = 0, .to = BASE, .outside = -1,
					 .caps_v2_to_v3 = true };
	struct wirt_error err = { 0 };
	struct archive_entry *e;
	uint32_t v3[6] = { 0x03000001, 1u << 13, 0, 0, 0, BASE };
	uint32_t v2[5] = { 0x02000001, 1u << 13, 0, 0, 0 };
	const char *name;
	const void *value;
	size_t size;
	int type, perm, tag, qual, seen;

	e = archive_entry_new();
	archive_entry_copy_pathname(e, "layer/f");
	archive_entry_set_uid(e, BASE + 1234);
	archive_entry_set_gid(e, 7); /* outside the range: the overflow id */
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 4, ARCHIVE_ENTRY_ACL_USER,
				    (int)(BASE + 1000), NULL);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 6,
				    ARCHIVE_ENTRY_ACL_USER_OBJ, -1, NULL);
	archive_entry_xattr_add_entry(e, "security.capability", v3, sizeof(v3));
	archive_entry_xattr_add_entry(e, "trusted.overlay.origin", "handle", 6);
	archive_entry_xattr_add_entry(e, "user.note", "kept", 4);
	CHECK_EQ_INT(0, wirt_backup_shift_entry(e, &to_guest, &err));
	CHECK_EQ_INT(1234, (int)archive_entry_uid(e));
	CHECK_EQ_INT(65534, (int)archive_entry_gid(e));
	seen = 0;
	archive_entry_acl_reset(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS);
	while (archive_entry_acl_next(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, &type, &perm, &tag, &qual,
				      &name) == ARCHIVE_OK)
		if (tag == ARCHIVE_ENTRY_ACL_USER) {
			CHECK_EQ_INT(1000, qual);
			seen++;
		}
	CHECK_EQ_INT(1, seen);
	CHECK_EQ_INT(2, archive_entry_xattr_reset(e));
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		CHECK(strcmp(name, "trusted.overlay.origin") != 0);
		if (strcmp(name, "security.capability") == 0) {
			CHECK_EQ_INT(24, (int)size);
			CHECK_EQ_INT(0, (int)caps_word(value, 20));
			CHECK_EQ_INT(1 << 13, (int)caps_word(value, 4));
		}
	}

	/* and back into a new range */
	archive_entry_set_gid(e, 50);
	CHECK_EQ_INT(0, wirt_backup_shift_entry(e, &to_host, &err));
	CHECK_EQ_INT(BASE + 1234, (uint32_t)archive_entry_uid(e));
	archive_entry_xattr_reset(e);
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
		if (strcmp(name, "security.capability") == 0)
			CHECK_EQ_INT(BASE, caps_word(value, 20));

	/* import: a v2 capability (valid in every namespace) becomes the guest root's */
	archive_entry_acl_clear(e);
	archive_entry_xattr_clear(e);
	archive_entry_xattr_add_entry(e, "security.capability", v2, sizeof(v2));
	archive_entry_set_gid(e, 50);
	archive_entry_set_uid(e, 0);
	CHECK_EQ_INT(0, wirt_backup_shift_entry(e, &to_host, &err));
	archive_entry_xattr_reset(e);
	CHECK_EQ_INT(ARCHIVE_OK, archive_entry_xattr_next(e, &name, &value, &size));
	CHECK_EQ_INT(24, (int)size);
	CHECK_EQ_INT(0x03000001, caps_word(value, 0));
	CHECK_EQ_INT(BASE, caps_word(value, 20));

	/* import refuses what is not a guest's id: owner, ACL, capability root */
	archive_entry_set_uid(e, 70000);
	CHECK_EQ_INT(-ERANGE, wirt_backup_shift_entry(e, &to_host, &err));
	archive_entry_set_uid(e, 0);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 4, ARCHIVE_ENTRY_ACL_GROUP,
				    70000, NULL);
	CHECK_EQ_INT(-ERANGE, wirt_backup_shift_entry(e, &to_host, &err));
	archive_entry_acl_clear(e);
	archive_entry_xattr_clear(e);
	v3[5] = 70000;
	archive_entry_xattr_add_entry(e, "security.capability", v3, sizeof(v3));
	CHECK_EQ_INT(-ERANGE, wirt_backup_shift_entry(e, &to_host, &err));
	archive_entry_xattr_clear(e);
	archive_entry_xattr_add_entry(e, "security.capability", "bad", 3);
	CHECK(wirt_backup_shift_entry(e, &to_host, &err) < 0);
	archive_entry_free(e);
}

int main(void)
{
	struct wirt_error err = { 0 };

	test_manifest();
	if (wirt_archive_load(&err) < 0) {
		fprintf(stderr, "skip the entry tests: %s\n", err.msg);
		return check_exit("test-backup");
	}
	test_shift();
	return check_exit("test-backup");
}
