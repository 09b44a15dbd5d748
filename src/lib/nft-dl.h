/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libnftables, loaded when wirt's nftables table is touched and not before. Linked
 * normally it drags libjansson, libgmp, libxtables and libmnl/libnftnl into every
 * `wirt` command, for the few verbs that change packet filtering.
 *
 * Include this instead of <nftables/libnftables.h>: the nft_* calls below then go
 * through pointers that wirt_nft_load() fills. Add a call here when nft.c needs one.
 */
#ifndef WIRT_NFT_DL_H
#define WIRT_NFT_DL_H

#include <stdint.h>

#include "error.h"

/* The library's ABI (soname 1) is what counts at run time; the header only checks our
 * declarations. Without libnftables-dev the few we use are declared here: with it, a
 * declaration that disagrees with the real one is a compile error. */
#if __has_include(<nftables/libnftables.h>)
#include <nftables/libnftables.h>
#else
#define NFT_CTX_DEFAULT 0
#define NFT_CTX_OUTPUT_NUMERIC_PROTO (1 << 7)
#endif
struct nft_ctx;
struct nft_ctx *nft_ctx_new(uint32_t flags);
void nft_ctx_free(struct nft_ctx *ctx);
void nft_ctx_output_set_flags(struct nft_ctx *ctx, unsigned int flags);
int nft_ctx_buffer_output(struct nft_ctx *ctx);
int nft_ctx_buffer_error(struct nft_ctx *ctx);
const char *nft_ctx_get_output_buffer(struct nft_ctx *ctx);
const char *nft_ctx_get_error_buffer(struct nft_ctx *ctx);
int nft_run_cmd_from_buffer(struct nft_ctx *nft, const char *buf);

#define WIRT_NFT_SONAME "libnftables.so.1"

#define WIRT_NFT_CALLS(X)                                                                          \
	X(nft_ctx_new)                                                                             \
	X(nft_ctx_free)                                                                            \
	X(nft_ctx_output_set_flags)                                                                \
	X(nft_ctx_buffer_output)                                                                   \
	X(nft_ctx_buffer_error)                                                                    \
	X(nft_ctx_get_output_buffer)                                                               \
	X(nft_ctx_get_error_buffer)                                                                \
	X(nft_run_cmd_from_buffer)

#define WIRT_NFT_POINTER(f) extern __typeof__(f) *wirt_dl_##f;
WIRT_NFT_CALLS(WIRT_NFT_POINTER)
#undef WIRT_NFT_POINTER

/* Loads libnftables once; later calls return at once. 0 or -errno ("load
 * 'libnftables.so.1': <dlerror>"). Call before any nft_* function. */
int wirt_nft_load(struct wirt_error *err);

#ifndef WIRT_NFT_DL_IMPL
#define nft_ctx_new (*wirt_dl_nft_ctx_new)
#define nft_ctx_free (*wirt_dl_nft_ctx_free)
#define nft_ctx_output_set_flags (*wirt_dl_nft_ctx_output_set_flags)
#define nft_ctx_buffer_output (*wirt_dl_nft_ctx_buffer_output)
#define nft_ctx_buffer_error (*wirt_dl_nft_ctx_buffer_error)
#define nft_ctx_get_output_buffer (*wirt_dl_nft_ctx_get_output_buffer)
#define nft_ctx_get_error_buffer (*wirt_dl_nft_ctx_get_error_buffer)
#define nft_run_cmd_from_buffer (*wirt_dl_nft_run_cmd_from_buffer)
#endif

#endif
