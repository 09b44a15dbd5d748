/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading libarchive on first use: see archive-dl.h. */
#define WIRT_ARCHIVE_DL_IMPL
#include <dlfcn.h>
#include <errno.h>

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
