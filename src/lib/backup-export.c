/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `wirt export`: a vServer into one .tar.zst (backup.h). */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive-dl.h"
#include "backup-entry.h"
#include "backup.h"
#include "disk.h"
#include "fsutil.h"
#include "paths.h"
#include "snapshot.h"
#include "template.h"
#include "util.h"
#include "vserver.h"
#include "zstd-out.h"

struct export_job {
	const struct wirt_spec *spec;
	const char *file; /* for messages */
	int out_fd;
	const char *template_rootfs; /* NULL: not included */
	const char *layer;           /* the writable layer's top (in the child: mounted) */
	char manifest[WIRT_BACKUP_MANIFEST_MAX];
	int manifest_len;
	char config[WIRT_BACKUP_CONFIG_MAX];
	ssize_t config_len;
	uint64_t done, total;
	struct wirt_progress_tick tick;
	struct wirt_zstd_out *zstd;
	struct wirt_error zstd_err; /* of the last failed write_zstd */
};

/* libarchive's output: compressed by us, with the checksum (zstd-out.h). */
static la_ssize_t write_zstd(struct archive *a, void *ctx, const void *buf, size_t len)
{
	struct export_job *job = ctx;

	if (wirt_zstd_out_write(job->zstd, buf, len, &job->zstd_err) < 0) {
		archive_set_error(a, job->zstd_err.code, "%s", job->zstd_err.msg);
		return -1;
	}
	return (la_ssize_t)len;
}

static uint64_t tree_total;

static int add_size(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path, (void)ftw;
	if (flag == FTW_F && S_ISREG(st->st_mode))
		tree_total += (uint64_t)st->st_size;
	return 0;
}

static void report(struct export_job *job, bool last)
{
	wirt_progress_report(&job->tick, job->done, job->total, last);
}

static int write_file_entry(struct archive *out, const char *path, const void *data, size_t n,
                            struct export_job *job, struct wirt_error *err)
{
	struct archive_entry *e = archive_entry_new();
	int r = 0;

	if (!e)
		return wirt_errorf(err, ENOMEM, "write '%s'", job->file);
	archive_entry_copy_pathname(e, path);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_size(e, (la_int64_t)n);
	archive_entry_set_mtime(e, time(NULL), 0);
	if (archive_write_header(out, e) < ARCHIVE_WARN ||
	    archive_write_data(out, data, n) != (la_ssize_t)n)
		r = wirt_archive_fail(out, "write", job->file, err);
	archive_entry_free(e);
	return r;
}

/* The entry's data, holes written as zeros: the pax writer leaves out what its sparse
 * map (from the walk) marks as holes. */
static int write_data(struct archive *disk, struct archive *out, struct export_job *job,
                      struct wirt_error *err)
{
	static const char zeros[65536];
	const void *buf;
	size_t size;
	la_int64_t offset, pos = 0;
	int r;

	for (;;) {
		r = archive_read_data_block(disk, &buf, &size, &offset);
		if (r == ARCHIVE_EOF)
			return 0;
		if (r < ARCHIVE_WARN)
			return wirt_archive_fail(disk, "read", job->layer, err);
		while (pos < offset) {
			size_t n = offset - pos > (la_int64_t)sizeof(zeros)
			                   ? sizeof(zeros)
			                   : (size_t)(offset - pos);

			if (archive_write_data(out, zeros, n) < 0)
				return wirt_archive_fail(out, "write", job->file, err);
			pos += (la_int64_t)n;
		}
		if (size && archive_write_data(out, buf, size) < 0)
			return wirt_archive_fail(out, "write", job->file, err);
		pos += (la_int64_t)size;
		job->done += size;
		report(job, false);
	}
}

/* "." -> "prefix", "./a/b" -> "prefix/a/b". */
static int rename_entry(struct archive_entry *e, const char *prefix, struct wirt_error *err)
{
	const char *p = archive_entry_pathname(e);
	char path[PATH_MAX + 64];

	if (!p || (strcmp(p, ".") != 0 && strncmp(p, "./", 2) != 0))
		return wirt_error_plain(err, EINVAL, "unexpected path '%s' in the walk",
		                        p ? p : "");
	if (snprintf(path, sizeof(path), "%s%s", prefix, p + 1) >= (int)sizeof(path))
		return wirt_errorf(err, ENAMETOOLONG, "'%s'", p);
	archive_entry_copy_pathname(e, path);
	return 0;
}

/* Walks 'dir' (not crossing into other filesystems, symlinks as links) into 'out' under
 * 'prefix', ids shifted by 'shift' (NULL: as they are). */
static int write_tree(struct archive *out, const char *dir, const char *prefix,
                      const struct wirt_id_shift *shift, struct export_job *job,
                      struct wirt_error *err)
{
	_cleanup_(wirt_archive_read_freep) struct archive *disk = NULL;
	struct archive_entry_linkresolver *links = NULL;
	struct archive_entry *e = NULL;
	int r = 0;

	if (chdir(dir) < 0)
		return wirt_errorf(err, errno, "enter '%s'", dir);
	disk = archive_read_disk_new();
	links = archive_entry_linkresolver_new();
	e = archive_entry_new();
	if (!disk || !links || !e) {
		r = wirt_errorf(err, ENOMEM, "walk '%s'", dir);
		goto out;
	}
	archive_entry_linkresolver_set_strategy(links, archive_format(out));
	archive_read_disk_set_symlink_physical(disk);
	archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
	if (archive_read_disk_open(disk, ".") != ARCHIVE_OK) {
		r = wirt_archive_fail(disk, "walk", dir, err);
		goto out;
	}
	for (;;) {
		struct archive_entry *w = e, *sparse = NULL;
		int h = archive_read_next_header2(disk, e);

		if (h == ARCHIVE_EOF)
			break;
		if (h < ARCHIVE_WARN) {
			r = wirt_archive_fail(disk, "walk", dir, err);
			break;
		}
		archive_read_disk_descend(disk);
		r = rename_entry(e, prefix, err);
		if (r == 0 && shift)
			r = wirt_backup_shift_entry(e, shift, err);
		if (r < 0)
			break;
		/* A file's second name becomes a hard link to its first (no data). */
		archive_entry_linkify(links, &w, &sparse);
		if (archive_write_header(out, w) < ARCHIVE_WARN) {
			r = wirt_archive_fail(out, "write", job->file, err);
			break;
		}
		if (archive_entry_filetype(w) == AE_IFREG && !archive_entry_hardlink(w) &&
		    archive_entry_size(w) > 0) {
			r = write_data(disk, out, job, err);
			if (r < 0)
				break;
		}
	}
out:
	if (e)
		archive_entry_free(e);
	if (links)
		archive_entry_linkresolver_free(links);
	return r;
}

/* In a child (the layer's disk mounted where it has one). */
static int export_run(void *ctx, struct wirt_error *err)
{
	struct export_job *job = ctx;
	_cleanup_(wirt_archive_write_freep) struct archive *out = NULL;
	struct wirt_id_shift to_guest = {
	        .from = job->spec->id_base, .to = 0, .outside = 65534 /* the overflow id */};
	int r;

	if (job->tick.fn) {
		tree_total = 0;
		if (job->template_rootfs)
			nftw(job->template_rootfs, add_size, 32, FTW_PHYS | FTW_MOUNT);
		nftw(job->layer, add_size, 32, FTW_PHYS | FTW_MOUNT);
		job->total = tree_total;
	}
	out = archive_write_new();
	if (!out)
		return wirt_errorf(err, ENOMEM, "write '%s'", job->file);
	if (archive_write_set_format_pax_restricted(out) != ARCHIVE_OK)
		return wirt_archive_fail(out, "set up", job->file, err);
	r = wirt_zstd_out_new(job->out_fd, 3, &job->zstd, err);
	if (r < 0)
		return wirt_error_prefix(err, "'%s'", job->file);
	if (archive_write_open(out, job, NULL, write_zstd, NULL) != ARCHIVE_OK) {
		r = job->zstd_err.code ? (*err = job->zstd_err, -err->code)
		                       : wirt_archive_fail(out, "open", job->file, err);
		goto out;
	}
	r = write_file_entry(out, WIRT_BACKUP_MANIFEST, job->manifest, (size_t)job->manifest_len,
	                     job, err);
	if (r == 0)
		r = write_file_entry(out, WIRT_BACKUP_CONFIG, job->config, (size_t)job->config_len,
		                     job, err);
	if (r == 0 && job->template_rootfs)
		r = write_tree(out, job->template_rootfs, "template", NULL, job, err);
	if (r == 0)
		r = write_tree(out, job->layer, "layer", &to_guest, job, err);
	if (r == 0 && archive_write_close(out) != ARCHIVE_OK)
		r = wirt_archive_fail(out, "finish", job->file, err);
	if (r == 0)
		r = wirt_zstd_out_finish(job->zstd, err);
	/* A failed write of the compressed stream says more than libarchive's message. */
	if (r < 0 && job->zstd_err.code)
		*err = job->zstd_err;
	if (r == 0)
		report(job, true);
out:
	wirt_zstd_out_free(job->zstd);
	return r < 0 ? wirt_error_prefix(err, "'%s'", job->file) : 0;
}

/* Writes the archive of 'spec' whose writable layer is 'layer' in 'base' (the vServer's
 * dir, or the copy of a running one): "upper" or the disk image "disk.img". */
static int export_layer(const char *root, const struct wirt_spec *spec, const char *base,
                        struct export_job *job, struct wirt_error *err)
{
	char image[PATH_MAX + 16], mnt[PATH_MAX], layer[PATH_MAX + 16];

	if (spec->disk) {
		snprintf(image, sizeof(image), "%s/disk.img", base);
		/* Any empty directory serves; the vServer's own "disk" is one (the running
		 * guest's mount of it lives in the guest's namespace, not here). */
		wirt_vserver_file(mnt, root, spec->name, "disk");
		snprintf(layer, sizeof(layer), "%s/upper", mnt);
	} else {
		snprintf(layer, sizeof(layer), "%s/upper", base);
	}
	job->layer = layer;
	return wirt_disk_run_mounted(spec->disk ? image : NULL, mnt, export_run, job, err);
}

static int open_output(const char *file, char *tmp, size_t size, struct wirt_error *err)
{
	int fd;

	if (strcmp(file, "-") == 0) {
		if (isatty(STDOUT_FILENO))
			return wirt_error_plain(err, EINVAL,
			                        "will not write an archive to a terminal");
		tmp[0] = '\0';
		return STDOUT_FILENO;
	}
	if (snprintf(tmp, size, "%s.tmp-XXXXXX", file) >= (int)size)
		return wirt_errorf(err, ENAMETOOLONG, "write '%s'", file);
	/* 0600 from mkstemp: a backup holds the customer's files and keys. */
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		tmp[0] = '\0';
		return wirt_errorf(err, e, "create '%s'", file);
	}
	return fd;
}

int wirt_vserver_export(const char *root, const char *name, const char *file,
                        const struct wirt_export_options *opts, struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	struct wirt_backup_manifest m = { .format = WIRT_BACKUP_FORMAT };
	struct export_job *job = NULL;
	struct wirt_template_info info;
	struct wirt_status st;
	struct wirt_spec spec;
	char path[PATH_MAX], copy[PATH_MAX], tmp[PATH_MAX], template_rootfs[PATH_MAX];
	char config[PATH_MAX + 8];
	const char *base;
	int r;

	copy[0] = tmp[0] = '\0';
	r = wirt_archive_load(err);
	if (r < 0)
		return r;
	r = wirt_vserver_load(root, name, &spec, err);
	if (r < 0)
		return r;
	r = wirt_template_info(root, spec.template_name, &info, err);
	if (r < 0)
		return r;
	job = calloc(1, sizeof(*job));
	if (!job)
		return wirt_errorf(err, ENOMEM, "export");
	job->tick = (struct wirt_progress_tick){ opts->progress, opts->progress_ctx, 0 };
	job->spec = &spec;
	job->file = file;
	job->out_fd = -1;
	snprintf(m.name, sizeof(m.name), "%s", spec.name);
	snprintf(m.template_name, sizeof(m.template_name), "%s", spec.template_name);
	snprintf(m.template_source, sizeof(m.template_source), "%s", info.source);
	snprintf(m.template_created, sizeof(m.template_created), "%s", info.created);
	m.has_template = !opts->no_template;
	job->manifest_len = wirt_backup_manifest_format(&m, job->manifest, sizeof(job->manifest));
	if (m.has_template) {
		wirt_template_rootfs(template_rootfs, root, spec.template_name);
		job->template_rootfs = template_rootfs;
	}

	lock = wirt_vserver_lock(root, name, err);
	r = lock < 0 ? lock : wirt_vserver_status(root, name, &st, err);
	if (r < 0)
		goto out;
	wirt_vserver_dir(path, root, name);
	base = path;
	if (st.state != WIRT_STATE_STOPPED && st.guest_alive) {
		/* A copy taken frozen, as a snapshot; the guest runs on while it is written. */
		snprintf(copy, sizeof(copy), "%s/export.tmp-%d", path, (int)getpid());
		r = wirt_snapshot_copy(root, &spec, copy, err);
		if (r < 0) {
			copy[0] = '\0';
			goto out;
		}
		base = copy;
		close(lock);
		lock = -1;
	}
	snprintf(config, sizeof(config), "%s/config", base);
	job->config_len = wirt_read_file(config, job->config, sizeof(job->config));
	if (job->config_len < 0) {
		r = wirt_errorf(err, (int)-job->config_len, "read '%s'", config);
		goto out;
	}
	job->out_fd = open_output(file, tmp, sizeof(tmp), err);
	if (job->out_fd < 0) {
		r = job->out_fd;
		goto out;
	}
	r = export_layer(root, &spec, base, job, err);
	if (r == 0 && tmp[0] && fsync(job->out_fd) < 0)
		r = wirt_errorf(err, errno, "write '%s'", file);
	if (r == 0 && tmp[0] && rename(tmp, file) < 0)
		r = wirt_errorf(err, errno, "rename '%s' to '%s'", tmp, file);
	if (r == 0)
		tmp[0] = '\0';
out:
	if (tmp[0])
		unlink(tmp);
	if (job->out_fd > STDOUT_FILENO)
		close(job->out_fd);
	if (copy[0])
		(void)wirt_rm_rf(copy);
	free(job);
	return r;
}
