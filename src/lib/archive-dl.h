/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive, loaded when a tarball is read and not before. Linked normally it drags
 * libxml2, ICU and libstdc++ into every `wirt` command (about 5 ms of loading each, a
 * fifth of a `wirt start`), for the one verb that reads archives.
 *
 * Include this instead of <archive.h>: the archive_* calls below then go through
 * pointers that wirt_archive_load() fills. Add a call here when template.c needs one.
 */
#ifndef WIRT_ARCHIVE_DL_H
#define WIRT_ARCHIVE_DL_H

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

#define WIRT_ARCHIVE_SONAME "libarchive.so.13"

#define WIRT_ARCHIVE_CALLS(X)                                                                      \
	X(archive_entry_copy_hardlink)                                                             \
	X(archive_entry_copy_pathname)                                                             \
	X(archive_entry_hardlink)                                                                  \
	X(archive_entry_pathname)                                                                  \
	X(archive_entry_size)                                                                      \
	X(archive_error_string)                                                                    \
	X(archive_read_data_block)                                                                 \
	X(archive_read_free)                                                                       \
	X(archive_read_new)                                                                        \
	X(archive_read_next_header)                                                                \
	X(archive_read_open_fd)                                                                    \
	X(archive_read_support_filter_all)                                                         \
	X(archive_read_support_format_cpio)                                                        \
	X(archive_read_support_format_tar)                                                         \
	X(archive_write_close)                                                                     \
	X(archive_write_data_block)                                                                \
	X(archive_write_disk_new)                                                                  \
	X(archive_write_disk_set_options)                                                          \
	X(archive_write_finish_entry)                                                              \
	X(archive_write_free)                                                                      \
	X(archive_write_header)

#define WIRT_ARCHIVE_POINTER(f) extern __typeof__(f) *wirt_dl_##f;
WIRT_ARCHIVE_CALLS(WIRT_ARCHIVE_POINTER)
#undef WIRT_ARCHIVE_POINTER

/* Loads libarchive once; later calls return at once. 0 or -errno ("load
 * 'libarchive.so.13': <dlerror>"). Call before any archive_* function. */
int wirt_archive_load(struct wirt_error *err);

#ifndef WIRT_ARCHIVE_DL_IMPL
#define archive_entry_copy_hardlink (*wirt_dl_archive_entry_copy_hardlink)
#define archive_entry_copy_pathname (*wirt_dl_archive_entry_copy_pathname)
#define archive_entry_hardlink (*wirt_dl_archive_entry_hardlink)
#define archive_entry_pathname (*wirt_dl_archive_entry_pathname)
#define archive_entry_size (*wirt_dl_archive_entry_size)
#define archive_error_string (*wirt_dl_archive_error_string)
#define archive_read_data_block (*wirt_dl_archive_read_data_block)
#define archive_read_free (*wirt_dl_archive_read_free)
#define archive_read_new (*wirt_dl_archive_read_new)
#define archive_read_next_header (*wirt_dl_archive_read_next_header)
#define archive_read_open_fd (*wirt_dl_archive_read_open_fd)
#define archive_read_support_filter_all (*wirt_dl_archive_read_support_filter_all)
#define archive_read_support_format_cpio (*wirt_dl_archive_read_support_format_cpio)
#define archive_read_support_format_tar (*wirt_dl_archive_read_support_format_tar)
#define archive_write_close (*wirt_dl_archive_write_close)
#define archive_write_data_block (*wirt_dl_archive_write_data_block)
#define archive_write_disk_new (*wirt_dl_archive_write_disk_new)
#define archive_write_disk_set_options (*wirt_dl_archive_write_disk_set_options)
#define archive_write_finish_entry (*wirt_dl_archive_write_finish_entry)
#define archive_write_free (*wirt_dl_archive_write_free)
#define archive_write_header (*wirt_dl_archive_write_header)
#endif

#endif
