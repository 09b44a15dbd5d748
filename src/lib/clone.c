/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Cloning a vServer: see clone.h. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "clone.h"
#include "config.h"
#include "disk.h"
#include "fsutil.h"
#include "paths.h"
#include "snapshot.h"
#include "tool.h"
#include "util.h"
#include "validate.h"
#include "vserver.h"

static uint32_t shift_from, shift_to;
static int shift_errno;

/* Owners inside SRC's range move to DST's: guest uid n stays n inside. */
static int shift_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	uid_t uid = st->st_uid;
	gid_t gid = st->st_gid;

	(void)flag, (void)ftw;
	if (uid >= shift_from && uid - shift_from < WIRT_ID_COUNT)
		uid = uid - shift_from + shift_to;
	if (gid >= shift_from && gid - shift_from < WIRT_ID_COUNT)
		gid = gid - shift_from + shift_to;
	if ((uid != st->st_uid || gid != st->st_gid) && lchown(path, uid, gid) < 0) {
		shift_errno = errno;
		return 1;
	}
	/* chown clears set-id bits of files: put them back. */
	if (!S_ISLNK(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    chmod(path, st->st_mode & 07777) < 0) {
		shift_errno = errno;
		return 1;
	}
	return 0;
}

static int shift_tree(const char *dir, uint32_t from, uint32_t to, struct wirt_error *err)
{
	shift_from = from;
	shift_to = to;
	shift_errno = 0;
	if (nftw(dir, shift_one, 32, FTW_PHYS | FTW_MOUNT) != 0)
		return wirt_errorf(err, shift_errno ? shift_errno : EIO, "shift owners in '%s'", dir);
	return 0;
}

/* A file of the guest's, written in its upper layer, owned by guest root. */
static int write_guest_file(const char *upper, const char *rel, const void *data, size_t n,
			    mode_t mode, uid_t owner, struct wirt_error *err)
{
	char path[PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/%s", upper, rel);
	r = wirt_write_file_atomic(path, data, n, mode);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	if (chown(path, owner, owner) < 0)
		return wirt_errorf(err, errno, "set owner of '%s'", path);
	return 0;
}

/* upper/<rel> as a directory of guest root's (an existing one is kept). */
static int guest_dir(const char *upper, const char *rel, uid_t owner, struct wirt_error *err)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", upper, rel);
	if (mkdir(p, 0755) == 0) {
		if (chown(p, owner, owner) < 0)
			return wirt_errorf(err, errno, "set owner of '%s'", p);
	} else if (errno != EEXIST) {
		return wirt_errorf(err, errno, "create '%s'", p);
	}
	return 0;
}

/* Whether the guest has /etc/<rel>: in its upper layer or in its template. */
static bool guest_has(const char *upper, const char *template_rootfs, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", upper, rel);
	if (access(p, F_OK) == 0)
		return true;
	snprintf(p, sizeof(p), "%s/%s", template_rootfs, rel);
	return access(p, F_OK) == 0;
}

/* A new machine-id and new ssh host keys, where the guest has them. */
static int new_identity(const char *upper, const char *template_rootfs, uid_t owner,
			struct wirt_error *err)
{
	static const char *const key_types[] = { "rsa", "ecdsa", "ed25519" };
	unsigned char raw[16];
	char id[34];
	int r;

	if (guest_has(upper, template_rootfs, "etc/machine-id")) {
		if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
			return wirt_errorf(err, errno, "random machine-id");
		for (int i = 0; i < 16; i++)
			snprintf(id + 2 * i, 3, "%02x", raw[i]);
		id[32] = '\n';
		id[33] = '\0';
		r = guest_dir(upper, "etc", owner, err);
		if (r == 0)
			r = write_guest_file(upper, "etc/machine-id", id, 33, 0444, owner, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(key_types); i++) {
		char rel[64], key[PATH_MAX], pub[PATH_MAX + 8], out[WIRT_TOOL_OUTPUT_MAX];

		snprintf(rel, sizeof(rel), "etc/ssh/ssh_host_%s_key", key_types[i]);
		if (!guest_has(upper, template_rootfs, rel))
			continue;
		snprintf(key, sizeof(key), "%s/%s", upper, rel);
		snprintf(pub, sizeof(pub), "%s.pub", key);
		r = guest_dir(upper, "etc", owner, err);
		if (r == 0)
			r = guest_dir(upper, "etc/ssh", owner, err);
		if (r < 0)
			return r;
		unlink(key);
		unlink(pub);
		r = wirt_tool_run((char *const[]){ "ssh-keygen", "-q", "-t", (char *)key_types[i],
						   "-N", "", "-f", key, NULL },
				  out, sizeof(out));
		if (r != 0)
			return wirt_errorf(err, r < 0 ? -r : EIO, "new ssh host key '%s'%s%s", rel,
					   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
		if (chown(key, owner, owner) < 0 || chown(pub, owner, owner) < 0)
			return wirt_errorf(err, errno, "set owner of '%s'", key);
	}
	return 0;
}

struct fix_job {
	const char *tree;	   /* the copied writable layer */
	const char *upper;	   /* its top: the guest's "/" */
	const char *template_rootfs;
	uint32_t from, to;
};

/* Owners shifted from SRC's range to DST's, and a new identity. */
static int fix_copy(void *ctx, struct wirt_error *err)
{
	const struct fix_job *job = ctx;
	int r;

	r = shift_tree(job->tree, job->from, job->to, err);
	if (r == 0 && access(job->upper, F_OK) == 0)
		r = new_identity(job->upper, job->template_rootfs, job->to, err);
	return r;
}

int wirt_vserver_clone(const char *root, const char *src, const char *dst,
		       const struct wirt_net *net, struct wirt_error *err)
{
	_cleanup_close_ int lock = -1;
	char from[PATH_MAX], to[PATH_MAX], template_rootfs[PATH_MAX];
	struct wirt_spec spec, srcspec;
	struct wirt_status st;
	struct wirt_cgroup cg;
	bool frozen = false;
	int r;

	r = wirt_vserver_load(root, src, &srcspec, err);
	if (r < 0)
		return wirt_error_prefix(err, "source '%s'", src);
	r = wirt_name_validate("vServer", dst, err);
	if (r < 0)
		return r;
	lock = wirt_vserver_lock(root, src, err);
	if (lock < 0)
		return lock;
	spec = srcspec;
	snprintf(spec.name, sizeof(spec.name), "%s", dst);
	snprintf(spec.hostname, sizeof(spec.hostname), "%s", dst);
	spec.id_base = 0;
	spec.net.n_addrs = net->n_addrs;
	memcpy(spec.net.addrs, net->addrs, sizeof(spec.net.addrs));
	spec.net.has_mac = false;
	spec.net.n_ports = 0;
	r = wirt_vserver_create(root, &spec, err);
	if (r < 0)
		return r;
	/* From here a failure deletes DST again. */
	r = wirt_vserver_status(root, src, &st, err);
	if (r == 0 && st.state != WIRT_STATE_STOPPED && st.guest_alive) {
		r = wirt_snapshot_freeze(root, src, st.run.init, &cg, err);
		frozen = r == 0;
	}
	if (r == 0) {
		const char *layer = wirt_snapshot_layer(&spec);

		wirt_vserver_file(from, root, src, layer);
		wirt_vserver_file(to, root, dst, layer);
		r = wirt_rm_rf(to);
		if (r < 0)
			r = wirt_errorf(err, -r, "replace '%s'", to);
		if (r == 0)
			r = wirt_tool_copy(from, to, err);
	}
	if (frozen)
		(void)wirt_cgroup_freeze(&cg, false, &(struct wirt_error){ 0 });
	wirt_template_rootfs(template_rootfs, root, spec.template_name);
	if (r == 0) {
		/* With a disk of its own the files are in the image: mounted for the work in a
		 * child's private mount namespace. */
		char image[PATH_MAX], mnt[PATH_MAX], upper[PATH_MAX + 8];
		struct fix_job job = { .tree = to, .upper = to, .template_rootfs = template_rootfs,
				       .from = srcspec.id_base, .to = spec.id_base };

		if (spec.disk) {
			wirt_vserver_file(image, root, dst, "disk.img");
			wirt_vserver_file(mnt, root, dst, "disk");
			snprintf(upper, sizeof(upper), "%s/upper", mnt);
			job.tree = mnt;
			job.upper = upper;
		}
		r = wirt_disk_run_mounted(spec.disk ? image : NULL, mnt, fix_copy, &job, err);
	}
	if (r < 0) {
		struct wirt_error ignored;

		(void)wirt_vserver_delete(root, dst, true, &ignored);
		return r;
	}
	return 0;
}
