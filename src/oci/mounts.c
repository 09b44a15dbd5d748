/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A config.json mount's options as mount(2) wants them: the names runc and crun know
 * become MS_* flags, propagation or recursive mount attributes; anything else is the
 * filesystem's own ("mode=755", "size=65536k", "newinstance") and passes on as data,
 * as runc does. Parsed with the config, so a wrong combination is refused before any
 * container exists.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "config.h"
#include "parse.h"
#include "syscalls.h"
#include "util.h"

struct mount_flag {
	const char *name;
	bool clear;	     /* the option removes the flag ("rw", "suid") */
	unsigned long flag;
};

static const struct mount_flag flags[] = {
	{ "defaults", false, 0 },     { "ro", false, MS_RDONLY },
	{ "rw", true, MS_RDONLY },    { "suid", true, MS_NOSUID },
	{ "nosuid", false, MS_NOSUID }, { "dev", true, MS_NODEV },
	{ "nodev", false, MS_NODEV }, { "exec", true, MS_NOEXEC },
	{ "noexec", false, MS_NOEXEC }, { "sync", false, MS_SYNCHRONOUS },
	{ "async", true, MS_SYNCHRONOUS }, { "dirsync", false, MS_DIRSYNC },
	{ "remount", false, MS_REMOUNT }, { "mand", false, MS_MANDLOCK },
	{ "nomand", true, MS_MANDLOCK }, { "atime", true, MS_NOATIME },
	{ "noatime", false, MS_NOATIME }, { "diratime", true, MS_NODIRATIME },
	{ "nodiratime", false, MS_NODIRATIME }, { "relatime", false, MS_RELATIME },
	{ "norelatime", true, MS_RELATIME }, { "strictatime", false, MS_STRICTATIME },
	{ "nostrictatime", true, MS_STRICTATIME }, { "lazytime", false, MS_LAZYTIME },
	{ "nolazytime", true, MS_LAZYTIME }, { "silent", false, MS_SILENT },
	{ "loud", true, MS_SILENT },  { "bind", false, MS_BIND },
	{ "rbind", false, MS_BIND | MS_REC },
};

static const struct mount_flag propagations[] = {
	{ "private", false, MS_PRIVATE },	    { "rprivate", false, MS_PRIVATE | MS_REC },
	{ "shared", false, MS_SHARED },		    { "rshared", false, MS_SHARED | MS_REC },
	{ "slave", false, MS_SLAVE },		    { "rslave", false, MS_SLAVE | MS_REC },
	{ "unbindable", false, MS_UNBINDABLE },	    { "runbindable", false, MS_UNBINDABLE | MS_REC },
};

int wirt_oci_propagation_flags(const char *name, unsigned long *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(propagations); i++) {
		if (strcmp(propagations[i].name, name) == 0) {
			*ret = propagations[i].flag;
			return 0;
		}
	}
	return -EINVAL;
}

/* Recursive attributes (mount_setattr with AT_RECURSIVE, Linux 5.12+). */
static const struct {
	const char *name;
	bool clear;
	uint64_t attr;
} rattrs[] = {
	{ "rro", false, MOUNT_ATTR_RDONLY },	 { "rrw", true, MOUNT_ATTR_RDONLY },
	{ "rnosuid", false, MOUNT_ATTR_NOSUID }, { "rsuid", true, MOUNT_ATTR_NOSUID },
	{ "rnodev", false, MOUNT_ATTR_NODEV },	 { "rdev", true, MOUNT_ATTR_NODEV },
	{ "rnoexec", false, MOUNT_ATTR_NOEXEC }, { "rexec", true, MOUNT_ATTR_NOEXEC },
	{ "rnoatime", false, MOUNT_ATTR_NOATIME }, { "rnodiratime", false, MOUNT_ATTR_NODIRATIME },
	{ "rrelatime", false, MOUNT_ATTR_RELATIME }, { "rstrictatime", false, MOUNT_ATTR_STRICTATIME },
};

static const struct mount_flag *find(const struct mount_flag *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	return NULL;
}

static int add_data(char **data, const char *opt, struct wirt_error *err)
{
	size_t old = *data ? strlen(*data) : 0, n = strlen(opt);
	char *d = realloc(*data, old + n + 2);

	if (!d)
		return wirt_errorf(err, ENOMEM, "mount options");
	if (old)
		d[old++] = ',';
	memcpy(d + old, opt, n + 1);
	*data = d;
	return 0;
}

int wirt_oci_mount_options(struct wirt_oci_mount *m, struct jpath *p, struct wirt_error *err)
{
	bool is_bind = m->type && strcmp(m->type, "bind") == 0;
	size_t old = jp_key(p, "options");
	int r;

	m->flags = 0;
	m->propagation = 0;
	for (size_t i = 0; i < m->options.n; i++) {
		const char *o = m->options.v[i];
		const struct mount_flag *f;
		size_t old2 = jp_index(p, i);
		bool done = false;

		if ((f = find(flags, ARRAY_SIZE(flags), o))) {
			if (f->clear)
				m->flags &= ~f->flag;
			else
				m->flags |= f->flag;
			done = true;
		} else if ((f = find(propagations, ARRAY_SIZE(propagations), o))) {
			m->propagation = f->flag;
			done = true;
		} else if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
			m->idmap = true;
			done = true;
		} else if (strcmp(o, "tmpcopyup") == 0) {
			m->tmpcopyup = true;
			done = true;
		} else if (strcmp(o, "notmpcopyup") == 0) {
			m->tmpcopyup = false;
			done = true;
		}
		for (size_t k = 0; !done && k < ARRAY_SIZE(rattrs); k++) {
			if (strcmp(rattrs[k].name, o) != 0)
				continue;
			if (rattrs[k].clear) {
				m->rattr_clr |= rattrs[k].attr;
				m->rattr_set &= ~rattrs[k].attr;
			} else {
				m->rattr_set |= rattrs[k].attr;
				m->rattr_clr &= ~rattrs[k].attr;
			}
			done = true;
		}
		if (!done) {
			if (o[0] == '\0')
				return jp_bad(p, err, "empty option");
			r = add_data(&m->data, o, err);
			if (r < 0)
				return r;
		}
		jp_pop(p, old2);
	}
	jp_pop(p, old);
	if (is_bind)
		m->flags |= MS_BIND;
	/* Mappings make an idmapped mount; "idmap" alone takes the container's own. */
	if (m->n_uid_mappings || m->n_gid_mappings)
		m->idmap = true;
	if (m->idmap && m->n_uid_mappings != 0 && m->n_gid_mappings == 0)
		return jp_bad(p, err, "gidMappings: missing beside uidMappings");
	if (m->idmap && m->n_gid_mappings != 0 && m->n_uid_mappings == 0)
		return jp_bad(p, err, "uidMappings: missing beside gidMappings");
	if (m->idmap && !(m->flags & MS_BIND))
		return jp_bad(p, err, "options: idmap works on bind mounts only");
	if (m->tmpcopyup && (!m->type || strcmp(m->type, "tmpfs") != 0))
		return jp_bad(p, err, "options: tmpcopyup works on tmpfs only");
	if ((m->flags & MS_BIND) && !m->source)
		return jp_bad(p, err, "source: a bind mount needs one");
	return 0;
}
