/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A zstd stream written to a file descriptor, with the frame's content checksum on:
 * a reader (libarchive's zstd filter, the zstd tool) then refuses a backup whose bytes
 * changed, where a frame without it would hand back wrong files quietly (libarchive's
 * own zstd writer leaves the checksum off). Several cores compress where the host's
 * libzstd can. libzstd is loaded with dlopen, as libarchive (archive-dl.h) is.
 */
#ifndef WIRT_ZSTD_OUT_H
#define WIRT_ZSTD_OUT_H

#include <stddef.h>

#include "error.h"

struct wirt_zstd_out;

/* 'level' as zstd's (3 is its default). */
int wirt_zstd_out_new(int fd, int level, struct wirt_zstd_out **ret, struct wirt_error *err);

/* 0 or -errno with err filled ("compress: ..." or "write: ..."). */
int wirt_zstd_out_write(struct wirt_zstd_out *z, const void *buf, size_t len,
                        struct wirt_error *err);

/* Ends the frame (its checksum) and writes what is left; the fd stays open. */
int wirt_zstd_out_finish(struct wirt_zstd_out *z, struct wirt_error *err);

void wirt_zstd_out_free(struct wirt_zstd_out *z);

#endif
