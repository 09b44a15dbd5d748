/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's record under --root: see state.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsutil.h"
#include "names.h"
#include "state.h"
#include "../lib/state.h"
#include "util.h"

void oci_state_init(struct oci_state *st, const char *root, const char *id)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->id, sizeof(st->id), "%s", id);
	snprintf(st->dir, sizeof(st->dir), "%s/%s", root, id);
}

char *oci_state_file(const struct oci_state *st, const char *name, char *buf)
{
	snprintf(buf, PATH_MAX, "%s/%s", st->dir, name);
	return buf;
}

int oci_state_mkdir(const struct oci_state *st, struct wirt_error *err)
{
	char root[PATH_MAX];
	char *slash;

	snprintf(root, sizeof(root), "%s", st->dir);
	slash = strrchr(root, '/');
	if (slash && slash != root) {
		*slash = '\0';
		/* 0700: state.json and the fifo are the runtime's, not the host users'. */
		int r = wirt_mkdir_p(root, 0700);
		if (r < 0 && r != -EEXIST)
			return wirt_errorf(err, -r, "create state dir '%s'", root);
	}
	if (mkdir(st->dir, 0711) < 0) {
		if (errno == EEXIST)
			return wirt_error_plain(err, EEXIST, "container with id exists: %s", st->id);
		return wirt_errorf(err, errno, "create '%s'", st->dir);
	}
	return 0;
}

int oci_state_save(const struct oci_state *st, struct wirt_error *err)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:b, s:O}", "id", st->id,
			      "pid", (json_int_t)st->pid, "pid_start", (json_int_t)st->pid_start,
			      "bundle", st->bundle, "rootfs", st->rootfs, "created", st->created,
			      "cgroup_mode", (int)st->cg.mode, "cgroup", st->cg.rel, "own_pidns",
			      st->own_pidns, "annotations",
			      st->annotations ? st->annotations : json_object());
	char path[PATH_MAX];
	char *text;
	int r;

	if (!o)
		return wirt_errorf(err, ENOMEM, "format state of '%s'", st->id);
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return wirt_errorf(err, ENOMEM, "format state of '%s'", st->id);
	r = wirt_write_file_replace(oci_state_file(st, "state.json", path), text, strlen(text),
				   0600);
	free(text);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	return 0;
}

static void copy_str(char *dst, size_t size, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	snprintf(dst, size, "%s", s ? s : "");
}

int oci_state_load(const char *root, const char *id, struct oci_state *st,
		   struct wirt_error *err)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *o;
	int r;

	r = oci_id_check(id, err);
	if (r < 0)
		return r;
	oci_state_init(st, root, id);
	o = json_load_file(oci_state_file(st, "state.json", path), 0, &jerr);
	if (!o) {
		if (access(st->dir, F_OK) < 0)
			return wirt_error_plain(err, ENOENT, "container does not exist");
		/* A directory without a record: a create that is still running, or one
		 * that died before it wrote it. */
		return wirt_error_plain(err, ENOENT, "container %s is being created or its state "
						     "is lost (%s)", id, jerr.text);
	}
	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st->pid_start = (uint64_t)json_integer_value(json_object_get(o, "pid_start"));
	copy_str(st->bundle, sizeof(st->bundle), o, "bundle");
	copy_str(st->rootfs, sizeof(st->rootfs), o, "rootfs");
	copy_str(st->created, sizeof(st->created), o, "created");
	copy_str(st->cg.rel, sizeof(st->cg.rel), o, "cgroup");
	st->cg.mode = (enum wirt_cgroup_mode)json_integer_value(json_object_get(o, "cgroup_mode"));
	st->own_pidns = json_is_true(json_object_get(o, "own_pidns"));
	st->annotations = json_incref(json_object_get(o, "annotations"));
	json_decref(o);
	return 0;
}

void oci_state_free(struct oci_state *st)
{
	json_decref(st->annotations);
	st->annotations = NULL;
}

bool oci_state_init_alive(const struct oci_state *st)
{
	return wirt_proc_matches(st->pid, st->pid_start);
}

enum oci_status oci_state_status(const struct oci_state *st)
{
	char path[PATH_MAX];

	if (!oci_state_init_alive(st))
		return OCI_STOPPED;
	if (access(oci_state_file(st, "exec.fifo", path), F_OK) == 0)
		return OCI_CREATED;
	if (wirt_cgroup_frozen(&st->cg))
		return OCI_PAUSED;
	return OCI_RUNNING;
}

const char *oci_status_name(enum oci_status s)
{
	static const char *const names[] = {
		[OCI_CREATED] = "created", [OCI_RUNNING] = "running",
		[OCI_PAUSED] = "paused",   [OCI_STOPPED] = "stopped",
	};
	return names[s];
}

json_t *oci_state_json(const struct oci_state *st, enum oci_status status)
{
	json_t *o = json_object();

	json_object_set_new(o, "ociVersion", json_string(OCI_SPEC_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "pid", json_integer(status == OCI_STOPPED ? 0 : st->pid));
	json_object_set_new(o, "status", json_string(oci_status_name(status)));
	json_object_set_new(o, "bundle", json_string(st->bundle));
	json_object_set_new(o, "rootfs", json_string(st->rootfs));
	json_object_set_new(o, "created", json_string(st->created));
	if (st->annotations && json_object_size(st->annotations) > 0)
		json_object_set(o, "annotations", st->annotations);
	json_object_set_new(o, "owner", json_string(""));
	return o;
}

json_t *oci_state_hook_json(const struct oci_state *st, const char *status)
{
	json_t *o = json_object();

	json_object_set_new(o, "ociVersion", json_string(OCI_SPEC_VERSION));
	json_object_set_new(o, "id", json_string(st->id));
	json_object_set_new(o, "status", json_string(status));
	if (st->pid > 0 && strcmp(status, "stopped") != 0)
		json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "bundle", json_string(st->bundle));
	if (st->annotations && json_object_size(st->annotations) > 0)
		json_object_set(o, "annotations", st->annotations);
	return o;
}

int oci_state_remove(const struct oci_state *st, struct wirt_error *err)
{
	int r = wirt_rm_rf(st->dir);

	if (r < 0 && r != -ENOENT)
		return wirt_errorf(err, -r, "remove '%s'", st->dir);
	return 0;
}
