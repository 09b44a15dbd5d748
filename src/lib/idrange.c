/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host-wide id-range registry (see idrange.h): a directory with one file per taken
 * slot, named by the slot's decimal number and holding "<root>\t<name>\n", changed only
 * under an flock on <registry>/.lock. One file a slot rather than one table, so that a
 * crash leaves at worst an empty slot file, which the next allocation reuses.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "idrange.h"
#include "paths.h"
#include "spec.h"
#include "util.h"
#include "validate.h"

/* "<root>\t<name>\n" with room to spare: anything longer is not an entry. */
#define ENTRY_MAX (PATH_MAX + WIRT_NAME_MAX + 4)

struct registry {
	const char *path;
	int dir_fd;
	int lock_fd; /* holds the flock until closed */
};

#define REGISTRY_NULL { .dir_fd = -1, .lock_fd = -1 }

static void registry_closep(struct registry *reg)
{
	wirt_closep(&reg->lock_fd);
	wirt_closep(&reg->dir_fd);
}

long wirt_idrange_pick(const bool *used, size_t n)
{
	if (n > WIRT_ID_SLOTS)
		n = WIRT_ID_SLOTS;
	for (size_t i = 0; i < n; i++)
		if (!used[i])
			return (long)i;
	return n < WIRT_ID_SLOTS ? (long)n : -ENOSPC;
}

static const char *registry_path(void)
{
	const char *env = getenv("WIRT_ID_REGISTRY");

	return env && *env ? env : WIRT_ID_REGISTRY_DEFAULT;
}

static int registry_open(struct registry *reg, struct wirt_error *err)
{
	int r;

	reg->path = registry_path();
	r = wirt_mkdir_p(reg->path, 0755);
	if (r < 0)
		return wirt_errorf(err, -r, "create id registry '%s'", reg->path);
	reg->dir_fd = open(reg->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (reg->dir_fd < 0)
		return wirt_errorf(err, errno, "open id registry '%s'", reg->path);
	reg->lock_fd =
		openat(reg->dir_fd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (reg->lock_fd < 0)
		return wirt_errorf(err, errno, "open '%s/.lock'", reg->path);
	while (flock(reg->lock_fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return wirt_errorf(err, errno, "lock '%s/.lock'", reg->path);
	return 0;
}

/* The registry outlives the command that writes it, and the stale check stats paths
 * from any working directory: so an entry names its root by its canonical path. */
static int root_resolve(const char *root, char ret[PATH_MAX], struct wirt_error *err)
{
	char shown[WIRT_ESCAPE_MAX];

	if (!root || root[0] != '/')
		return wirt_error_invalid(err, "root dir '%s' is not an absolute path",
					  wirt_str_escape(root, shown, sizeof(shown)));
	if (!realpath(root, ret))
		return wirt_errorf(err, errno, "resolve root dir '%s'", root);
	if (strpbrk(ret, "\t\n"))
		return wirt_error_invalid(err, "root dir '%s' has a tab or newline in its path",
					  wirt_str_escape(ret, shown, sizeof(shown)));
	return 0;
}

/* A slot file's name: the slot in plain decimal ("7", never "07"), or -1. */
static long slot_from_name(const char *s)
{
	long slot = 0;

	if (!*s || (s[0] == '0' && s[1]) || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		slot = slot * 10 + (*s - '0');
	}
	return slot < WIRT_ID_SLOTS ? slot : -1;
}

/* Reads a slot file into root and name. Returns 0, -ENODATA when it is empty, -EBADMSG
 * when it is not an entry, or -errno (-ENOENT: no such slot file). */
static int entry_read(int dir_fd, const char *file, char root[PATH_MAX],
		      char name[WIRT_NAME_MAX + 1])
{
	_cleanup_close_ int fd = -1;
	struct wirt_error ignored;
	char buf[ENTRY_MAX + 1];
	char *tab, *nl;
	struct stat st;
	size_t len = 0;

	fd = openat(dir_fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -EBADMSG : -errno;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	while (len < ENTRY_MAX) {
		ssize_t n = read(fd, buf + len, ENTRY_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		return -ENODATA;
	buf[len] = '\0';
	nl = memchr(buf, '\n', len);
	tab = memchr(buf, '\t', len);
	if (!nl || nl != buf + len - 1 || !tab || buf[0] != '/' || memchr(buf, '\0', len))
		return -EBADMSG;
	*nl = '\0';
	*tab = '\0';
	if (strchr(tab + 1, '\t') || (size_t)(tab - buf) >= PATH_MAX ||
	    wirt_name_validate("vServer", tab + 1, &ignored) < 0)
		return -EBADMSG;
	memcpy(root, buf, (size_t)(tab - buf) + 1);
	memcpy(name, tab + 1, strlen(tab + 1) + 1);
	return 0;
}

/*
 * An entry is stale when its vServer is certainly gone: <root>/vservers is there and
 * <root>/vservers/<name> is not. `wirt create` makes that dir before it allocates and
 * `wirt delete` removes it only before it releases, so a live vServer always has it
 * (its config may not be written yet). Without <root>/vservers (a root on a disk that
 * is not mounted yet) nothing is known and the range stays taken: a leaked range is
 * better than two tenants sharing ids.
 */
static bool entry_is_stale(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	if (!wirt_path(path, root, "vservers", NULL, NULL) || stat(path, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return false;
	if (!wirt_vserver_dir(path, root, name))
		return false;
	return lstat(path, &st) < 0 && errno == ENOENT;
}

/* Marks the taken slots in used[]. Sets *ret_own to the slot already recorded for
 * root/name, or -1. */
static int registry_scan(const struct registry *reg, const char *root, const char *name,
			 bool *used, long *ret_own, struct wirt_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	char e_root[PATH_MAX], e_name[WIRT_NAME_MAX + 1];
	struct dirent *de;
	int fd;

	*ret_own = -1;
	fd = openat(reg->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return wirt_errorf(err, errno, "open id registry '%s'", reg->path);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return wirt_errorf(err, errno, "open id registry '%s'", reg->path);
	}
	for (errno = 0; (de = readdir(d)); errno = 0) {
		long slot = slot_from_name(de->d_name);
		int r;

		if (slot < 0)
			continue;
		r = entry_read(reg->dir_fd, de->d_name, e_root, e_name);
		if (r == 0 && strcmp(e_root, root) == 0 && strcmp(e_name, name) == 0) {
			*ret_own = slot;
			return 0;
		}
		/* Anything unreadable or odd keeps its slot: only a sure thing is reused. */
		if (r == -ENODATA || (r == 0 && entry_is_stale(e_root, e_name)))
			continue;
		used[slot] = true;
	}
	if (errno)
		return wirt_errorf(err, errno, "read id registry '%s'", reg->path);
	return 0;
}

static int entry_write(const struct registry *reg, long slot, const char *root,
		       const char *name, struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	char file[24], text[ENTRY_MAX];
	size_t len, done = 0;
	int r = 0;

	snprintf(file, sizeof(file), "%ld", slot);
	/* The slot may hold a stale or empty entry. */
	if (unlinkat(reg->dir_fd, file, 0) < 0 && errno != ENOENT)
		return wirt_errorf(err, errno, "remove stale entry '%s/%s'", reg->path, file);
	fd = openat(reg->dir_fd, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return wirt_errorf(err, errno, "create '%s/%s'", reg->path, file);
	len = (size_t)snprintf(text, sizeof(text), "%s\t%s\n", root, name);
	while (done < len && r == 0) {
		ssize_t n = write(fd, text + done, len - done);

		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += (size_t)n;
	}
	/* On disk before the lock is dropped: after a crash the range is still taken. */
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (r == 0 && fsync(reg->dir_fd) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(reg->dir_fd, file, 0);
		return wirt_errorf(err, -r, "write '%s/%s'", reg->path, file);
	}
	return 0;
}

static int idrange_alloc(const char *root, const char *name, uint32_t *ret_base,
			 struct wirt_error *err)
{
	_cleanup_(registry_closep) struct registry reg = REGISTRY_NULL;
	_cleanup_free_ bool *used = NULL;
	char real_root[PATH_MAX];
	long own, slot;
	int r;

	r = wirt_name_validate("vServer", name, err);
	if (r < 0)
		return r;
	r = root_resolve(root, real_root, err);
	if (r < 0)
		return r;
	used = calloc(WIRT_ID_SLOTS, sizeof(*used));
	if (!used)
		return wirt_errorf(err, ENOMEM, "scan id registry");
	r = registry_open(&reg, err);
	if (r < 0)
		return r;
	r = registry_scan(&reg, real_root, name, used, &own, err);
	if (r < 0)
		return r;
	/* Asked again (a create that is retried): the range it has. */
	if (own >= 0) {
		*ret_base = wirt_idrange_base((unsigned long)own);
		return 0;
	}
	slot = wirt_idrange_pick(used, WIRT_ID_SLOTS);
	if (slot < 0)
		return wirt_error_plain(err, ENOSPC, "all %u ranges in '%s' are taken",
					WIRT_ID_SLOTS, reg.path);
	r = entry_write(&reg, slot, real_root, name, err);
	if (r < 0)
		return r;
	*ret_base = wirt_idrange_base((unsigned long)slot);
	return 0;
}

int wirt_idrange_alloc(const char *root, const char *name, uint32_t *ret_base,
		       struct wirt_error *err)
{
	int r;

	r = idrange_alloc(root, name, ret_base, err);
	if (r < 0)
		return wirt_error_prefix(err, "allocate id range");
	return 0;
}

static int idrange_release(const char *root, const char *name, uint32_t base,
			   struct wirt_error *err)
{
	_cleanup_(registry_closep) struct registry reg = REGISTRY_NULL;
	char real_root[PATH_MAX], e_root[PATH_MAX], e_name[WIRT_NAME_MAX + 1], file[16];
	uint32_t off = base - WIRT_ID_FIRST;
	int r;

	if (base < WIRT_ID_FIRST || off % WIRT_ID_COUNT != 0 ||
	    off / WIRT_ID_COUNT >= WIRT_ID_SLOTS)
		return wirt_error_invalid(err, "invalid id range base '%u'", base);
	r = wirt_name_validate("vServer", name, err);
	if (r < 0)
		return r;
	r = root_resolve(root, real_root, err);
	if (r < 0)
		return r;
	r = registry_open(&reg, err);
	if (r < 0)
		return r;
	snprintf(file, sizeof(file), "%u", off / WIRT_ID_COUNT);
	/* Only our own entry goes: a stale range may have been given to another since. */
	if (entry_read(reg.dir_fd, file, e_root, e_name) < 0 || strcmp(e_root, real_root) != 0 ||
	    strcmp(e_name, name) != 0)
		return 0;
	if (unlinkat(reg.dir_fd, file, 0) < 0)
		return wirt_errorf(err, errno, "remove '%s/%s'", reg.path, file);
	if (fsync(reg.dir_fd) < 0)
		return wirt_errorf(err, errno, "sync id registry '%s'", reg.path);
	return 0;
}

int wirt_idrange_release(const char *root, const char *name, uint32_t base,
			 struct wirt_error *err)
{
	int r;

	r = idrange_release(root, name, base, err);
	if (r < 0)
		return wirt_error_prefix(err, "release id range");
	return 0;
}
