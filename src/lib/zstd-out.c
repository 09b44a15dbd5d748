/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A checksummed zstd stream to a file descriptor: see zstd-out.h. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <zstd.h>

#include "zstd-out.h"

#define ZSTD_SONAME "libzstd.so.1"

#define ZSTD_CALLS(X)             \
	X(ZSTD_createCCtx)        \
	X(ZSTD_freeCCtx)          \
	X(ZSTD_CCtx_setParameter) \
	X(ZSTD_compressStream2)   \
	X(ZSTD_CStreamOutSize)    \
	X(ZSTD_isError)           \
	X(ZSTD_getErrorName)

static struct {
#define ZSTD_POINTER(f) __typeof__(f) *f;
	ZSTD_CALLS(ZSTD_POINTER)
#undef ZSTD_POINTER
} zstd;

static int zstd_load(struct wirt_error *err)
{
	static void *handle;
	void *h;

	if (handle)
		return 0;
	h = dlopen(ZSTD_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return wirt_error_plain(err, ENOENT, "load '%s': %s (apt-get install libzstd1)",
		                        ZSTD_SONAME, dlerror());
#define ZSTD_RESOLVE(f)                                                                      \
	zstd.f = (__typeof__(f) *)dlsym(h, #f);                                              \
	if (!zstd.f) {                                                                       \
		dlclose(h);                                                                  \
		return wirt_error_plain(err, ENOSYS, "load '%s': no '%s'", ZSTD_SONAME, #f); \
	}
	ZSTD_CALLS(ZSTD_RESOLVE)
#undef ZSTD_RESOLVE
	handle = h;
	return 0;
}

struct wirt_zstd_out {
	int fd;
	ZSTD_CCtx *cctx;
	size_t cap;
	char buf[];
};

int wirt_zstd_out_new(int fd, int level, struct wirt_zstd_out **ret, struct wirt_error *err)
{
	struct wirt_zstd_out *z;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t cap;
	int r;

	*ret = NULL;
	r = zstd_load(err);
	if (r < 0)
		return r;
	cap = zstd.ZSTD_CStreamOutSize();
	z = calloc(1, sizeof(*z) + cap);
	if (!z)
		return wirt_errorf(err, ENOMEM, "compress");
	z->fd = fd;
	z->cap = cap;
	z->cctx = zstd.ZSTD_createCCtx();
	if (!z->cctx) {
		free(z);
		return wirt_errorf(err, ENOMEM, "compress");
	}
	(void)zstd.ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_compressionLevel, level);
	(void)zstd.ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_checksumFlag, 1);
	/* Fails where libzstd was built without threads: one core then. */
	if (cpus > 1)
		(void)zstd.ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_nbWorkers,
		                                  (int)(cpus > 8 ? 8 : cpus));
	*ret = z;
	return 0;
}

static int write_all(int fd, const char *p, size_t n, struct wirt_error *err)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return wirt_errorf(err, errno, "write");
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int pump(struct wirt_zstd_out *z, ZSTD_inBuffer *in, ZSTD_EndDirective mode,
                struct wirt_error *err)
{
	for (;;) {
		ZSTD_outBuffer out = { z->buf, z->cap, 0 };
		size_t left = zstd.ZSTD_compressStream2(z->cctx, &out, in, mode);
		int r;

		if (zstd.ZSTD_isError(left))
			return wirt_error_plain(err, EIO, "compress: %s",
			                        zstd.ZSTD_getErrorName(left));
		r = write_all(z->fd, z->buf, out.pos, err);
		if (r < 0)
			return r;
		/* continue: done when the input is taken; end: when nothing is left */
		if (mode == ZSTD_e_continue ? in->pos == in->size : left == 0)
			return 0;
	}
}

int wirt_zstd_out_write(struct wirt_zstd_out *z, const void *buf, size_t len,
                        struct wirt_error *err)
{
	ZSTD_inBuffer in = { buf, len, 0 };

	return pump(z, &in, ZSTD_e_continue, err);
}

int wirt_zstd_out_finish(struct wirt_zstd_out *z, struct wirt_error *err)
{
	ZSTD_inBuffer in = { NULL, 0, 0 };

	return pump(z, &in, ZSTD_e_end, err);
}

void wirt_zstd_out_free(struct wirt_zstd_out *z)
{
	if (!z)
		return;
	zstd.ZSTD_freeCCtx(z->cctx);
	free(z);
}
