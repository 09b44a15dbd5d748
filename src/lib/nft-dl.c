/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading libnftables on first use: see nft-dl.h. */
#define WIRT_NFT_DL_IMPL
#include <dlfcn.h>
#include <errno.h>

#include "nft-dl.h"

#define WIRT_NFT_DEFINE(f) __typeof__(f) *wirt_dl_##f;
WIRT_NFT_CALLS(WIRT_NFT_DEFINE)
#undef WIRT_NFT_DEFINE

int wirt_nft_load(struct wirt_error *err)
{
	static void *handle;
	void *h;

	if (handle)
		return 0;
	h = dlopen(WIRT_NFT_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return wirt_error_plain(err, ENOENT, "load '%s': %s (apt-get install libnftables1)",
					WIRT_NFT_SONAME, dlerror());
#define WIRT_NFT_RESOLVE(f)                                                                        \
	wirt_dl_##f = (__typeof__(f) *)dlsym(h, #f);                                               \
	if (!wirt_dl_##f) {                                                                        \
		dlclose(h);                                                                        \
		return wirt_error_plain(err, ENOSYS, "load '%s': no '%s'", WIRT_NFT_SONAME, #f);   \
	}
	WIRT_NFT_CALLS(WIRT_NFT_RESOLVE)
#undef WIRT_NFT_RESOLVE
	handle = h;
	return 0;
}
