/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running a tool of the host's (mkfs.ext4, resize2fs, e2fsck, cp) as the engine needs
 * it: from the system's directories only, with a clean environment, its output kept
 * for the error message.
 */
#ifndef WIRT_TOOL_H
#define WIRT_TOOL_H

#include <stddef.h>

#include "error.h"

#define WIRT_TOOL_OUTPUT_MAX 512

/* Runs argv[0] (looked up in /usr/sbin, /sbin, /usr/bin, /bin) with stdin from
 * /dev/null; the tail of its stdout and stderr lands in 'out'. Returns its exit status
 * (>= 0; 128 + signal) or -errno when it could not run. */
int wirt_tool_run(char *const argv[], char *out, size_t size);

/* The last non-empty line of a tool's output (trims 'out' in place). */
const char *wirt_tool_last_line(char *out);

/* cp -a, reflinked where the filesystem can, sparse (a file's zeros become holes: for
 * disk images; a tree keeps its files' holes as they are): owners (a vServer's host ids),
 * modes, times, xattrs (overlayfs keeps whiteouts and opaque dirs in trusted.*). 'to'
 * is the copy itself, never a directory to copy into. */
int wirt_tool_copy(const char *from, const char *to, struct wirt_error *err);

#endif
