/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Templates (see template.h): the built-in busybox tree, debootstrap'ed Debian, imported
 * tarballs; listing, checking and deleting them. Every build fills a temporary
 * directory <root>/templates/.<NAME>.tmp-XXXXXX and renames it into place as the last
 * step, so a template is either complete or absent.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "archive-dl.h"
#include "config.h"
#include "fsutil.h"
#include "paths.h"
#include "spec.h"
#include "template.h"
#include "util.h"
#include "validate.h"

#define BUSYBOX_DEFAULT "/bin/busybox"
#define DEBIAN_RELEASE_DEFAULT "bookworm"
#define DEBIAN_MIRROR_DEFAULT "http://deb.debian.org/debian"
/* systemd-sysv gives the guest a real /sbin/init; the rest is what an operator expects
 * in a minimal server (ps, ip, curl with CA certificates, /etc/services). */
#define DEBIAN_INCLUDE "--include=systemd-sysv,procps,iproute2,curl,ca-certificates,netbase"
#define INFO_MAX 1024

/* ---- locks and the temporary build directory ----------------------------------------- */

static int lock_file(const char *path, int *ret_fd, struct wirt_error *err)
{
	int fd = wirt_lock_file(path, err);

	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

/* <root>/lock serialises template changes with vServer creation (a template in use
 * must not vanish). It is held for the short critical steps only: a debootstrap takes
 * minutes and must not stall every `wirt create`. Builds among themselves are
 * serialised by <root>/templates/.build.lock instead, which also makes it safe to sweep
 * the leftovers of an interrupted build. */
static int lock_root(const char *root, int *ret_fd, struct wirt_error *err)
{
	char path[PATH_MAX];

	if (!wirt_path(path, root, "lock", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "lock root '%s'", root);
	return lock_file(path, ret_fd, err);
}

void wirt_template_build_done(struct wirt_template_build *b)
{
	int saved = errno;

	/* Not committed: nothing of the build may stay behind. */
	if (b->dir[0])
		wirt_rm_rf(b->dir);
	b->dir[0] = '\0';
	if (b->rootfs_fd >= 0)
		close(b->rootfs_fd);
	if (b->build_lock_fd >= 0)
		close(b->build_lock_fd);
	b->rootfs_fd = b->build_lock_fd = -1;
	errno = saved;
}

static bool template_exists(const char *root, const char *name)
{
	char path[PATH_MAX];

	return wirt_template_dir(path, root, name) && access(path, F_OK) == 0;
}

static int fail_exists(const char *name, struct wirt_error *err)
{
	return wirt_error_plain(err, EEXIST, "template '%s' exists", name);
}

/* Removes what interrupted builds (".<name>.tmp-*", under the build lock) or deletes
 * (".<name>.del-*", under the root lock) left behind: holding the lock that their own
 * kind takes, no other build or delete can still be using one. */
static void sweep_leftovers(const char *templates, const char *marker)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char path[PATH_MAX];

	d = opendir(templates);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] != '.' || !strstr(de->d_name, marker))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", templates, de->d_name) <
		    (int)sizeof(path))
			wirt_rm_rf(path);
	}
}

int wirt_template_build_begin(const char *root, const char *name, struct wirt_template_build *b,
		       struct wirt_error *err)
{
	char templates[PATH_MAX], path[PATH_MAX];
	int r;

	b->root = root;
	b->name = name;
	r = wirt_name_validate("template", name, err);
	if (r < 0)
		return r;
	/* Fail before minutes of work; the rename at the end decides for good. */
	if (template_exists(root, name))
		return fail_exists(name, err);

	if (!wirt_path(templates, root, "templates", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "create '%s/templates'", root);
	r = wirt_mkdir_p(root, 0711);
	if (r < 0)
		return wirt_errorf(err, -r, "create root '%s'", root);
	r = wirt_mkdir_p(templates, 0711);
	if (r < 0)
		return wirt_errorf(err, -r, "create '%s'", templates);
	if (!wirt_path(path, templates, ".build.lock", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "lock '%s'", templates);
	r = lock_file(path, &b->build_lock_fd, err);
	if (r < 0)
		return r;
	sweep_leftovers(templates, ".tmp-");

	r = snprintf(b->dir, sizeof(b->dir), "%s/.%s.tmp-XXXXXX", templates, name);
	if (r < 0 || (size_t)r >= sizeof(b->dir)) {
		b->dir[0] = '\0';
		return wirt_errorf(err, ENAMETOOLONG, "create temporary dir in '%s'", templates);
	}
	if (!mkdtemp(b->dir)) {
		r = wirt_errorf(err, errno, "create '%s'", b->dir);
		b->dir[0] = '\0';
		return r;
	}
	if (chmod(b->dir, 0711) < 0)
		return wirt_errorf(err, errno, "chmod '%s'", b->dir);
	if (!wirt_path(path, b->dir, "rootfs", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "create rootfs in '%s'", b->dir);
	if (mkdir(path, 0755) < 0 || chmod(path, 0755) < 0)
		return wirt_errorf(err, errno, "create '%s'", path);
	b->rootfs_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (b->rootfs_fd < 0)
		return wirt_errorf(err, errno, "open '%s'", path);
	return 0;
}

static void format_now(char *buf, size_t size)
{
	struct tm tm;
	time_t now = time(NULL);

	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Writes info, flushes the tree and renames it into place under the root lock. */
int wirt_template_build_commit(struct wirt_template_build *b, const char *source,
			       const char *created, struct wirt_error *err)
{
	_cleanup_close_ int lock_fd = -1;
	_cleanup_close_ int dir_fd = -1;
	char info[INFO_MAX], now[32], path[PATH_MAX], final[PATH_MAX];
	int n, r;

	if (!created) {
		format_now(now, sizeof(now));
		created = now;
	}
	n = snprintf(info, sizeof(info), "source=%s\ncreated=%s\n", source, created);
	if (!wirt_path(path, b->dir, "info", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "write info in '%s'", b->dir);
	r = wirt_write_file_atomic(path, info, (size_t)n, 0644);
	if (r < 0)
		return wirt_errorf(err, -r, "write '%s'", path);
	/* The rename must not reach the disk before the files it publishes. */
	if (syncfs(b->rootfs_fd) < 0)
		return wirt_errorf(err, errno, "sync '%s'", b->dir);

	if (!wirt_template_dir(final, b->root, b->name))
		return wirt_errorf(err, ENAMETOOLONG, "rename '%s'", b->dir);
	r = lock_root(b->root, &lock_fd, err);
	if (r < 0)
		return r;
	if (renameat2(AT_FDCWD, b->dir, AT_FDCWD, final, RENAME_NOREPLACE) < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			return fail_exists(b->name, err);
		return wirt_errorf(err, errno, "rename '%s' to '%s'", b->dir, final);
	}
	b->dir[0] = '\0';
	if (wirt_path(path, b->root, "templates", NULL, NULL)) {
		dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dir_fd >= 0)
			fsync(dir_fd);
	}
	return 0;
}

/* ---- running helpers ----------------------------------------------------------------- */

/* Waits for 'pid'; returns 0 for exit status 0, else fills err with 'what'. */
static int wait_child(pid_t pid, const char *what, struct wirt_error *err)
{
	const char *sig;
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return wirt_errorf(err, errno, "wait for %s", what);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return wirt_error_plain(err, EIO, "%s: exit status %d", what, WEXITSTATUS(status));
	sig = sigabbrev_np(WTERMSIG(status));
	return wirt_error_plain(err, EINTR, "%s: killed by SIG%s", what, sig ? sig : "?");
}

/* Runs argv[0] (a full path) with stdout into *ret_out (malloc'ed, NUL-terminated). */
static int run_capture(char *const argv[], char **ret_out, struct wirt_error *err)
{
	_cleanup_free_ char *out = NULL;
	char what[PATH_MAX + 8];
	size_t len = 0, cap = 16384;
	int pipefd[2], r;
	pid_t pid;

	out = malloc(cap);
	if (!out)
		return wirt_errorf(err, ENOMEM, "run '%s'", argv[0]);
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "run '%s'", argv[0]);
	pid = fork();
	if (pid < 0) {
		r = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return wirt_errorf(err, r, "run '%s'", argv[0]);
	}
	if (pid == 0) {
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *p = realloc(out, cap * 2);

			if (!p)
				break;
			out = p;
			cap *= 2;
		}
		n = read(pipefd[0], out + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(pipefd[0]);
	out[len] = '\0';
	snprintf(what, sizeof(what), "run '%s'", argv[0]);
	r = wait_child(pid, what, err);
	if (r < 0)
		return r;
	*ret_out = TAKE_PTR(out);
	return 0;
}

/* ---- busybox ------------------------------------------------------------------------- */

/* The guest has no libc: a dynamically linked busybox would not even start there.
 * A PT_INTERP program header is what makes an ELF file dynamically linked. */
static int check_static_elf(int fd, const char *path, struct wirt_error *err)
{
	unsigned char ident[EI_NIDENT];
	uint64_t phoff;
	unsigned phnum, phentsize, i;

	if (pread(fd, ident, sizeof(ident), 0) != (ssize_t)sizeof(ident) ||
	    memcmp(ident, ELFMAG, SELFMAG) != 0)
		goto not_elf;
	if (ident[EI_CLASS] == ELFCLASS64) {
		Elf64_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			goto not_elf;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else if (ident[EI_CLASS] == ELFCLASS32) {
		Elf32_Ehdr eh;

		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
			goto not_elf;
		phoff = eh.e_phoff;
		phnum = eh.e_phnum;
		phentsize = eh.e_phentsize;
	} else {
		goto not_elf;
	}
	/* p_type is the first 32-bit field of both Elf32_Phdr and Elf64_Phdr. */
	for (i = 0; i < phnum; i++) {
		uint32_t type;

		if (pread(fd, &type, sizeof(type), (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    (ssize_t)sizeof(type))
			goto not_elf;
		if (type == PT_INTERP)
			return wirt_error_plain(err, ENOEXEC,
						"busybox '%s' is dynamically linked and cannot run "
						"in a guest without libc (apt-get install "
						"busybox-static)",
						path);
	}
	return 0;
not_elf:
	return wirt_error_plain(err, ENOEXEC, "busybox '%s' is not an ELF executable", path);
}

static int copy_fd(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);

		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
			return -errno;
		break;
	}
	/* copy_file_range cannot cross some filesystems on older kernels: plain copy. */
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf)), w;
		char *p = buf;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		while (n > 0) {
			w = write(out, p, (size_t)n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return -errno;
			p += w;
			n -= w;
		}
	}
}

static int copy_busybox(int rootfs_fd, int src_fd, const char *src, struct wirt_error *err)
{
	_cleanup_close_ int out = -1;
	int r;

	out = openat(rootfs_fd, "bin/busybox",
		     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
	if (out < 0)
		return wirt_errorf(err, errno, "create '/bin/busybox'");
	r = copy_fd(src_fd, out);
	if (r < 0)
		return wirt_errorf(err, -r, "copy '%s' to '/bin/busybox'", src);
	if (fchmod(out, 0755) < 0)
		return wirt_errorf(err, errno, "chmod '/bin/busybox'");
	return 0;
}

struct tree_dir {
	const char *path;
	mode_t mode;
};

/* The tree we create ourselves, before any foreign content exists in it: plain *at
 * calls relative to the fresh rootfs fd are safe here. */
static const struct tree_dir busybox_dirs[] = {
	{ "bin", 0755 },      { "sbin", 0755 },	    { "usr", 0755 },	  { "usr/bin", 0755 },
	{ "usr/sbin", 0755 }, { "dev", 0755 },	    { "proc", 0555 },	  { "sys", 0555 },
	{ "tmp", 01777 },     { "run", 0755 },	    { "var", 0755 },	  { "var/log", 0755 },
	{ "var/www", 0755 },  { "root", 0700 },	    { "etc", 0755 },	  { "etc/init.d", 0755 },
	{ "home", 0755 },     { "mnt", 0755 },
};

static int make_dirs(int rootfs_fd, const struct tree_dir *dirs, size_t n,
		     struct wirt_error *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (mkdirat(rootfs_fd, dirs[i].path, dirs[i].mode) < 0 && errno != EEXIST)
			return wirt_errorf(err, errno, "create '/%s'", dirs[i].path);
		/* mkdir applies the umask; tmp needs its sticky 1777 exactly. */
		if (fchmodat(rootfs_fd, dirs[i].path, dirs[i].mode, 0) < 0)
			return wirt_errorf(err, errno, "chmod '/%s'", dirs[i].path);
	}
	return 0;
}

/* "usr/bin/wget" -> "../../bin/busybox": relative, so the link works wherever the tree
 * is mounted, on the host as much as in the guest. */
static int applet_target(const char *applet, char *buf, size_t size)
{
	size_t len = 0;
	const char *p;
	int n;

	buf[0] = '\0';
	for (p = applet; *p; p++) {
		if (*p != '/')
			continue;
		if (len + 3 >= size)
			return -ENAMETOOLONG;
		memcpy(buf + len, "../", 4);
		len += 3;
	}
	n = snprintf(buf + len, size - len, "bin/busybox");
	return n < 0 || (size_t)n >= size - len ? -ENAMETOOLONG : 0;
}

static int link_applets(int rootfs_fd, const char *busybox, struct wirt_error *err)
{
	_cleanup_free_ char *list = NULL;
	char *argv[] = { (char *)busybox, (char *)"--list-full", NULL };
	char target[PATH_MAX], *line, *save = NULL;
	const char *base;
	int r, dir_fd;

	r = run_capture(argv, &list, err);
	if (r < 0)
		return wirt_error_prefix(err, "list applets");
	for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		while (*line == '/')
			line++;
		/* Never replace busybox itself with a link to itself; skip odd names. */
		if (!*line || strcmp(line, "bin/busybox") == 0 || strstr(line, ".."))
			continue;
		r = applet_target(line, target, sizeof(target));
		if (r < 0)
			return wirt_errorf(err, -r, "link applet '%s'", line);
		dir_fd = wirt_open_parent_in_root(rootfs_fd, line, 0755, &base);
		if (dir_fd < 0)
			return wirt_errorf(err, -dir_fd, "create parent of applet '%s'", line);
		r = symlinkat(target, dir_fd, base) < 0 && errno != EEXIST ? -errno : 0;
		close(dir_fd);
		if (r < 0)
			return wirt_errorf(err, -r, "link applet '/%s'", line);
	}
	/* init is the point of the template: make sure it is there whatever the list said. */
	if (symlinkat("../bin/busybox", rootfs_fd, "sbin/init") < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "link '/sbin/init'");
	if (symlinkat("busybox", rootfs_fd, "bin/sh") < 0 && errno != EEXIST)
		return wirt_errorf(err, errno, "link '/bin/sh'");
	return 0;
}

struct tree_file {
	const char *path;
	mode_t mode;
	const char *text;
};

static const char inittab[] =
	"# busybox init: see /etc/init.d/rcS and rcK. Written by wirt.\n"
	"::sysinit:/etc/init.d/rcS\n"
	"::askfirst:-/bin/sh\n"
	"::ctrlaltdel:/sbin/reboot\n"
	"::shutdown:/etc/init.d/rcK\n";

static const char rcS[] =
	"#!/bin/sh\n"
	"# System start of a wirt busybox vServer. wirt has already set up /dev, and\n"
	"# usually /proc and /sys: mount only what is not there.\n"
	"PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
	"export PATH\n"
	"[ -e /proc/self/stat ] || mount -t proc proc /proc\n"
	"[ -e /sys/kernel ] || mount -t sysfs sysfs /sys 2>/dev/null\n"
	"[ -s /etc/hostname ] && hostname -F /etc/hostname\n"
	"ip link set lo up 2>/dev/null\n"
	"for s in /etc/init.d/S*; do\n"
	"\t[ -x \"$s\" ] && \"$s\" start\n"
	"done\n"
	"exit 0\n";

static const char rcK[] =
	"#!/bin/sh\n"
	"# System stop: every K* and S* script with \"stop\", in reverse order.\n"
	"PATH=/sbin:/bin:/usr/sbin:/usr/bin\n"
	"export PATH\n"
	"list=\n"
	"for s in /etc/init.d/[KS]*; do\n"
	"\tlist=\"$s $list\"\n"
	"done\n"
	"for s in $list; do\n"
	"\t[ -x \"$s\" ] && \"$s\" stop\n"
	"done\n"
	"exit 0\n";

static const char S50httpd[] =
	"#!/bin/sh\n"
	"# busybox httpd serving /var/www on port 80.\n"
	"case \"$1\" in\n"
	"start)\n"
	"\techo \"starting httpd\"\n"
	"\thttpd -p 80 -h /var/www\n"
	"\t;;\n"
	"stop)\n"
	"\techo \"stopping httpd\"\n"
	"\tkillall httpd 2>/dev/null\n"
	"\t;;\n"
	"*)\n"
	"\techo \"usage: $0 start|stop\" >&2\n"
	"\texit 2\n"
	"\t;;\n"
	"esac\n"
	"exit 0\n";

static const char index_html[] =
	"<!DOCTYPE html>\n"
	"<html><head><title>wirt vServer</title></head>\n"
	"<body><h1>Hello from a wirt vServer</h1>\n"
	"<p>This page is served by busybox httpd from /var/www/index.html.</p>\n"
	"</body></html>\n";

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "www-data:x:33:33:www-data:/var/www:/bin/false\n"
			     "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n";

static const char group[] = "root:x:0:\n"
			    "www-data:x:33:\n"
			    "nogroup:x:65534:\n";

/* Locked passwords: root gets in with `wirt enter`; set one with passwd if wanted. */
static const char shadow[] = "root:*::0:99999:7:::\n"
			     "www-data:*::0:99999:7:::\n"
			     "nobody:*::0:99999:7:::\n";

static const char profile[] = "PATH=/sbin:/usr/sbin:/bin:/usr/bin\n"
			      "export PATH\n"
			      "PS1='\\u@\\h:\\w\\$ '\n";

static const char hosts[] = "127.0.0.1\tlocalhost\n"
			    "::1\tlocalhost ip6-localhost ip6-loopback\n";

/* /etc/hostname is left out on purpose: wirt writes each vServer's own. */
static const struct tree_file busybox_files[] = {
	{ "etc/inittab", 0644, inittab },
	{ "etc/init.d/rcS", 0755, rcS },
	{ "etc/init.d/rcK", 0755, rcK },
	{ "etc/init.d/S50httpd", 0755, S50httpd },
	{ "var/www/index.html", 0644, index_html },
	{ "etc/passwd", 0644, passwd },
	{ "etc/group", 0644, group },
	{ "etc/shadow", 0600, shadow },
	{ "etc/profile", 0644, profile },
	{ "etc/hosts", 0644, hosts },
};

static int write_files(int rootfs_fd, const struct tree_file *files, size_t n,
		       struct wirt_error *err)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		r = wirt_write_file_in_root(rootfs_fd, files[i].path, files[i].text,
					    strlen(files[i].text), files[i].mode);
		if (r < 0)
			return wirt_errorf(err, -r, "write '/%s'", files[i].path);
	}
	return 0;
}

static int write_release(int rootfs_fd, const char *name, const char *source,
			 struct wirt_error *err)
{
	char text[512];
	int n, r;

	n = snprintf(text, sizeof(text),
		     "NAME=\"wirt template\"\n"
		     "ID=wirt\n"
		     "TEMPLATE=%s\n"
		     "SOURCE=\"%s\"\n",
		     name, source);
	r = wirt_write_file_in_root(rootfs_fd, "etc/wirt-template", text, (size_t)n, 0644);
	if (r < 0)
		return wirt_errorf(err, -r, "write '/etc/wirt-template'");
	return 0;
}

static const char *busybox_source(void)
{
	const char *env = getenv("WIRT_BUSYBOX");

	return env && *env ? env : BUSYBOX_DEFAULT;
}

static int build_busybox_tree(struct wirt_template_build *b, struct wirt_error *err)
{
	_cleanup_close_ int src_fd = -1;
	const char *src = busybox_source();
	struct stat st;
	int r;

	src_fd = open(src, O_RDONLY | O_CLOEXEC);
	if (src_fd < 0) {
		if (errno == ENOENT)
			return wirt_error_plain(err, ENOENT,
						"busybox '%s' not found (apt-get install "
						"busybox-static or set WIRT_BUSYBOX)",
						src);
		return wirt_errorf(err, errno, "open busybox '%s'", src);
	}
	if (fstat(src_fd, &st) < 0)
		return wirt_errorf(err, errno, "stat busybox '%s'", src);
	if (!S_ISREG(st.st_mode) || !(st.st_mode & S_IXUSR))
		return wirt_error_plain(err, ENOEXEC, "busybox '%s' is not an executable file",
					src);
	r = check_static_elf(src_fd, src, err);
	if (r < 0)
		return r;

	r = make_dirs(b->rootfs_fd, busybox_dirs, ARRAY_SIZE(busybox_dirs), err);
	if (r < 0)
		return r;
	r = copy_busybox(b->rootfs_fd, src_fd, src, err);
	if (r < 0)
		return r;
	r = link_applets(b->rootfs_fd, src, err);
	if (r < 0)
		return r;
	r = write_files(b->rootfs_fd, busybox_files, ARRAY_SIZE(busybox_files), err);
	if (r < 0)
		return r;
	return write_release(b->rootfs_fd, b->name, "busybox", err);
}

int wirt_template_build_busybox(const char *root, const char *name, struct wirt_error *err)
{
	_cleanup_(wirt_template_build_done) struct wirt_template_build b = WIRT_TEMPLATE_BUILD_INIT;
	int r;

	r = wirt_template_build_begin(root, name, &b, err);
	if (r < 0)
		return r;
	r = build_busybox_tree(&b, err);
	if (r < 0)
		return r;
	return wirt_template_build_commit(&b, "busybox", NULL, err);
}

/* ---- debian -------------------------------------------------------------------------- */

/* Finds an executable in $PATH and in the sbin dirs, which `sudo` or a cron job's PATH
 * often lacks though debootstrap lives there. */
static bool find_program(const char *prog, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	char dirs[4096];
	char *dir, *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (!*dir)
			continue;
		if (snprintf(buf, size, "%s/%s", dir, prog) >= (int)size)
			continue;
		if (access(buf, X_OK) == 0)
			return true;
	}
	return false;
}

/* A release is a codename or suite ("bookworm", "stable"); the mirror a URL. Both go
 * on debootstrap's command line, so neither may look like an option. */
static int check_debian_args(const char *release, const char *mirror, struct wirt_error *err)
{
	const char *p;

	if (!*release || strlen(release) > 32)
		return wirt_error_invalid(err, "invalid release '%s'", release);
	for (p = release; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.') ||
		    (p == release && (*p == '-' || *p == '.')))
			return wirt_error_invalid(err, "invalid release '%s'", release);
	}
	if (strncmp(mirror, "http://", 7) != 0 && strncmp(mirror, "https://", 8) != 0 &&
	    strncmp(mirror, "file:///", 8) != 0)
		return wirt_error_invalid(err,
					  "invalid mirror '%s': not an http, https or file URL",
					  mirror);
	for (p = mirror; *p; p++) {
		if (*p <= ' ' || *p == 0x7f)
			return wirt_error_invalid(err, "invalid mirror '%s'", mirror);
	}
	return 0;
}

static int run_debootstrap(const char *prog, const char *release, const char *dir,
			   const char *mirror, struct wirt_error *err)
{
	char *argv[] = { (char *)prog,	  (char *)"--variant=minbase", (char *)DEBIAN_INCLUDE,
			 (char *)release, (char *)dir,		       (char *)mirror,
			 NULL };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	char what[PATH_MAX + 64];
	pid_t pid;
	int r;

	/* Like system(): ^C goes to debootstrap, and we live on to remove its half tree. */
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	pid = fork();
	if (pid < 0) {
		r = wirt_errorf(err, errno, "run '%s'", prog);
		goto out;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		execv(prog, argv);
		_exit(127);
	}
	snprintf(what, sizeof(what), "debootstrap '%s' from '%s'", release, mirror);
	r = wait_child(pid, what, err);
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	return r;
}

/* debootstrap mounts these in the target for its second stage and unmounts them when
 * it exits, but not when it is killed outright. They must go before the temporary tree
 * is removed: rm_rf refuses to enter a mount, and rightly, as this is the host's /proc. */
static void detach_debootstrap_mounts(const char *rootfs)
{
	static const char *const mounts[] = { "dev/pts", "dev", "proc", "sys", "run" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mounts); i++) {
		if (wirt_path(path, rootfs, mounts[i], NULL, NULL))
			umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	}
}

/* debootstrap leaves the packages it installed in apt's cache: a third of the tree,
 * which `apt-get clean` would remove in every guest anyway. */
static int clean_apt_cache(int rootfs_fd, struct wirt_error *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd;

	fd = wirt_open_in_root(rootfs_fd, "/var/cache/apt/archives",
			       O_RDONLY | O_DIRECTORY, 0);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return wirt_errorf(err, -fd, "open '/var/cache/apt/archives'");
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return wirt_errorf(err, errno, "read '/var/cache/apt/archives'");
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);

		if (de->d_type != DT_REG || len < 4 || strcmp(de->d_name + len - 4, ".deb") != 0)
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && errno != ENOENT)
			return wirt_errorf(err, errno, "remove '/var/cache/apt/archives/%s'",
					   de->d_name);
	}
	return 0;
}

/* debootstrap copies the host's hostname into the tree, and systemd's postinst makes a
 * machine-id every vServer would share. An empty machine-id makes systemd create a
 * fresh one on each guest's first boot. */
static int debian_finish(int rootfs_fd, const char *name, const char *source,
			 struct wirt_error *err)
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = wirt_open_in_root(rootfs_fd, "/sbin/init", O_PATH, 0);
	if (fd < 0)
		return wirt_error_plain(err, ENOEXEC,
					"debootstrap left no '/sbin/init' (is systemd-sysv in "
					"the release?)");
	close(TAKE_FD(fd));
	fd = wirt_open_in_root(rootfs_fd, "/etc", O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return wirt_errorf(err, -fd, "open '/etc'");
	if (unlinkat(fd, "hostname", 0) < 0 && errno != ENOENT)
		return wirt_errorf(err, errno, "remove '/etc/hostname'");
	r = wirt_write_file_in_root(rootfs_fd, "/etc/machine-id", "", 0, 0444);
	if (r < 0)
		return wirt_errorf(err, -r, "write '/etc/machine-id'");
	r = clean_apt_cache(rootfs_fd, err);
	if (r < 0)
		return r;
	return write_release(rootfs_fd, name, source, err);
}

int wirt_template_build_debian(const char *root, const char *name, const char *release,
			       const char *mirror, struct wirt_error *err)
{
	_cleanup_(wirt_template_build_done) struct wirt_template_build b = WIRT_TEMPLATE_BUILD_INIT;
	char prog[PATH_MAX], rootfs[PATH_MAX], source[64];
	int r;

	if (!release || !*release)
		release = DEBIAN_RELEASE_DEFAULT;
	if (!mirror || !*mirror)
		mirror = DEBIAN_MIRROR_DEFAULT;
	r = check_debian_args(release, mirror, err);
	if (r < 0)
		return r;
	if (!find_program("debootstrap", prog, sizeof(prog)))
		return wirt_error_plain(err, ENOENT,
					"debootstrap not found (apt-get install debootstrap)");
	r = wirt_template_build_begin(root, name, &b, err);
	if (r < 0)
		return r;
	if (!wirt_path(rootfs, b.dir, "rootfs", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "debootstrap into '%s'", b.dir);
	r = run_debootstrap(prog, release, rootfs, mirror, err);
	if (r < 0) {
		detach_debootstrap_mounts(rootfs);
		return r;
	}
	snprintf(source, sizeof(source), "debian %s", release);
	r = debian_finish(b.rootfs_fd, name, source, err);
	if (r < 0)
		return r;
	return wirt_template_build_commit(&b, source, NULL, err);
}

/* ---- import -------------------------------------------------------------------------- */

/* libarchive's secure modes refuse "..", absolute paths and writes through symlinks;
 * the owner flag keeps numeric ids (no name lookup on the host: the guest's "www-data"
 * is not the host's). */
#define IMPORT_FLAGS                                                                             \
	(ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |                       \
	 ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM |   \
	 ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_ACL |                      \
	 ARCHIVE_EXTRACT_FFLAGS | ARCHIVE_EXTRACT_SPARSE)

/* Tarballs made with `tar -C dir -cf - /` or by hand may carry leading slashes; tar
 * strips them and so do we, rather than refuse the whole image. */
static void strip_leading_slashes(struct archive_entry *entry)
{
	const char *p = archive_entry_pathname(entry);

	if (p && *p == '/') {
		while (*p == '/')
			p++;
		archive_entry_copy_pathname(entry, *p ? p : ".");
	}
	p = archive_entry_hardlink(entry);
	if (p && *p == '/') {
		while (*p == '/')
			p++;
		archive_entry_copy_hardlink(entry, p);
	}
}

static int extract_all(struct archive *in, struct archive *out, const char *tarball,
		       struct wirt_error *err)
{
	struct archive_entry *entry;
	size_t n = 0;
	int r;

	for (;; n++) {
		r = archive_read_next_header(in, &entry);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return wirt_archive_fail(in, "read archive", tarball, err);
		strip_leading_slashes(entry);
		r = wirt_archive_extract_entry(in, out, entry, NULL, tarball, err);
		if (r < 0)
			return r;
	}
	if (n == 0)
		return wirt_error_plain(err, ENODATA, "read archive '%s': no entries", tarball);
	/* Closing applies the deferred directory modes and times. */
	if (archive_write_close(out) < ARCHIVE_WARN)
		return wirt_archive_fail(out, "extract from archive", tarball, err);
	return 0;
}

/* libarchive extracts relative to the working directory, and its secure modes need
 * relative paths, so we enter the new rootfs for the extraction and return to where we
 * were. The CLI is single-threaded; nothing else sees the changed cwd. */
static int import_tree(int rootfs_fd, int tar_fd, const char *tarball, struct wirt_error *err)
{
	_cleanup_(wirt_archive_read_freep) struct archive *in = NULL;
	_cleanup_(wirt_archive_write_freep) struct archive *out = NULL;
	_cleanup_close_ int cwd_fd = -1;
	int r;

	r = wirt_archive_load(err);
	if (r < 0)
		return r;
	in = archive_read_new();
	out = archive_write_disk_new();
	if (!in || !out)
		return wirt_errorf(err, ENOMEM, "read archive '%s'", tarball);
	archive_read_support_filter_all(in);
	/* Tar (ustar, pax, GNU) and cpio only, not format_all: its mtree reader takes any
	 * text file as a manifest and copies the host files that "contents=" names into
	 * the tree, and a zip or 7z holds no owners or device nodes for a rootfs anyway. */
	archive_read_support_format_tar(in);
	archive_read_support_format_cpio(in);
	archive_write_disk_set_options(out, IMPORT_FLAGS);
	if (archive_read_open_fd(in, tar_fd, 65536) != ARCHIVE_OK)
		return wirt_archive_fail(in, "read archive", tarball, err);

	cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd_fd < 0)
		return wirt_errorf(err, errno, "open current directory");
	if (fchdir(rootfs_fd) < 0)
		return wirt_errorf(err, errno, "enter rootfs to extract '%s'", tarball);
	r = extract_all(in, out, tarball, err);
	if (fchdir(cwd_fd) < 0 && r == 0)
		r = wirt_errorf(err, errno, "return to the current directory");
	return r;
}

int wirt_template_import(const char *root, const char *name, const char *tarball,
			 struct wirt_error *err)
{
	_cleanup_(wirt_template_build_done) struct wirt_template_build b = WIRT_TEMPLATE_BUILD_INIT;
	_cleanup_close_ int tar_fd = -1;
	char source[64];
	const char *base;
	struct stat st;
	int r;

	r = wirt_name_validate("template", name, err);
	if (r < 0)
		return r;
	tar_fd = open(tarball, O_RDONLY | O_CLOEXEC);
	if (tar_fd < 0)
		return wirt_errorf(err, errno, "open archive '%s'", tarball);
	if (fstat(tar_fd, &st) < 0)
		return wirt_errorf(err, errno, "stat archive '%s'", tarball);
	if (S_ISDIR(st.st_mode))
		return wirt_errorf(err, EISDIR, "open archive '%s'", tarball);
	r = wirt_template_build_begin(root, name, &b, err);
	if (r < 0)
		return r;
	r = import_tree(b.rootfs_fd, tar_fd, tarball, err);
	if (r < 0)
		return r;
	base = strrchr(tarball, '/');
	base = base ? base + 1 : tarball;
	snprintf(source, sizeof(source), "import %s", base);
	return wirt_template_build_commit(&b, source, NULL, err);
}

/* ---- users: which vServers use a template --------------------------------------------- */

/* For a config the parser refuses (written by a newer wirt, edited by hand), a plain
 * scan for "template = X" in [vserver]: refusing a delete is safer than guessing. */
static bool scan_config_template(const char *path, char *buf, size_t size)
{
	_cleanup_fclose_ FILE *f = NULL;
	char line[512];
	bool in_vserver = false;

	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *key, *val, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '[') {
			in_vserver = strncmp(p, "[vserver]", 9) == 0;
			continue;
		}
		if (!in_vserver || !(val = strchr(p, '=')))
			continue;
		key = p;
		end = val;
		while (end > key && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		if ((size_t)(end - key) != strlen("template") || strncmp(key, "template", 8) != 0)
			continue;
		val++;
		while (*val == ' ' || *val == '\t')
			val++;
		val[strcspn(val, " \t\r\n#;")] = '\0';
		snprintf(buf, size, "%s", val);
		return true;
	}
	return false;
}

static bool vserver_template(const char *root, const char *vserver, char *buf, size_t size)
{
	struct wirt_spec spec;
	struct wirt_error lerr = { 0 };
	char path[PATH_MAX];

	if (!wirt_vserver_file(path, root, vserver, "config"))
		return false;
	if (wirt_config_load(path, &spec, &lerr) == 0) {
		snprintf(buf, size, "%s", spec.template_name);
		return true;
	}
	return scan_config_template(path, buf, size);
}

/* Calls fn for every vServer of the root dir with the template it uses. Stops at the
 * first non-zero return of fn and returns it. */
static int for_each_user(const char *root, int (*fn)(const char *vserver, const char *tmpl,
						      void *data),
			 void *data)
{
	_cleanup_closedir_ DIR *d = NULL;
	char path[PATH_MAX], tmpl[WIRT_NAME_MAX + 1];
	struct dirent *de;
	int r;

	if (!wirt_path(path, root, "vservers", NULL, NULL))
		return -ENAMETOOLONG;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!vserver_template(root, de->d_name, tmpl, sizeof(tmpl)))
			continue;
		r = fn(de->d_name, tmpl, data);
		if (r)
			return r;
	}
	return 0;
}

struct user_query {
	const char *tmpl;
	char first[WIRT_NAME_MAX + 1];
};

static int find_user(const char *vserver, const char *tmpl, void *data)
{
	struct user_query *q = data;

	if (strcmp(tmpl, q->tmpl) != 0)
		return 0;
	snprintf(q->first, sizeof(q->first), "%s", vserver);
	return 1;
}

struct user_count {
	struct wirt_template_info *infos;
	size_t n;
};

static int count_user(const char *vserver, const char *tmpl, void *data)
{
	struct user_count *c = data;
	size_t i;

	for (i = 0; i < c->n; i++) {
		if (strcmp(c->infos[i].name, tmpl) == 0)
			c->infos[i].users++;
	}
	return 0;
}

/* ---- delete -------------------------------------------------------------------------- */

int wirt_template_delete(const char *root, const char *name, struct wirt_error *err)
{
	_cleanup_close_ int lock_fd = -1;
	struct user_query q = { .tmpl = name };
	char dir[PATH_MAX], trash[PATH_MAX];
	int r;

	r = wirt_name_validate("template", name, err);
	if (r < 0)
		return r;
	if (!wirt_template_dir(dir, root, name))
		return wirt_errorf(err, ENAMETOOLONG, "delete template '%s'", name);
	if (access(root, F_OK) == 0) {
		r = lock_root(root, &lock_fd, err);
		if (r < 0)
			return r;
	}
	if (access(dir, F_OK) < 0)
		return wirt_error_plain(err, ENOENT, "template '%s' does not exist", name);
	r = for_each_user(root, find_user, &q);
	if (r < 0)
		return wirt_errorf(err, -r, "list vServers in '%s'", root);
	if (r > 0)
		return wirt_error_plain(err, EBUSY, "template '%s' is used by vServer '%s'", name,
					q.first);

	if (wirt_path(trash, root, "templates", NULL, NULL))
		sweep_leftovers(trash, ".del-");

	/* Move it out of sight first: a delete that fails halfway must not leave a broken
	 * template under the name. rename() replaces the empty directory mkdtemp made. */
	r = snprintf(trash, sizeof(trash), "%s/templates/.%s.del-XXXXXX", root, name);
	if (r < 0 || (size_t)r >= sizeof(trash))
		return wirt_errorf(err, ENAMETOOLONG, "delete template '%s'", name);
	if (!mkdtemp(trash))
		return wirt_errorf(err, errno, "create '%s'", trash);
	if (rename(dir, trash) < 0) {
		r = wirt_errorf(err, errno, "rename '%s' to '%s'", dir, trash);
		rmdir(trash);
		return r;
	}
	r = wirt_rm_rf(trash);
	if (r == -EBUSY) {
		/* Nothing was removed (rm_rf looks for mounts first): put it back. */
		rename(trash, dir);
		return wirt_errorf(err, EBUSY, "remove '%s': a mount is below it", dir);
	}
	if (r < 0)
		return wirt_errorf(err, -r, "remove '%s'", trash);
	return 0;
}

/* ---- list ---------------------------------------------------------------------------- */

/* Hard links are counted once, as du does: a set of (dev, ino) for inodes with
 * several links. Open addressing; it grows at half load. */
struct inode_set {
	struct {
		dev_t dev;
		ino_t ino;
	} *slots;
	size_t cap, n;
};

static size_t inode_hash(dev_t dev, ino_t ino, size_t cap)
{
	uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev;

	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* Returns 1 when added, 0 when already there, -ENOMEM. Slot ino 0 means empty. */
static int inode_set_add(struct inode_set *s, dev_t dev, ino_t ino)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct inode_set bigger = { .cap = s->cap ? s->cap * 2 : 1024 };

		bigger.slots = calloc(bigger.cap, sizeof(*bigger.slots));
		if (!bigger.slots)
			return -ENOMEM;
		for (i = 0; i < s->cap; i++) {
			if (s->slots[i].ino)
				inode_set_add(&bigger, s->slots[i].dev, s->slots[i].ino);
		}
		free(s->slots);
		*s = bigger;
	}
	for (i = inode_hash(dev, ino, s->cap); s->slots[i].ino; i = (i + 1) & (s->cap - 1)) {
		if (s->slots[i].ino == ino && s->slots[i].dev == dev)
			return 0;
	}
	s->slots[i].dev = dev;
	s->slots[i].ino = ino;
	s->n++;
	return 1;
}

/* Apparent size of a tree, like `du -sb`: symlinks are not followed, other mounts
 * are not entered, a hard-linked file counts once. Closes dir_fd. */
static int tree_size_at(int dir_fd, dev_t dev, struct inode_set *seen, uint64_t *size)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int fd, r;

	d = fdopendir(dir_fd);
	if (!d) {
		r = -errno;
		close(dir_fd);
		return r;
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
			r = inode_set_add(seen, st.st_dev, st.st_ino);
			if (r < 0)
				return r;
			if (r == 0)
				continue;
		}
		*size += (uint64_t)st.st_size;
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		r = tree_size_at(fd, dev, seen, size);
		if (r < 0)
			return r;
	}
	return 0;
}

static int tree_size(const char *path, uint64_t *ret)
{
	struct inode_set seen = { 0 };
	struct stat st;
	int fd, r;

	*ret = 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*ret = (uint64_t)st.st_size;
	r = tree_size_at(fd, st.st_dev, &seen, ret);
	free(seen.slots);
	return r;
}

static void read_info(const char *dir, struct wirt_template_info *info)
{
	char path[PATH_MAX], text[INFO_MAX], *line, *save = NULL;

	if (!wirt_path(path, dir, "info", NULL, NULL) ||
	    wirt_read_file(path, text, sizeof(text)) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "source=", 7) == 0)
			snprintf(info->source, sizeof(info->source), "%s", line + 7);
		else if (strncmp(line, "created=", 8) == 0)
			snprintf(info->created, sizeof(info->created), "%s", line + 8);
	}
}

int wirt_template_info(const char *root, const char *name, struct wirt_template_info *info,
		       struct wirt_error *err)
{
	char dir[PATH_MAX], rootfs[PATH_MAX];

	memset(info, 0, sizeof(*info));
	if (!wirt_template_dir(dir, root, name) || !wirt_path(rootfs, dir, "rootfs", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "template '%s'", name);
	if (access(rootfs, F_OK) < 0)
		return wirt_error_plain(err, ENOENT, "template '%s' does not exist", name);
	snprintf(info->name, sizeof(info->name), "%s", name);
	read_info(dir, info);
	return 0;
}

static int compare_info(const void *a, const void *b)
{
	return strcmp(((const struct wirt_template_info *)a)->name,
		      ((const struct wirt_template_info *)b)->name);
}

static int grow(struct wirt_template_info **v, size_t *cap, size_t n)
{
	struct wirt_template_info *p;

	if (n < *cap)
		return 0;
	p = reallocarray(*v, *cap ? *cap * 2 : 8, sizeof(*p));
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = *cap ? *cap * 2 : 8;
	return 0;
}

int wirt_template_list(const char *root, struct wirt_template_info **ret, size_t *ret_n,
		       struct wirt_error *err)
{
	_cleanup_free_ struct wirt_template_info *v = NULL;
	_cleanup_closedir_ DIR *d = NULL;
	char templates[PATH_MAX], dir[PATH_MAX], rootfs[PATH_MAX];
	struct user_count count;
	struct wirt_error verr;
	struct dirent *de;
	size_t n = 0, cap = 0;
	int r;

	*ret = NULL;
	*ret_n = 0;
	if (!wirt_path(templates, root, "templates", NULL, NULL))
		return wirt_errorf(err, ENAMETOOLONG, "list templates in '%s'", root);
	d = opendir(templates);
	if (!d)
		return errno == ENOENT ? 0 : wirt_errorf(err, errno, "open '%s'", templates);
	while ((errno = 0, de = readdir(d))) {
		struct wirt_template_info *info;

		/* Skips ".", "..", builds in progress and deletes in progress. */
		if (de->d_name[0] == '.' || wirt_name_validate("template", de->d_name, &verr) < 0)
			continue;
		if (!wirt_path(dir, templates, de->d_name, NULL, NULL) ||
		    !wirt_path(rootfs, dir, "rootfs", NULL, NULL))
			continue;
		if (access(rootfs, F_OK) < 0)
			continue;
		if (grow(&v, &cap, n) < 0)
			return wirt_errorf(err, ENOMEM, "list templates");
		info = &v[n++];
		memset(info, 0, sizeof(*info));
		/* Validated above: at most WIRT_NAME_MAX characters. */
		snprintf(info->name, sizeof(info->name), "%.*s", WIRT_NAME_MAX, de->d_name);
		read_info(dir, info);
		r = tree_size(rootfs, &info->size_bytes);
		if (r < 0)
			return wirt_errorf(err, -r, "measure '%s'", rootfs);
	}
	if (errno)
		return wirt_errorf(err, errno, "read '%s'", templates);

	count = (struct user_count){ .infos = v, .n = n };
	r = for_each_user(root, count_user, &count);
	if (r < 0)
		return wirt_errorf(err, -r, "list vServers in '%s'", root);
	if (n > 1)
		qsort(v, n, sizeof(*v), compare_info);
	*ret = TAKE_PTR(v);
	*ret_n = n;
	return 0;
}

/* ---- check --------------------------------------------------------------------------- */

int wirt_template_check(const char *root, const char *name, struct wirt_error *err)
{
	_cleanup_close_ int rootfs_fd = -1;
	_cleanup_close_ int sh_fd = -1;
	char rootfs[PATH_MAX];
	struct stat st;
	int r;

	r = wirt_name_validate("template", name, err);
	if (r < 0)
		return r;
	if (!wirt_template_rootfs(rootfs, root, name))
		return wirt_errorf(err, ENAMETOOLONG, "check template '%s'", name);
	rootfs_fd = open(rootfs, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rootfs_fd < 0) {
		if (errno == ENOENT)
			return wirt_error_plain(err, ENOENT, "template '%s' does not exist", name);
		return wirt_errorf(err, errno, "open '%s'", rootfs);
	}
	/* Resolved as the guest will: an absolute /bin/sh link means the tree's own. */
	sh_fd = wirt_open_in_root(rootfs_fd, "/bin/sh", O_PATH, 0);
	if (sh_fd < 0 || fstat(sh_fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(st.st_mode & 0111))
		return wirt_error_plain(err, ENOEXEC, "template '%s' has no /bin/sh", name);
	return 0;
}
