/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of fsutil.c. The guest-path cases (wirt_open_in_root and the helpers built
 * on it) run three times, each in a child process of its own: with openat2, with the
 * fallback walk forced by WIRT_FORCE_NO_OPENAT2=1, and with openat2 refused by a seccomp
 * filter (ENOSYS, as on some container hosts), which goes through the one-time probe.
 * Trees live below a mkdtemp directory that the parent removes whatever the children
 * did; the rm_rf cases that mount run in a private mount namespace.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "fsutil.h"
#include "syscalls.h"

#define TREE_FILE "tree shadow\n"
#define DECOY_FILE "HOST shadow\n"
#define EXIT_SKIP 77

static char tmp[] = "/tmp/wirt-test-fsutil.XXXXXX";
/* Per child: base is the child's own directory; the tree is base/o1/o2/o3/tree, so a
 * link that escapes by up to four levels lands on one of our decoys, never on the
 * host's real files. */
static char base[PATH_MAX], tree[PATH_MAX];
static const char *mode_name = "";
static char ctx[PATH_MAX + 64];

static void context(const char *what, const char *path)
{
	snprintf(ctx, sizeof(ctx), "%s: %s '%s'", mode_name, what, path);
	CHECK_CONTEXT(ctx);
}

/* ---- building trees (plain host paths; setup errors end the child) ---------------- */

static void setup_fail(const char *what, const char *path)
{
	fprintf(stderr, "%s: setup: %s '%s': %s\n", mode_name, what, path, strerror(errno));
	_exit(1);
}

static const char *at(const char *dir, const char *rel)
{
	static char bufs[4][PATH_MAX];
	static int i;
	char *b = bufs[i++ % 4];

	if (snprintf(b, PATH_MAX, "%s/%s", dir, rel) >= PATH_MAX) {
		errno = ENAMETOOLONG;
		setup_fail("path", rel);
	}
	return b;
}

static void mkdirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			setup_fail("mkdir", buf);
		*p = c;
		if (!c)
			return;
	}
}

static void put(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f)
		setup_fail("create", path);
	fputs(s, f);
	if (fclose(f) != 0)
		setup_fail("write", path);
}

static void link_to(const char *target, const char *path)
{
	if (symlink(target, path) < 0)
		setup_fail("symlink", path);
}

/* Reads a host file for a check; "" when it cannot be read. */
static const char *slurp(const char *path)
{
	static char buf[256];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static void build_tree(void)
{
	static const char *outside[] = { "", "o1", "o1/o2", "o1/o2/o3" };
	char dir[PATH_MAX];

	snprintf(tree, sizeof(tree), "%s/o1/o2/o3/tree", base);
	/* Decoys: what a link escaping by 1..4 levels would read instead. */
	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s/etc", base, outside[i]);
		mkdirs(dir);
		put(at(dir, "shadow"), DECOY_FILE);
	}
	mkdirs(at(tree, "etc"));
	mkdirs(at(tree, "a/b/c"));
	put(at(tree, "etc/shadow"), TREE_FILE);

	link_to("../../../../etc/shadow", at(tree, "etc/x")); /* ".." clamped at / */
	link_to("/etc/shadow", at(tree, "etc/abs"));
	link_to("/../../etc/shadow", at(tree, "etc/abs-up"));
	link_to("..", at(tree, "etc/dirlink"));
	link_to("../../../..", at(tree, "etc/updir"));
	link_to("loop", at(tree, "etc/loop"));
	link_to("chain2", at(tree, "etc/chain1"));
	link_to("/etc/../../etc/x", at(tree, "etc/chain2"));
	link_to("../../created-rel", at(tree, "etc/dangling"));
	link_to("../../..", at(tree, "esc"));
	/* An absolute link naming a host path below base: outside the tree it would
	 * create base/created-abs; inside, tree/<base>/created-abs. */
	mkdirs(at(tree, base + 1));
	link_to(at(base, "created-abs"), at(tree, "etc/dangling-abs"));

	/* l0 -> l1 -> ... -> l46 (a file): opening lN follows 46 - N links. */
	for (int i = 0; i < 46; i++) {
		char name[16], target[16];

		snprintf(name, sizeof(name), "l%d", i);
		snprintf(target, sizeof(target), "l%d", i + 1);
		link_to(target, at(tree, name));
	}
	put(at(tree, "l46"), "end\n");
}

/* Nothing of what the cases create may appear outside the tree. */
static void check_outside_untouched(void)
{
	static const char *outside[] = { "", "o1", "o1/o2", "o1/o2/o3" };
	static const char *names[] = { "created-rel", "created-abs", "hostname", "sub" };
	char dir[PATH_MAX];

	for (size_t i = 0; i < sizeof(outside) / sizeof(outside[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", base, outside[i]);
		for (size_t j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			context("nothing outside the tree at", at(dir, names[j]));
			CHECK(!exists(at(dir, names[j])));
		}
		context("decoy unchanged", at(dir, "etc/shadow"));
		CHECK_EQ_STR(DECOY_FILE, slurp(at(dir, "etc/shadow")));
	}
}

/* ---- wirt_open_in_root ------------------------------------------------------------ */

/* A failed escape may have read a host file: its content is never printed. */
static const char *shown(const char *content)
{
	if (strcmp(content, TREE_FILE) == 0 || strcmp(content, DECOY_FILE) == 0 ||
	    strcmp(content, "end\n") == 0 || content[0] == '(')
		return content;
	return "(some other file's content, not shown)";
}

static void expect_content(int root, const char *path, int flags, const char *want)
{
	char buf[256];
	ssize_t n;
	int fd;

	context("open", path);
	fd = wirt_open_in_root(root, path, flags, 0);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "(error: %s)", strerror(-fd));
		CHECK_EQ_STR(want, buf);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	close(fd);
	CHECK_EQ_STR(want, shown(buf));
}

static void expect_err(int root, const char *path, int flags, int want)
{
	char what[32];
	int fd;

	snprintf(what, sizeof(what), "open (flags 0%o)", (unsigned)flags);
	context(what, path);
	fd = wirt_open_in_root(root, path, flags, (flags & O_CREAT) ? 0644 : 0);
	if (fd >= 0)
		close(fd);
	CHECK_EQ_STR(strerror(want), fd < 0 ? strerror(-fd) : "(success: an fd)");
}

/* 'path' opens (with 'flags') the same inode as the host path 'want'. */
static void expect_inode(int root, const char *path, int flags, const char *want)
{
	struct stat a, b;
	int fd;

	context("open (same inode)", path);
	fd = wirt_open_in_root(root, path, flags, 0);
	CHECK_EQ_STR("(success: an fd)", fd < 0 ? strerror(-fd) : "(success: an fd)");
	if (fd < 0)
		return;
	CHECK_EQ_INT(0, fstat(fd, &a));
	CHECK_EQ_INT(0, lstat(want, &b));
	CHECK_EQ_U64(b.st_ino, a.st_ino);
	close(fd);
}

static void test_open_reads(int root)
{
	static const char *inside[] = {
		"/etc/shadow",
		"etc/shadow",
		"/etc/x",
		"etc/x",
		"/etc/abs",
		"/etc/abs-up",
		"/../../../../etc/shadow",
		"../../etc/shadow",
		"/etc/dirlink/../etc/shadow",
		"/etc/dirlink/etc/dirlink/etc/shadow",
		"/etc/updir/etc/shadow",
		"/etc/updir/../../etc/x",
		"/a/b/c/../../../etc//./shadow",
		"/a/b/c/../../../../etc/shadow",
		"/etc/chain1",
		"/esc/etc/x",
	};

	for (size_t i = 0; i < sizeof(inside) / sizeof(inside[0]); i++)
		expect_content(root, inside[i], O_RDONLY, TREE_FILE);

	/* Linux allows 40 links per lookup (MAXSYMLINKS): l6 needs 40, l5 41. */
	expect_content(root, "/l10", O_RDONLY, "end\n");
	expect_content(root, "/l6", O_RDONLY, "end\n");
	expect_err(root, "/l5", O_RDONLY, ELOOP);
	expect_err(root, "/l0", O_RDONLY, ELOOP);
}

static void test_open_errors(int root)
{
	int fd;

	expect_err(root, "/etc/loop", O_RDONLY, ELOOP);
	expect_err(root, "/etc/loop/x", O_RDONLY, ELOOP);
	expect_err(root, "/etc/missing", O_RDONLY, ENOENT);
	expect_err(root, "", O_RDONLY, ENOENT);
	expect_err(root, "/missing/file", O_CREAT | O_WRONLY, ENOENT);
	/* A trailing slash or a further component asks for a directory. */
	expect_err(root, "/etc/shadow/", O_RDONLY, ENOTDIR);
	expect_err(root, "/etc/shadow/x", O_RDONLY, ENOTDIR);
	/* ... also after a link: the slash survives the link's expansion. */
	expect_err(root, "/etc/x/", O_RDONLY, ENOTDIR);
	expect_err(root, "/etc/x/", O_PATH, ENOTDIR);
	expect_err(root, "/etc/dangling/", O_CREAT | O_WRONLY, EISDIR);
	CHECK(!exists(at(tree, "created-rel")));
	unlink(at(tree, "created-rel")); /* so a failure here does not cascade */
	expect_err(root, "/etc/new-dir/", O_CREAT | O_WRONLY, EISDIR);
	CHECK(!exists(at(tree, "etc/new-dir")));
	expect_err(root, "/etc/shadow", O_RDONLY | O_DIRECTORY, ENOTDIR);
	expect_err(root, "/etc/x", O_RDONLY | O_NOFOLLOW, ELOOP);
	expect_err(root, "/etc/shadow", O_CREAT | O_EXCL | O_WRONLY, EEXIST);
	/* O_EXCL never follows the last link, dangling or not. */
	expect_err(root, "/etc/x", O_CREAT | O_EXCL | O_WRONLY, EEXIST);
	expect_err(root, "/etc/dangling", O_CREAT | O_EXCL | O_WRONLY, EEXIST);
	expect_err(root, "/etc", O_CREAT | O_WRONLY, EISDIR);
	/* The mode only counts with O_CREAT or O_TMPFILE, as for open(2); openat2
	 * itself would refuse it (EINVAL), so the wrapper must drop it. */
	context("open with a mode but no O_CREAT", "/etc");
	fd = wirt_open_in_root(root, "/etc", O_RDONLY | O_DIRECTORY, 0755);
	CHECK_EQ_STR("(success: an fd)", fd < 0 ? strerror(-fd) : "(success: an fd)");
	if (fd >= 0)
		close(fd);
	context("open with a mode but no O_CREAT", "/etc/shadow");
	fd = wirt_open_in_root(root, "/etc/shadow", O_RDONLY, 0644);
	CHECK_EQ_STR("(success: an fd)", fd < 0 ? strerror(-fd) : "(success: an fd)");
	if (fd >= 0)
		close(fd);
}

static void test_open_dirs(int root)
{
	struct stat st;
	int fd;

	expect_inode(root, "/", O_PATH, tree);
	expect_inode(root, "..", O_PATH, tree);
	expect_inode(root, "/../..", O_RDONLY | O_DIRECTORY, tree);
	expect_inode(root, "/etc/dirlink", O_RDONLY | O_DIRECTORY, tree);
	expect_inode(root, "/etc/dirlink/", O_RDONLY | O_DIRECTORY, tree);
	expect_inode(root, "/etc/updir", O_PATH, tree);
	expect_inode(root, "/esc/a/b/c/", O_PATH, at(tree, "a/b/c"));

	/* O_PATH | O_NOFOLLOW opens the link itself. */
	expect_inode(root, "/etc/x", O_PATH | O_NOFOLLOW, at(tree, "etc/x"));
	context("O_PATH|O_NOFOLLOW is the link", "/etc/x");
	fd = wirt_open_in_root(root, "/etc/x", O_PATH | O_NOFOLLOW, 0);
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode));
	if (fd >= 0)
		close(fd);
}

static void expect_create(int root, const char *path, const char *created)
{
	struct stat st;
	int fd;

	context("O_CREAT", path);
	fd = wirt_open_in_root(root, path, O_CREAT | O_WRONLY, 0600);
	CHECK_EQ_STR("(success: an fd)", fd < 0 ? strerror(-fd) : "(success: an fd)");
	if (fd < 0)
		return;
	CHECK_EQ_INT(4, write(fd, "new\n", 4));
	close(fd);
	CHECK_EQ_STR("new\n", slurp(created));
	CHECK_EQ_INT(0, lstat(created, &st));
	CHECK_EQ_INT(0600, st.st_mode & 07777);
}

static void test_open_create(int root)
{
	/* Through a dangling link: the file appears where the link points inside. */
	expect_create(root, "/etc/dangling", at(tree, "created-rel"));
	expect_create(root, "/etc/dangling-abs", at(at(tree, base + 1), "created-abs"));
	expect_create(root, "/esc/etc/new", at(tree, "etc/new"));
	/* Existing file through a link: opened, not replaced. */
	expect_content(root, "/etc/x", O_CREAT | O_RDONLY, TREE_FILE);
}

/* ---- wirt_open_parent_in_root, wirt_write_file_in_root ---------------------------- */

static void expect_parent(int root, const char *path, const char *want_dir, const char *want_base)
{
	const char *b = NULL;
	struct stat a, w;
	int fd;

	context("open parent", path);
	fd = wirt_open_parent_in_root(root, path, 0700, &b);
	CHECK_EQ_STR("(success: an fd)", fd < 0 ? strerror(-fd) : "(success: an fd)");
	if (fd < 0)
		return;
	CHECK_EQ_STR(want_base, b);
	CHECK_EQ_INT(0, fstat(fd, &a));
	CHECK_EQ_INT(0, lstat(want_dir, &w));
	CHECK(S_ISDIR(w.st_mode));
	CHECK_EQ_U64(w.st_ino, a.st_ino);
	close(fd);
}

static void expect_parent_err(int root, const char *path, int want)
{
	const char *b = NULL;
	int fd;

	context("open parent", path);
	fd = wirt_open_parent_in_root(root, path, 0755, &b);
	if (fd >= 0)
		close(fd);
	CHECK_EQ_STR(strerror(want), fd < 0 ? strerror(-fd) : "(success: an fd)");
}

static void test_open_parent(int root)
{
	struct stat st;

	expect_parent(root, "/new/dir/file", at(tree, "new/dir"), "file");
	context("created parent mode", "/new/dir");
	CHECK_EQ_INT(0, lstat(at(tree, "new/dir"), &st));
	CHECK_EQ_INT(0700, st.st_mode & 07777);
	expect_parent(root, "new/dir/file", at(tree, "new/dir"), "file");
	expect_parent(root, "file", tree, "file");
	expect_parent(root, "/file", tree, "file");
	expect_parent(root, "/etc/x", at(tree, "etc"), "x");
	/* A symlinked parent is followed inside the tree, and missing dirs are made there. */
	expect_parent(root, "/esc/sub/file", at(tree, "sub"), "file");
	expect_parent(root, "/etc/dirlink/../a/./b//c/file", at(tree, "a/b/c"), "file");
	expect_parent(root, "/etc/updir/made/file", at(tree, "made"), "file");
	expect_parent_err(root, "/etc/shadow/file", ENOTDIR);
	expect_parent_err(root, "/etc/loop/file", ELOOP);
	expect_parent_err(root, "/dir/", EINVAL);
	expect_parent_err(root, "/a/..", EINVAL);
	expect_parent_err(root, ".", EINVAL);
}

static void test_write_file(int root)
{
	struct stat st;
	int r;

	context("write", "/esc/hostname");
	r = wirt_write_file_in_root(root, "/esc/hostname", "h\n", 2, 0644);
	CHECK_EQ_INT(0, r);
	CHECK_EQ_STR("h\n", slurp(at(tree, "hostname")));

	/* Through a link to an existing file: that file, truncated; the mode is set
	 * whatever the umask. */
	umask(077);
	context("write", "/etc/x");
	r = wirt_write_file_in_root(root, "/etc/x", "overwritten\n", 12, 0644);
	CHECK_EQ_INT(0, r);
	CHECK_EQ_STR("overwritten\n", slurp(at(tree, "etc/shadow")));
	CHECK_EQ_INT(0, lstat(at(tree, "etc/shadow"), &st));
	CHECK_EQ_INT(0644, st.st_mode & 07777);
	CHECK(lstat(at(tree, "etc/x"), &st) == 0 && S_ISLNK(st.st_mode));

	context("write (parents made)", "/var/lib/x/y");
	r = wirt_write_file_in_root(root, "/var/lib/x/y", "", 0, 0640);
	CHECK_EQ_INT(0, r);
	CHECK_EQ_INT(0, lstat(at(tree, "var/lib/x/y"), &st));
	CHECK_EQ_INT(0640, st.st_mode & 07777);
	CHECK_EQ_U64(0, st.st_size);
	umask(022);

	context("write", "/etc/shadow/x");
	CHECK_EQ_INT(-ENOTDIR, wirt_write_file_in_root(root, "/etc/shadow/x", "", 0, 0644));
}

/* ---- the three modes -------------------------------------------------------------- */

static int openat2_probe(void)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	int fd = wirt_sys_openat2(AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* Returns 0, or -errno with seccomp unavailable. */
static int block_openat2(void)
{
	scmp_filter_ctx sc = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!sc)
		return -ENOMEM;
	r = seccomp_rule_add(sc, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0);
	if (r == 0)
		r = seccomp_load(sc);
	seccomp_release(sc);
	return r;
}

enum mode { MODE_OPENAT2, MODE_FORCED_WALK, MODE_SECCOMP_WALK };

static int run_mode(enum mode m)
{
	static const char *names[] = { "openat2", "walk (WIRT_FORCE_NO_OPENAT2=1)",
				       "walk (openat2 refused by seccomp)" };
	int root, r;

	mode_name = names[m];
	/* Set before the first call: the openat2 probe's answer is kept. */
	if (m == MODE_FORCED_WALK)
		setenv("WIRT_FORCE_NO_OPENAT2", "1", 1);
	else
		unsetenv("WIRT_FORCE_NO_OPENAT2");

	r = openat2_probe();
	if (m == MODE_OPENAT2 && r < 0)
		fprintf(stderr, "%s: note: openat2 unusable here (%s): the walk runs\n",
			mode_name, strerror(-r));
	if (m == MODE_SECCOMP_WALK) {
		r = block_openat2();
		if (r < 0) {
			fprintf(stderr, "%s: skipped: seccomp filter: %s\n", mode_name,
				strerror(-r));
			return EXIT_SKIP;
		}
		context("seccomp filter active", "openat2");
		CHECK_EQ_INT(-ENOSYS, openat2_probe());
	}

	umask(022);
	build_tree();
	root = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		setup_fail("open", tree);

	test_open_reads(root);
	test_open_errors(root);
	test_open_dirs(root);
	test_open_create(root);
	test_open_parent(root);
	test_write_file(root);
	check_outside_untouched();
	close(root);
	return check_exit(mode_name);
}

/* ---- host paths ------------------------------------------------------------------- */

static void test_atomic_and_read(void)
{
	char f[PATH_MAX];
	char buf[64];
	struct stat st, st_old;
	ssize_t n;
	int old;

	mode_name = "host files";
	snprintf(f, sizeof(f), "%s", at(base, "atomic"));
	umask(077);
	context("write atomic", f);
	CHECK_EQ_INT(0, wirt_write_file_atomic(f, "hello\n", 6, 0640));
	CHECK_EQ_INT(0, lstat(f, &st));
	CHECK_EQ_INT(0640, st.st_mode & 07777);
	umask(022);

	/* A reader holding the old file keeps the old content: replaced, not rewritten. */
	old = open(f, O_RDONLY | O_CLOEXEC);
	CHECK(old >= 0);
	CHECK_EQ_INT(0, wirt_write_file_atomic(f, "second\n", 7, 0600));
	CHECK_EQ_STR("second\n", slurp(f));
	CHECK_EQ_INT(0, fstat(old, &st_old));
	CHECK_EQ_INT(0, lstat(f, &st));
	CHECK(st_old.st_ino != st.st_ino);
	n = read(old, buf, sizeof(buf) - 1);
	buf[n < 0 ? 0 : n] = '\0';
	CHECK_EQ_STR("hello\n", buf);
	close(old);

	context("write atomic (no temp file left)", base);
	{
		int files = 0;
		DIR *d = opendir(base);
		struct dirent *de;

		while (d && (de = readdir(d)))
			if (strncmp(de->d_name, ".atomic", 7) == 0)
				files++;
		if (d)
			closedir(d);
		CHECK_EQ_INT(0, files);
	}
	context("write atomic", "missing/dir/file");
	CHECK_EQ_INT(-ENOENT, wirt_write_file_atomic(at(base, "missing/file"), "x", 1, 0644));
	CHECK(!exists(at(base, "missing")));

	context("read", f);
	n = wirt_read_file(f, buf, sizeof(buf));
	CHECK_EQ_INT(7, n);
	CHECK_EQ_STR("second\n", buf);
	n = wirt_read_file(f, buf, 8); /* exactly fits with its NUL */
	CHECK_EQ_INT(7, n);
	CHECK_EQ_INT(-EFBIG, wirt_read_file(f, buf, 7));
	CHECK_EQ_INT(-EINVAL, wirt_read_file(f, buf, 0));
	CHECK_EQ_INT(-ENOENT, wirt_read_file(at(base, "nope"), buf, sizeof(buf)));

	/* For kernel knobs: no O_CREAT, no O_TRUNC (a knob takes one write). */
	context("write string", "knob");
	put(at(base, "knob"), "");
	CHECK_EQ_INT(0, wirt_write_string(at(base, "knob"), "xy"));
	CHECK_EQ_STR("xy", slurp(at(base, "knob")));
	CHECK_EQ_INT(-ENOENT, wirt_write_string(at(base, "nope"), "xy"));
	CHECK(!exists(at(base, "nope")));

	context("mkdir -p", "p/q/r/");
	CHECK_EQ_INT(0, wirt_mkdir_p(at(base, "p/q/r/"), 0755));
	CHECK_EQ_INT(0, lstat(at(base, "p/q/r"), &st));
	CHECK(S_ISDIR(st.st_mode));
	CHECK_EQ_INT(0, wirt_mkdir_p(at(base, "p/q/r"), 0755));
	CHECK_EQ_INT(-ENOTDIR, wirt_mkdir_p(at(base, "atomic/x"), 0755));
	CHECK_EQ_INT(-EINVAL, wirt_mkdir_p("", 0755));
}

static void test_rm_rf_plain(void)
{
	char rm[PATH_MAX], keep[PATH_MAX];

	snprintf(rm, sizeof(rm), "%s", at(base, "rm"));
	snprintf(keep, sizeof(keep), "%s", at(base, "keep"));

	mode_name = "rm_rf";
	mkdirs(at(rm, "a/b"));
	mkdirs(keep);
	put(at(keep, "f"), "k\n");
	put(at(rm, "a/b/f"), "x\n");
	link_to(keep, at(rm, "a/abs"));
	link_to("../../keep", at(rm, "a/rel"));
	link_to(keep, at(base, "link-to-keep"));

	/* A symlink given as the path goes, its target stays. */
	context("rm_rf (a symlink to a dir)", "link-to-keep");
	CHECK_EQ_INT(0, wirt_rm_rf(at(base, "link-to-keep")));
	CHECK(!exists(at(base, "link-to-keep")));
	CHECK_EQ_STR("k\n", slurp(at(keep, "f")));

	context("rm_rf (links inside are not followed)", rm);
	CHECK_EQ_INT(0, wirt_rm_rf(rm));
	CHECK(!exists(rm));
	CHECK_EQ_STR("k\n", slurp(at(keep, "f")));
	CHECK_EQ_INT(0, wirt_rm_rf(rm)); /* missing is success */

	context("rm_rf (a file)", "keep/f");
	CHECK_EQ_INT(0, wirt_rm_rf(at(keep, "f")));
	CHECK(!exists(at(keep, "f")));
}

/* In a mount namespace of its own, so no mount outlives the child: as root a plain
 * one, otherwise one in a new user namespace where we are root. */
static int enter_mount_ns(void)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (uid == 0) {
		if (unshare(CLONE_NEWNS) < 0)
			return -errno;
	} else {
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			return -errno;
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
		put("/proc/self/uid_map", map);
		put("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
		put("/proc/self/gid_map", map);
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

static int test_rm_rf_mounts(void)
{
	char rm[PATH_MAX], keep[PATH_MAX];
	int r;

	mode_name = "rm_rf with mounts";
	r = enter_mount_ns();
	if (r < 0) {
		fprintf(stderr, "%s: skipped: needs root or user namespaces: %s\n", mode_name,
			strerror(-r));
		return EXIT_SKIP;
	}
	snprintf(rm, sizeof(rm), "%s", at(base, "rm"));
	snprintf(keep, sizeof(keep), "%s", at(base, "keep"));
	mkdirs(at(rm, "a/b"));
	mkdirs(at(rm, "mnt"));
	mkdirs(at(rm, "bind"));
	mkdirs(keep);
	put(at(keep, "f"), "k\n");
	put(at(rm, "a/b/f"), "x\n");
	put(at(rm, "a/resolv.conf"), "");

	if (mount("tmpfs", at(rm, "mnt"), "tmpfs", 0, NULL) < 0)
		setup_fail("mount tmpfs", at(rm, "mnt"));
	put(at(rm, "mnt/inside"), "i\n");
	context("rm_rf (tmpfs below)", rm);
	CHECK_EQ_INT(-EBUSY, wirt_rm_rf(rm));
	/* The first pass only looks: nothing is gone. */
	CHECK(exists(at(rm, "a/b/f")));
	CHECK(exists(at(rm, "a/resolv.conf")));
	CHECK_EQ_STR("i\n", slurp(at(rm, "mnt/inside")));
	context("rm_rf (the mount point itself)", at(rm, "mnt"));
	CHECK_EQ_INT(-EBUSY, wirt_rm_rf(at(rm, "mnt")));
	CHECK_EQ_STR("i\n", slurp(at(rm, "mnt/inside")));
	CHECK_EQ_INT(0, umount(at(rm, "mnt")));

	/* Same filesystem: st_dev cannot tell, STATX_ATTR_MOUNT_ROOT (5.8+) must. */
	if (mount(keep, at(rm, "bind"), NULL, MS_BIND, NULL) < 0)
		setup_fail("bind mount", at(rm, "bind"));
	context("rm_rf (bind mount of a dir below)", rm);
	CHECK_EQ_INT(-EBUSY, wirt_rm_rf(rm));
	CHECK_EQ_STR("k\n", slurp(at(keep, "f")));
	CHECK(exists(at(rm, "a/b/f")));
	CHECK_EQ_INT(0, umount(at(rm, "bind")));

	if (mount(at(keep, "f"), at(rm, "a/resolv.conf"), NULL, MS_BIND, NULL) < 0)
		setup_fail("bind mount", at(rm, "a/resolv.conf"));
	context("rm_rf (bind-mounted file below)", rm);
	CHECK_EQ_INT(-EBUSY, wirt_rm_rf(rm));
	CHECK_EQ_STR("k\n", slurp(at(keep, "f")));
	CHECK(exists(at(rm, "a/b/f")));
	CHECK_EQ_INT(0, umount(at(rm, "a/resolv.conf")));

	context("rm_rf (no mounts left)", rm);
	CHECK_EQ_INT(0, wirt_rm_rf(rm));
	CHECK(!exists(rm));
	CHECK_EQ_STR("k\n", slurp(at(keep, "f")));
	return check_exit(mode_name);
}

/* ---- driver ----------------------------------------------------------------------- */

static int host_cases(void)
{
	test_atomic_and_read();
	test_rm_rf_plain();
	return check_exit("host files and rm_rf");
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) < 0)
		fprintf(stderr, "cleanup: remove '%s': %s\n", path, strerror(errno));
	return 0;
}

static volatile sig_atomic_t child_pid, interrupted;

/* meson's timeout or ^C: stop the running group, so main still removes tmp. */
static void on_signal(int sig)
{
	interrupted = sig;
	if (child_pid > 0)
		kill(child_pid, SIGKILL);
}

/* Runs one group of cases in a child with its own directory below tmp; returns the
 * child's exit status (1 when it died: a crash, the alarm or an interruption). */
static int run_child(const char *dir, int (*fn)(int), int arg)
{
	pid_t pid;
	int status;

	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		snprintf(base, sizeof(base), "%s/%s", tmp, dir);
		mkdirs(base);
		if (chdir(base) < 0)
			setup_fail("chdir", base);
		alarm(30); /* a walk that loops forever fails instead of hanging */
		_exit(fn(arg));
	}
	child_pid = pid;
	if (interrupted)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	}
	child_pid = 0;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "%s: killed by signal %d (%s)\n", dir, WTERMSIG(status),
		strsignal(WTERMSIG(status)));
	return 1;
}

static int mode_case(int m)
{
	return run_mode((enum mode)m);
}

static int host_case(int unused)
{
	return host_cases();
}

static int mount_case(int unused)
{
	return test_rm_rf_mounts();
}

int main(void)
{
	struct {
		const char *dir;
		int (*fn)(int);
		int arg;
	} groups[] = {
		{ "openat2", mode_case, MODE_OPENAT2 },
		{ "walk-env", mode_case, MODE_FORCED_WALK },
		{ "walk-seccomp", mode_case, MODE_SECCOMP_WALK },
		{ "host", host_case, 0 },
		{ "mounts", mount_case, 0 },
	};
	struct sigaction sa = { .sa_handler = on_signal };
	int failed = 0, skipped = 0;

	/* A closed stderr pipe must not cost us the cleanup either. */
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]) && !interrupted; i++) {
		int r = run_child(groups[i].dir, groups[i].fn, groups[i].arg);

		if (r == EXIT_SKIP)
			skipped++;
		else if (r != 0)
			failed++;
	}
	nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (exists(tmp)) {
		fprintf(stderr, "cleanup: '%s' is still there\n", tmp);
		failed++;
	}
	fprintf(stderr, "test-fsutil: %zu groups, %d failed, %d skipped\n",
		sizeof(groups) / sizeof(groups[0]), failed, skipped);
	if (interrupted) {
		fprintf(stderr, "test-fsutil: interrupted by signal %d\n", (int)interrupted);
		return 1;
	}
	if (failed)
		return 1;
	/* Part of the cases could not run: say so rather than claim a full pass. */
	return skipped ? EXIT_SKIP : 0;
}
