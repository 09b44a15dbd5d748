/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Backups: `wirt export NAME FILE` writes a vServer into one .tar.zst, `wirt import FILE
 * [NAME]` makes a vServer of it again, on this host or another. The archive is a pax tar
 * (zstd-compressed) holding, in this order:
 *
 *   wirt-backup        the manifest (key=value lines, backup_manifest_parse below)
 *   config             the vServer's config as it was saved
 *   template/...       its template's tree, unless exported with --no-template
 *   layer/...          its writable layer (the overlay's upper directory)
 *
 * Portable: owners in layer/ are the guest's own ids (0..65535: host id minus the
 * vServer's id base), and so are the ids in ACLs and the root id of file capabilities;
 * an import shifts them into the new vServer's range. Kept: modes, times, xattrs
 * (the overlay's own ones too: whiteouts and opaque directories are what a layer is
 * made of), ACLs, hard links, device nodes, sparse files (as holes).
 * The template goes along so the backup starts anywhere; an import that finds the same
 * template (same name, source and creation time) uses it and skips the copy.
 * A running vServer is exported from a copy taken frozen (as a snapshot is), so the
 * archive is one moment of it and the guest is stopped only for the copy.
 * Imports use libarchive's secure extraction (no "..", no absolute paths, nothing
 * written through a symlink) into the new vServer; a truncated, corrupt or crafted
 * archive fails and the new vServer (and a template the import brought) is removed.
 * docs/storage.md "Backups".
 */
#ifndef WIRT_BACKUP_H
#define WIRT_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "error.h"
#include "spec.h"

#define WIRT_BACKUP_FORMAT 1
#define WIRT_BACKUP_MANIFEST "wirt-backup"
#define WIRT_BACKUP_MANIFEST_MAX 4096
#define WIRT_BACKUP_CONFIG "config"
#define WIRT_BACKUP_CONFIG_MAX 65536

/* Called now and then with what is done so far of 'total' bytes (total 0: unknown). */
typedef void (*wirt_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* Calls fn at most once a second, and with 'last' always (the final figure). */
struct wirt_progress_tick {
	wirt_progress_fn fn;
	void *ctx;
	time_t last_report;
};

static inline void wirt_progress_report(struct wirt_progress_tick *t, uint64_t done,
					uint64_t total, bool last)
{
	time_t now;

	if (!t->fn)
		return;
	now = time(NULL);
	if (!last && now == t->last_report)
		return;
	t->last_report = now;
	t->fn(t->ctx, done, total);
}

struct wirt_backup_manifest {
	unsigned format;
	char name[WIRT_NAME_MAX + 1];
	char template_name[WIRT_NAME_MAX + 1];
	char template_source[64];
	char template_created[32];
	bool has_template; /* template/ entries follow the config */
};

/* Parses the manifest's text; -EINVAL with the line's number and the cause. Unknown
 * keys are refused: a newer format must not be half-understood. */
int wirt_backup_manifest_parse(const char *text, size_t len, struct wirt_backup_manifest *m,
                               struct wirt_error *err);

int wirt_backup_manifest_format(const struct wirt_backup_manifest *m, char *buf, size_t size);

struct wirt_export_options {
	bool no_template; /* leave the template out (the target must have it) */
	wirt_progress_fn progress;
	void *progress_ctx;
};

/* Writes vServer 'name' into 'file' ("-": standard output). The file appears whole or
 * not at all (written beside it and renamed). */
int wirt_vserver_export(const char *root, const char *name, const char *file,
                        const struct wirt_export_options *opts, struct wirt_error *err);

struct wirt_import_options {
	const char *name;           /* NULL: the exported vServer's name */
	const struct wirt_net *net; /* NULL or no addresses: the exported ones */
	wirt_progress_fn progress;
	void *progress_ctx;
};

struct wirt_import_result {
	char name[WIRT_NAME_MAX + 1];
	char template_name[WIRT_NAME_MAX + 1];
	bool template_imported; /* the backup's template was new here */
	bool template_differs;  /* none in the backup; this host's one of that name differs */
};

/* Makes a vServer from backup 'file' ("-": standard input). It is left stopped. */
int wirt_vserver_import(const char *root, const char *file, const struct wirt_import_options *opts,
                        struct wirt_import_result *res, struct wirt_error *err);

#endif
