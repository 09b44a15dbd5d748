/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libarchive, loaded when a tarball is read and not before. Linked normally it drags
 * libxml2, ICU and libstdc++ into every `wirt` command (about 5 ms of loading each, a
 * fifth of a `wirt start`), for the one verb that reads archives.
 *
 * Include this instead of <archive.h>: the archive_* calls below then go through
 * pointers that wirt_archive_load() fills. Add a call here when it is needed.
 */
#ifndef WIRT_ARCHIVE_DL_H
#define WIRT_ARCHIVE_DL_H

#include <archive.h>
#include <archive_entry.h>

#include "error.h"

#define WIRT_ARCHIVE_SONAME "libarchive.so.13"

#define WIRT_ARCHIVE_CALLS(X)                      \
	X(archive_entry_acl_add_entry)             \
	X(archive_entry_acl_clear)                 \
	X(archive_entry_acl_next)                  \
	X(archive_entry_acl_reset)                 \
	X(archive_entry_copy_hardlink)             \
	X(archive_entry_copy_pathname)             \
	X(archive_entry_filetype)                  \
	X(archive_entry_free)                      \
	X(archive_entry_gid)                       \
	X(archive_entry_hardlink)                  \
	X(archive_entry_linkify)                   \
	X(archive_entry_linkresolver_free)         \
	X(archive_entry_linkresolver_new)          \
	X(archive_entry_linkresolver_set_strategy) \
	X(archive_entry_mode)                      \
	X(archive_entry_new)                       \
	X(archive_entry_pathname)                  \
	X(archive_entry_set_filetype)              \
	X(archive_entry_set_gid)                   \
	X(archive_entry_set_mtime)                 \
	X(archive_entry_set_perm)                  \
	X(archive_entry_set_size)                  \
	X(archive_entry_set_uid)                   \
	X(archive_entry_size)                      \
	X(archive_entry_uid)                       \
	X(archive_entry_xattr_add_entry)           \
	X(archive_entry_xattr_clear)               \
	X(archive_entry_xattr_next)                \
	X(archive_entry_xattr_reset)               \
	X(archive_error_string)                    \
	X(archive_filter_bytes)                    \
	X(archive_format)                          \
	X(archive_read_data)                       \
	X(archive_read_data_block)                 \
	X(archive_read_data_skip)                  \
	X(archive_read_disk_descend)               \
	X(archive_read_disk_new)                   \
	X(archive_read_disk_open)                  \
	X(archive_read_disk_set_behavior)          \
	X(archive_read_disk_set_symlink_physical)  \
	X(archive_read_free)                       \
	X(archive_read_new)                        \
	X(archive_read_next_header)                \
	X(archive_read_next_header2)               \
	X(archive_read_open_fd)                    \
	X(archive_read_support_filter_all)         \
	X(archive_read_support_filter_gzip)        \
	X(archive_read_support_filter_none)        \
	X(archive_read_support_filter_xz)          \
	X(archive_read_support_filter_zstd)        \
	X(archive_read_support_format_cpio)        \
	X(archive_read_support_format_tar)         \
	X(archive_set_error)                       \
	X(archive_write_close)                     \
	X(archive_write_data)                      \
	X(archive_write_data_block)                \
	X(archive_write_disk_new)                  \
	X(archive_write_disk_set_options)          \
	X(archive_write_finish_entry)              \
	X(archive_write_free)                      \
	X(archive_write_header)                    \
	X(archive_write_new)                       \
	X(archive_write_open)                      \
	X(archive_write_set_format_pax_restricted)

#define WIRT_ARCHIVE_POINTER(f) extern __typeof__(f) *wirt_dl_##f;
WIRT_ARCHIVE_CALLS(WIRT_ARCHIVE_POINTER)
#undef WIRT_ARCHIVE_POINTER

/* Loads libarchive once; later calls return at once. 0 or -errno ("load
 * 'libarchive.so.13': <dlerror>"). Call before any archive_* function. */
int wirt_archive_load(struct wirt_error *err);

/* For _cleanup_(): frees a reader or writer, errno kept. */
void wirt_archive_read_freep(struct archive **a);
void wirt_archive_write_freep(struct archive **a);

/* Fills err with "<what> '<file>': <libarchive's message>" (EIO); returns -EIO. */
int wirt_archive_fail(struct archive *a, const char *what, const char *file,
                      struct wirt_error *err);

/* Writes entry 'e' read from 'in' (header, data, finish) to disk writer 'out'. Messages
 * name it "'path'" of "archive 'file'", or with 'part' "part/path" of "'file'". */
int wirt_archive_extract_entry(struct archive *in, struct archive *out, struct archive_entry *e,
			       const char *part, const char *file, struct wirt_error *err);

/* Copies the current entry's data from reader 'in' to disk writer 'out', holes kept. */
int wirt_archive_copy_data(struct archive *in, struct archive *out, const char *file,
                           struct wirt_error *err);

#ifndef WIRT_ARCHIVE_DL_IMPL
#define archive_entry_acl_add_entry (*wirt_dl_archive_entry_acl_add_entry)
#define archive_entry_acl_clear (*wirt_dl_archive_entry_acl_clear)
#define archive_entry_acl_next (*wirt_dl_archive_entry_acl_next)
#define archive_entry_acl_reset (*wirt_dl_archive_entry_acl_reset)
#define archive_entry_copy_hardlink (*wirt_dl_archive_entry_copy_hardlink)
#define archive_entry_copy_pathname (*wirt_dl_archive_entry_copy_pathname)
#define archive_entry_filetype (*wirt_dl_archive_entry_filetype)
#define archive_entry_free (*wirt_dl_archive_entry_free)
#define archive_entry_gid (*wirt_dl_archive_entry_gid)
#define archive_entry_hardlink (*wirt_dl_archive_entry_hardlink)
#define archive_entry_linkify (*wirt_dl_archive_entry_linkify)
#define archive_entry_linkresolver_free (*wirt_dl_archive_entry_linkresolver_free)
#define archive_entry_linkresolver_new (*wirt_dl_archive_entry_linkresolver_new)
#define archive_entry_linkresolver_set_strategy (*wirt_dl_archive_entry_linkresolver_set_strategy)
#define archive_entry_mode (*wirt_dl_archive_entry_mode)
#define archive_entry_new (*wirt_dl_archive_entry_new)
#define archive_entry_pathname (*wirt_dl_archive_entry_pathname)
#define archive_entry_set_filetype (*wirt_dl_archive_entry_set_filetype)
#define archive_entry_set_gid (*wirt_dl_archive_entry_set_gid)
#define archive_entry_set_mtime (*wirt_dl_archive_entry_set_mtime)
#define archive_entry_set_perm (*wirt_dl_archive_entry_set_perm)
#define archive_entry_set_size (*wirt_dl_archive_entry_set_size)
#define archive_entry_set_uid (*wirt_dl_archive_entry_set_uid)
#define archive_entry_size (*wirt_dl_archive_entry_size)
#define archive_entry_uid (*wirt_dl_archive_entry_uid)
#define archive_entry_xattr_add_entry (*wirt_dl_archive_entry_xattr_add_entry)
#define archive_entry_xattr_clear (*wirt_dl_archive_entry_xattr_clear)
#define archive_entry_xattr_next (*wirt_dl_archive_entry_xattr_next)
#define archive_entry_xattr_reset (*wirt_dl_archive_entry_xattr_reset)
#define archive_error_string (*wirt_dl_archive_error_string)
#define archive_filter_bytes (*wirt_dl_archive_filter_bytes)
#define archive_format (*wirt_dl_archive_format)
#define archive_read_data (*wirt_dl_archive_read_data)
#define archive_read_data_block (*wirt_dl_archive_read_data_block)
#define archive_read_data_skip (*wirt_dl_archive_read_data_skip)
#define archive_read_disk_descend (*wirt_dl_archive_read_disk_descend)
#define archive_read_disk_new (*wirt_dl_archive_read_disk_new)
#define archive_read_disk_open (*wirt_dl_archive_read_disk_open)
#define archive_read_disk_set_behavior (*wirt_dl_archive_read_disk_set_behavior)
#define archive_read_disk_set_symlink_physical (*wirt_dl_archive_read_disk_set_symlink_physical)
#define archive_read_free (*wirt_dl_archive_read_free)
#define archive_read_new (*wirt_dl_archive_read_new)
#define archive_read_next_header (*wirt_dl_archive_read_next_header)
#define archive_read_next_header2 (*wirt_dl_archive_read_next_header2)
#define archive_read_open_fd (*wirt_dl_archive_read_open_fd)
#define archive_read_support_filter_all (*wirt_dl_archive_read_support_filter_all)
#define archive_read_support_filter_gzip (*wirt_dl_archive_read_support_filter_gzip)
#define archive_read_support_filter_none (*wirt_dl_archive_read_support_filter_none)
#define archive_read_support_filter_xz (*wirt_dl_archive_read_support_filter_xz)
#define archive_read_support_filter_zstd (*wirt_dl_archive_read_support_filter_zstd)
#define archive_read_support_format_cpio (*wirt_dl_archive_read_support_format_cpio)
#define archive_read_support_format_tar (*wirt_dl_archive_read_support_format_tar)
#define archive_set_error (*wirt_dl_archive_set_error)
#define archive_write_close (*wirt_dl_archive_write_close)
#define archive_write_data (*wirt_dl_archive_write_data)
#define archive_write_data_block (*wirt_dl_archive_write_data_block)
#define archive_write_disk_new (*wirt_dl_archive_write_disk_new)
#define archive_write_disk_set_options (*wirt_dl_archive_write_disk_set_options)
#define archive_write_finish_entry (*wirt_dl_archive_write_finish_entry)
#define archive_write_free (*wirt_dl_archive_write_free)
#define archive_write_header (*wirt_dl_archive_write_header)
#define archive_write_new (*wirt_dl_archive_write_new)
#define archive_write_open (*wirt_dl_archive_write_open)
#define archive_write_set_format_pax_restricted (*wirt_dl_archive_write_set_format_pax_restricted)
#endif

#endif
