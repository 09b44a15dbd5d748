/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `wirt import`: a vServer from a backup (backup.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive-dl.h"
#include "backup-entry.h"
#include "backup.h"
#include "config.h"
#include "disk.h"
#include "paths.h"
#include "template.h"
#include "util.h"
#include "validate.h"
#include "vserver.h"

/* As for a template (template.c): libarchive's secure modes refuse "..", absolute paths
 * and writes through symlinks; owners are numeric ids, never looked up by name. Holes
 * come back where the archive has them, and only there (no ARCHIVE_EXTRACT_SPARSE: a
 * file of written zeros stays allocated, as a swap file must be). */
#define EXTRACT_FLAGS                                                                            \
	(ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |                     \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | \
	 ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |                    \
	 ARCHIVE_EXTRACT_FFLAGS)

struct import_job {
	const char *file;
	struct archive *in;
	struct archive_entry *entry; /* read, not yet extracted; NULL at the end */
	uint64_t total;              /* the archive's size (0: a pipe) */
	struct wirt_progress_tick tick;
	/* the layer's extraction (in a child where the vServer has a disk) */
	const char *layer;
	struct wirt_id_shift to_host;
};

static void report(struct import_job *job, bool last)
{
	wirt_progress_report(&job->tick, (uint64_t)archive_filter_bytes(job->in, -1), job->total,
			     last);
}

/* The next entry into job->entry (NULL at the end). */
static int next_entry(struct import_job *job, struct wirt_error *err)
{
	int r = archive_read_next_header(job->in, &job->entry);

	if (r == ARCHIVE_EOF) {
		job->entry = NULL;
		return 0;
	}
	if (r < ARCHIVE_WARN)
		return wirt_archive_fail(job->in, "read", job->file, err);
	report(job, false);
	return 0;
}

/* A small regular file entry 'name' read whole into buf; its length. */
static ssize_t read_small(struct import_job *job, const char *name, char *buf, size_t size,
                          struct wirt_error *err)
{
	la_ssize_t n;
	size_t len = 0;

	if (!job->entry || strcmp(archive_entry_pathname(job->entry), name) != 0 ||
	    archive_entry_filetype(job->entry) != AE_IFREG)
		return wirt_error_plain(err, EINVAL, "'%s' is not a wirt backup (no '%s' %s)",
		                        job->file, name,
		                        strcmp(name, WIRT_BACKUP_MANIFEST) == 0 ? "first" : "next");
	if (archive_entry_size(job->entry) >= (la_int64_t)size)
		return wirt_error_plain(err, EFBIG, "'%s': '%s' is too large", job->file, name);
	while ((n = archive_read_data(job->in, buf + len, size - 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		return wirt_archive_fail(job->in, "read", job->file, err);
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Whether an entry's path is of part 'prefix': "prefix" itself or "prefix/...". */
static bool in_part(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return path && strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Entries "prefix" and "prefix/..." become "." and "..." (hard link targets alike);
 * -EAGAIN for an entry of another part, -EINVAL for a hard link out of the part. */
static int strip_prefix(struct archive_entry *e, const char *prefix, struct wirt_error *err)
{
	size_t n = strlen(prefix);
	const char *p = archive_entry_pathname(e), *l = archive_entry_hardlink(e);
	char path[PATH_MAX];

	if (!in_part(p, prefix))
		return -EAGAIN;
	snprintf(path, sizeof(path), "%s", p[n] && p[n + 1] ? p + n + 1 : ".");
	archive_entry_copy_pathname(e, path);
	if (l) {
		if (strncmp(l, prefix, n) != 0 || l[n] != '/' || !l[n + 1])
			return wirt_error_plain(err, EINVAL,
			                        "hard link '%s' points out of %s/ to '%s'", path,
			                        prefix, l);
		snprintf(path, sizeof(path), "%s", l + n + 1);
		archive_entry_copy_hardlink(e, path);
	}
	return 0;
}

/* Extracts the entries of part 'prefix' into the current directory; job->entry is the
 * first entry after them afterwards. */
static int extract_part(struct import_job *job, const char *prefix,
                        const struct wirt_id_shift *shift, struct wirt_error *err)
{
	_cleanup_(wirt_archive_write_freep) struct archive *out = archive_write_disk_new();
	int r;

	if (!out)
		return wirt_errorf(err, ENOMEM, "extract '%s'", job->file);
	archive_write_disk_set_options(out, EXTRACT_FLAGS);
	while (job->entry) {
		r = strip_prefix(job->entry, prefix, err);
		if (r == -EAGAIN)
			break;
		if (r == 0 && shift)
			r = wirt_backup_shift_entry(job->entry, shift, err);
		if (r < 0)
			return wirt_error_prefix(err, "'%s'", job->file);
		r = wirt_archive_extract_entry(job->in, out, job->entry, prefix, job->file, err);
		if (r < 0)
			return r;
		r = next_entry(job, err);
		if (r < 0)
			return r;
	}
	/* Closing applies the deferred directory modes and times. */
	if (archive_write_close(out) < ARCHIVE_WARN)
		return wirt_archive_fail(out, "extract from", job->file, err);
	return 0;
}

/* Skips the entries of part 'prefix' (a template this host has already). */
static int skip_part(struct import_job *job, const char *prefix, struct wirt_error *err)
{
	int r;

	while (job->entry) {
		if (!in_part(archive_entry_pathname(job->entry), prefix))
			return 0;
		if (archive_read_data_skip(job->in) < ARCHIVE_WARN)
			return wirt_archive_fail(job->in, "read", job->file, err);
		r = next_entry(job, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* In a child where the layer lives on the vServer's own disk (mounted there). */
static int extract_layer(void *ctx, struct wirt_error *err)
{
	struct import_job *job = ctx;
	int r;

	/* A new disk has no upper directory yet (its first start makes it). */
	if (mkdir(job->layer, 0755) < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "create '%s'", job->layer);
	if (chdir(job->layer) < 0)
		return wirt_errorf(err, errno, "enter '%s'", job->layer);
	r = extract_part(job, "layer", &job->to_host, err);
	if (r == 0 && job->entry)
		r = wirt_error_plain(err, EINVAL, "'%s': unexpected entry '%s' after the layer",
		                     job->file, archive_entry_pathname(job->entry));
	/* The end of the archive must be read: a truncated one fails only there. */
	if (r == 0)
		report(job, true);
	return r;
}

static bool same_template(const struct wirt_template_info *info,
                          const struct wirt_backup_manifest *m)
{
	return strcmp(info->source, m->template_source) == 0 &&
	       strcmp(info->created, m->template_created) == 0;
}

/* Which template the vServer gets: the one of the backup's name when it is the same
 * build; else the backup's own, under its name or, when that is taken by another,
 * "<name>-<created>"; else (no template in the backup) this host's one of the name. */
static int choose_template(const char *root, const struct wirt_backup_manifest *m, char *ret_name,
                           bool *ret_import, bool *ret_differs, struct wirt_error *err)
{
	struct wirt_template_info info;
	struct wirt_error ignored;
	char alt[WIRT_NAME_MAX + 1], stamp[32];
	size_t j = 0;

	*ret_import = *ret_differs = false;
	snprintf(ret_name, WIRT_NAME_MAX + 1, "%s", m->template_name);
	if (wirt_template_info(root, m->template_name, &info, &ignored) < 0) {
		if (m->has_template) {
			*ret_import = true;
			return 0;
		}
		return wirt_error_plain(err, ENOENT,
		                        "template '%s' is not on this host and the backup holds "
		                        "none (it was exported with --no-template)",
		                        m->template_name);
	}
	if (same_template(&info, m))
		return 0;
	if (!m->has_template) {
		*ret_differs = true;
		return 0;
	}
	for (const char *c = m->template_created; *c && j < sizeof(stamp) - 1; c++)
		if (*c >= '0' && *c <= '9')
			stamp[j++] = *c;
	stamp[j] = '\0';
	snprintf(alt, sizeof(alt), "%.*s-%s", (int)(WIRT_NAME_MAX - 1 - j), m->template_name,
	         stamp);
	snprintf(ret_name, WIRT_NAME_MAX + 1, "%s", alt);
	if (wirt_template_info(root, alt, &info, &ignored) < 0) {
		*ret_import = true;
		return 0;
	}
	if (same_template(&info, m))
		return 0;
	return wirt_error_plain(err, EEXIST,
	                        "templates '%s' and '%s' exist and differ from the backup's",
	                        m->template_name, alt);
}

static int import_template(const char *root, const char *name, const struct wirt_backup_manifest *m,
                           struct import_job *job, struct wirt_error *err)
{
	_cleanup_(wirt_template_build_done) struct wirt_template_build b = WIRT_TEMPLATE_BUILD_INIT;
	_cleanup_close_ int cwd = -1;
	int r;

	r = wirt_template_build_begin(root, name, &b, err);
	if (r < 0)
		return r;
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0)
		return wirt_errorf(err, errno, "open the current directory");
	if (fchdir(b.rootfs_fd) < 0)
		return wirt_errorf(err, errno, "enter '%s'", b.dir);
	r = extract_part(job, "template", NULL, err);
	if (fchdir(cwd) < 0 && r == 0)
		r = wirt_errorf(err, errno, "return to the current directory");
	if (r < 0)
		return r;
	return wirt_template_build_commit(&b, m->template_source, m->template_created, err);
}

static int open_input(const char *file, uint64_t *ret_size, struct wirt_error *err)
{
	struct stat st;
	int fd;

	*ret_size = 0;
	if (strcmp(file, "-") == 0)
		fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return wirt_errorf(err, errno, "open '%s'", file);
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;

		close(fd);
		return wirt_errorf(err, e, "open '%s'", file);
	}
	if (S_ISREG(st.st_mode))
		*ret_size = (uint64_t)st.st_size;
	return fd;
}

/* Manifest and config: the vServer to make. */
static int read_head(struct import_job *job, struct wirt_backup_manifest *m, struct wirt_spec *spec,
                     struct wirt_error *err)
{
	char manifest[WIRT_BACKUP_MANIFEST_MAX];
	_cleanup_free_ char *config = malloc(WIRT_BACKUP_CONFIG_MAX);
	ssize_t n;
	int r;

	if (!config)
		return wirt_errorf(err, ENOMEM, "read '%s'", job->file);
	r = next_entry(job, err);
	if (r < 0)
		return r;
	n = read_small(job, WIRT_BACKUP_MANIFEST, manifest, sizeof(manifest), err);
	if (n < 0)
		return (int)n;
	r = wirt_backup_manifest_parse(manifest, (size_t)n, m, err);
	if (r < 0)
		return wirt_error_prefix(err, "'%s'", job->file);
	r = next_entry(job, err);
	if (r < 0)
		return r;
	n = read_small(job, WIRT_BACKUP_CONFIG, config, WIRT_BACKUP_CONFIG_MAX, err);
	if (n < 0)
		return (int)n;
	r = wirt_config_parse(config, (size_t)n, spec, err);
	if (r < 0)
		return wirt_error_prefix(err, "'%s': config", job->file);
	return next_entry(job, err);
}

int wirt_vserver_import(const char *root, const char *file, const struct wirt_import_options *opts,
                        struct wirt_import_result *res, struct wirt_error *err)
{
	_cleanup_(wirt_archive_read_freep) struct archive *in = NULL;
	_cleanup_close_ int fd = -1;
	struct import_job job = { .file = file,
				  .tick = { opts->progress, opts->progress_ctx, 0 } };
	struct wirt_backup_manifest m;
	struct wirt_spec spec;
	struct wirt_error ignored;
	char image[PATH_MAX], mnt[PATH_MAX], layer[PATH_MAX + 8];
	bool created = false, import;
	int r;

	memset(res, 0, sizeof(*res));
	r = wirt_archive_load(err);
	if (r < 0)
		return r;
	fd = open_input(file, &job.total, err);
	if (fd < 0)
		return fd;
	in = archive_read_new();
	if (!in)
		return wirt_errorf(err, ENOMEM, "read '%s'", file);
	job.in = in;
	/* Tar (pax) only; zstd as written, gzip and xz if someone recompressed it. */
	archive_read_support_filter_zstd(in);
	archive_read_support_filter_gzip(in);
	archive_read_support_filter_xz(in);
	archive_read_support_filter_none(in);
	archive_read_support_format_tar(in);
	if (archive_read_open_fd(in, fd, 65536) != ARCHIVE_OK)
		return wirt_archive_fail(in, "read", file, err);
	r = read_head(&job, &m, &spec, err);
	if (r < 0)
		return r;

	snprintf(spec.name, sizeof(spec.name), "%s", opts->name ? opts->name : m.name);
	r = wirt_name_validate("vServer", spec.name, err);
	if (r < 0)
		return r;
	if (wirt_vserver_load(root, spec.name, &(struct wirt_spec){ 0 }, &ignored) == 0)
		return wirt_error_plain(err, EEXIST, "vServer '%s' exists", spec.name);
	snprintf(res->name, sizeof(res->name), "%s", spec.name);
	r = choose_template(root, &m, res->template_name, &import, &res->template_differs, err);
	if (r < 0)
		return r;
	if (import) {
		r = import_template(root, res->template_name, &m, &job, err);
		if (r < 0)
			return r;
		res->template_imported = true; /* so removed again if the rest fails */
	} else {
		r = skip_part(&job, "template", err);
		if (r < 0)
			return r;
	}

	snprintf(spec.template_name, sizeof(spec.template_name), "%s", res->template_name);
	spec.id_base = 0; /* a range of its own on this host */
	if (opts->net && opts->net->n_addrs) {
		spec.net.n_addrs = opts->net->n_addrs;
		memcpy(spec.net.addrs, opts->net->addrs, sizeof(spec.net.addrs));
	}
	r = wirt_vserver_create(root, &spec, err);
	if (r < 0)
		goto fail;
	created = true;

	job.to_host = (struct wirt_id_shift){
	        .from = 0, .to = spec.id_base, .outside = -1, .caps_v2_to_v3 = true};
	if (spec.disk) {
		wirt_vserver_file(image, root, spec.name, "disk.img");
		wirt_vserver_file(mnt, root, spec.name, "disk");
		snprintf(layer, sizeof(layer), "%s/upper", mnt);
	} else {
		wirt_vserver_file(layer, root, spec.name, "upper");
	}
	job.layer = layer;
	if (!job.entry || !in_part(archive_entry_pathname(job.entry), "layer")) {
		r = wirt_error_plain(err, EINVAL, "'%s': %s where the layer should begin", file,
		                     job.entry ? archive_entry_pathname(job.entry) : "the end");
		goto fail;
	}
	r = wirt_disk_run_mounted(spec.disk ? image : NULL, mnt, extract_layer, &job, err);
	if (r == 0)
		return 0;
fail:
	if (created)
		(void)wirt_vserver_delete(root, spec.name, true, &ignored);
	if (res->template_imported)
		(void)wirt_template_delete(root, res->template_name, &ignored);
	return r;
}
