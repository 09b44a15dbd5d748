/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading libarchive on first use: see archive-dl.h. */
#define WIRT_ARCHIVE_DL_IMPL
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "archive-dl.h"

#define WIRT_ARCHIVE_DEFINE(f) __typeof__(f) *wirt_dl_##f;
WIRT_ARCHIVE_CALLS(WIRT_ARCHIVE_DEFINE)
#undef WIRT_ARCHIVE_DEFINE

int wirt_archive_load(struct wirt_error *err)
{
	static void *handle;
	void *h;

	if (handle)
		return 0;
	h = dlopen(WIRT_ARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return wirt_error_plain(err, ENOENT, "load '%s': %s (apt-get install libarchive13)",
					WIRT_ARCHIVE_SONAME, dlerror());
#define WIRT_ARCHIVE_RESOLVE(f)                                                                    \
	wirt_dl_##f = (__typeof__(f) *)dlsym(h, #f);                                               \
	if (!wirt_dl_##f) {                                                                        \
		dlclose(h);                                                                        \
		return wirt_error_plain(err, ENOSYS, "load '%s': no '%s'", WIRT_ARCHIVE_SONAME, #f); \
	}
	WIRT_ARCHIVE_CALLS(WIRT_ARCHIVE_RESOLVE)
#undef WIRT_ARCHIVE_RESOLVE
	handle = h;
	return 0;
}

/* The helpers: this file defines the pointers, so calls name them. */
void wirt_archive_read_freep(struct archive **a)
{
	int saved = errno;

	if (*a)
		wirt_dl_archive_read_free(*a);
	errno = saved;
}

void wirt_archive_write_freep(struct archive **a)
{
	int saved = errno;

	if (*a)
		wirt_dl_archive_write_free(*a);
	errno = saved;
}

int wirt_archive_fail(struct archive *a, const char *what, const char *file,
		      struct wirt_error *err)
{
	const char *msg = wirt_dl_archive_error_string(a);

	return wirt_error_plain(err, EIO, "%s '%s': %s", what, file, msg ? msg : "unknown error");
}

int wirt_archive_copy_data(struct archive *in, struct archive *out, const char *file,
			   struct wirt_error *err)
{
	const void *buf;
	size_t size;
	la_int64_t offset;
	int r;

	for (;;) {
		r = wirt_dl_archive_read_data_block(in, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return wirt_archive_fail(in, "read archive", file, err);
		if (wirt_dl_archive_write_data_block(out, buf, size, offset) < ARCHIVE_WARN)
			return wirt_archive_fail(out, "extract from archive", file, err);
	}
}

int wirt_archive_extract_entry(struct archive *in, struct archive *out, struct archive_entry *e,
			       const char *part, const char *file, struct wirt_error *err)
{
	int r;

	if (wirt_dl_archive_write_header(out, e) < ARCHIVE_WARN) {
		char what[PATH_MAX + 64];

		if (part)
			snprintf(what, sizeof(what), "extract %s/%s from", part,
				 wirt_dl_archive_entry_pathname(e));
		else
			snprintf(what, sizeof(what), "extract '%s' from archive",
				 wirt_dl_archive_entry_pathname(e));
		return wirt_archive_fail(out, what, file, err);
	}
	if (wirt_dl_archive_entry_size(e) > 0) {
		r = wirt_archive_copy_data(in, out, file, err);
		if (r < 0)
			return r;
	}
	if (wirt_dl_archive_write_finish_entry(out) < ARCHIVE_WARN)
		return wirt_archive_fail(out, part ? "extract from" : "extract from archive", file,
					 err);
	return 0;
}
