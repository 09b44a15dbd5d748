/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers every engine file uses: scope-based cleanup and typed ownership
 * transfer. Cleanup functions keep errno, so an error path can still report it.
 */
#ifndef WIRT_UTIL_H
#define WIRT_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <dirent.h>
#include <signal.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(wirt_freep)
#define _cleanup_close_ _cleanup_(wirt_closep)
#define _cleanup_fclose_ _cleanup_(wirt_fclosep)
#define _cleanup_closedir_ _cleanup_(wirt_closedirp)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static inline void wirt_freep(void *p)
{
	int saved = errno;
	free(*(void **)p);
	errno = saved;
}

static inline void wirt_closep(int *fd)
{
	int saved = errno;
	if (*fd >= 0)
		close(*fd);
	errno = saved;
}

static inline void wirt_fclosep(FILE **f)
{
	int saved = errno;
	if (*f)
		fclose(*f);
	errno = saved;
}

static inline void wirt_closedirp(DIR **d)
{
	int saved = errno;
	if (*d)
		closedir(*d);
	errno = saved;
}

/* Every signal unblocked and at its default action: what a program a guest runs
 * must start with, since a mask and ignored signals survive exec. */
static inline void wirt_signals_default(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
}

/* Ownership leaves a variable only through these: the old holder is reset so its
 * cleanup does nothing. Typed: TAKE_PTR keeps the pointer's type. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _tmp = (p);                                                          \
		(p) = NULL;                                                                        \
		_tmp;                                                                              \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _tmp = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_tmp;                                                                              \
	})

#endif
