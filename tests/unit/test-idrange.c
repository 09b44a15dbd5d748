/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of idrange.c: the pure slot pick, and alloc/release on a registry in a
 * temporary directory (WIRT_ID_REGISTRY), including stale entries and concurrent
 * allocations from several processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "idrange.h"

#define BASE(slot) (WIRT_ID_FIRST + (uint32_t)(slot) * 65536u)

static char tmp[] = "/tmp/wirt-test-idrange.XXXXXX";
static char registry[512], root[512], root2[512];

static void test_pick(void)
{
	static bool used[WIRT_ID_SLOTS + 10];
	bool some[] = { true, true, false, true };

	CHECK_EQ_INT(0, wirt_idrange_pick(NULL, 0));
	CHECK_EQ_INT(2, wirt_idrange_pick(some, 4));
	CHECK_EQ_INT(2, wirt_idrange_pick(some, 2)); /* past n: free */
	some[2] = true;
	CHECK_EQ_INT(4, wirt_idrange_pick(some, 4));
	CHECK_EQ_INT(0, wirt_idrange_pick(used, 5));

	memset(used, true, sizeof(used));
	CHECK_EQ_INT(WIRT_ID_SLOTS - 1, wirt_idrange_pick(used, WIRT_ID_SLOTS - 1));
	CHECK_EQ_INT(-ENOSPC, wirt_idrange_pick(used, WIRT_ID_SLOTS));
	CHECK_EQ_INT(-ENOSPC, wirt_idrange_pick(used, WIRT_ID_SLOTS + 10));
	used[WIRT_ID_SLOTS - 1] = false;
	CHECK_EQ_INT(WIRT_ID_SLOTS - 1, wirt_idrange_pick(used, WIRT_ID_SLOTS));
	/* Slots past the last one never count, even if marked free. */
	used[WIRT_ID_SLOTS - 1] = true;
	used[WIRT_ID_SLOTS + 3] = false;
	CHECK_EQ_INT(-ENOSPC, wirt_idrange_pick(used, WIRT_ID_SLOTS + 10));

	/* The last range ends below (uid_t)-1, which means "no id" to the kernel. */
	CHECK((uint64_t)wirt_idrange_base(WIRT_ID_SLOTS - 1) + 65535 < UINT32_MAX);
	CHECK_EQ_U64(1000000000u, wirt_idrange_base(0));
	CHECK_EQ_U64(1000065536u, wirt_idrange_base(1));
}

static void mkdirf(const char *fmt, const char *a, const char *b)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), fmt, a, b);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
}

static void write_slot(const char *slot, const char *content)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", registry, slot);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(content, f);
	fclose(f);
}

/* The slot file's content, or "" when there is none. */
static const char *read_slot(unsigned slot)
{
	static char buf[PATH_MAX + 128];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%u", registry, slot);
	f = fopen(path, "r");
	if (!f)
		return "";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *entry(const char *r, const char *name)
{
	static char buf[PATH_MAX + 128];

	snprintf(buf, sizeof(buf), "%s\t%s\n", r, name);
	return buf;
}

/* Allocates for root/name as `wirt create` does: the vServer dir exists first. */
static uint32_t create(const char *r, const char *name)
{
	struct wirt_error err;
	uint32_t base = 0;

	mkdirf("%s/vservers/%s", r, name);
	wirt_error_clear(&err);
	CHECK_CONTEXT(name);
	CHECK_EQ_INT(0, wirt_idrange_alloc(r, name, &base, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_CONTEXT(NULL);
	return base;
}

static void test_alloc_release(void)
{
	struct wirt_error err;

	CHECK_EQ_U64(BASE(0), create(root, "a"));
	CHECK_EQ_STR(entry(root, "a"), read_slot(0));
	CHECK_EQ_U64(BASE(1), create(root, "b"));
	CHECK_EQ_STR(entry(root, "b"), read_slot(1));
	/* Asking again for the same vServer gives the range it has. */
	CHECK_EQ_U64(BASE(0), create(root, "a"));
	/* The same name under another root dir is another vServer. */
	CHECK_EQ_U64(BASE(2), create(root2, "a"));
	CHECK_EQ_STR(entry(root2, "a"), read_slot(2));

	/* Release frees the slot, and the lowest free slot is taken next. */
	CHECK_EQ_INT(0, wirt_idrange_release(root, "a", BASE(0), &err));
	CHECK_EQ_STR("", read_slot(0));
	CHECK_EQ_U64(BASE(0), create(root, "c"));
	/* Releasing again, or what is not recorded, changes nothing. */
	CHECK_EQ_INT(0, wirt_idrange_release(root, "a", BASE(0), &err));
	CHECK_EQ_STR(entry(root, "c"), read_slot(0));
	CHECK_EQ_INT(0, wirt_idrange_release(root, "b", BASE(0), &err));
	CHECK_EQ_INT(0, wirt_idrange_release(root2, "c", BASE(0), &err));
	CHECK_EQ_STR(entry(root, "c"), read_slot(0));
	CHECK_EQ_INT(0, wirt_idrange_release(root, "zz", BASE(40), &err));

	/* A base that is no range start is refused. */
	CHECK_EQ_INT(-EINVAL, wirt_idrange_release(root, "c", BASE(0) + 1, &err));
	CHECK_CONTAINS(err.msg, "invalid id range base '1000000001'");
	CHECK_EQ_INT(-EINVAL, wirt_idrange_release(root, "c", 4096, &err));
	CHECK_EQ_INT(-EINVAL, wirt_idrange_release(root, "c", BASE(WIRT_ID_SLOTS), &err));
	CHECK_EQ_STR(entry(root, "c"), read_slot(0));
}

static void test_stale(void)
{
	char path[PATH_MAX];
	struct wirt_error err;
	uint32_t base = 0;

	/* d's vServer dir goes away (deleted without release, or a create that crashed):
	 * its range is stale and the next allocation takes it. */
	CHECK_EQ_U64(BASE(3), create(root, "d"));
	snprintf(path, sizeof(path), "%s/vservers/d", root);
	CHECK_EQ_INT(0, rmdir(path));
	CHECK_EQ_U64(BASE(3), create(root, "e"));
	CHECK_EQ_STR(entry(root, "e"), read_slot(3));
	/* d can no longer release what e now owns. */
	CHECK_EQ_INT(0, wirt_idrange_release(root, "d", BASE(3), &err));
	CHECK_EQ_STR(entry(root, "e"), read_slot(3));

	/* A file that is not an entry is left alone and its slot stays taken; an empty
	 * one is what a crash between create and write leaves, and is reused. */
	write_slot("4", "garbage");
	write_slot("5", "");
	write_slot("0006", "not a slot name");
	write_slot("note", "not a slot name");
	CHECK_EQ_U64(BASE(5), create(root, "f"));
	CHECK_EQ_STR("garbage", read_slot(4));
	CHECK_EQ_STR(entry(root, "f"), read_slot(5));
	CHECK_EQ_U64(BASE(6), create(root, "g"));

	/* No <root>/vservers at all (a root on a disk that is not mounted yet): nothing
	 * there counts as stale, or two vServers could end up sharing a range. */
	snprintf(path, sizeof(path), "%s/elsewhere", tmp);
	mkdirf("%s%s", path, "");
	write_slot("7", entry(path, "gone"));
	CHECK_EQ_U64(BASE(8), create(root, "h"));
	CHECK_EQ_STR(entry(path, "gone"), read_slot(7));

	/* Bad arguments */
	CHECK_EQ_INT(-EINVAL, wirt_idrange_alloc("relative/root", "x", &base, &err));
	CHECK_CONTAINS(err.msg, "'relative/root'");
	CHECK_EQ_INT(-EINVAL, wirt_idrange_alloc(root, "../x", &base, &err));
	CHECK_CONTAINS(err.msg, "invalid vServer name '../x'");
	snprintf(path, sizeof(path), "%s/missing", tmp);
	CHECK_EQ_INT(-ENOENT, wirt_idrange_alloc(path, "x", &base, &err));
	CHECK_CONTAINS(err.msg, path);
}

static void test_concurrent(void)
{
	enum { N = 12 };
	uint32_t bases[N];
	int pipes[N][2];
	pid_t pids[N];

	/* Processes racing for ranges: each must get its own. */
	for (int i = 0; i < N; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%d", i);
		mkdirf("%s/vservers/%s", root, name);
		if (pipe(pipes[i]) < 0)
			abort();
		pids[i] = fork();
		if (pids[i] == 0) {
			struct wirt_error err;
			uint32_t base = 0;

			if (wirt_idrange_alloc(root, name, &base, &err) < 0) {
				fprintf(stderr, "alloc '%s': %s\n", name, err.msg);
				_exit(1);
			}
			if (write(pipes[i][1], &base, sizeof(base)) != sizeof(base))
				_exit(1);
			_exit(0);
		}
	}
	for (int i = 0; i < N; i++) {
		int status = 0;

		close(pipes[i][1]);
		waitpid(pids[i], &status, 0);
		CHECK_EQ_INT(0, status);
		CHECK_EQ_INT(sizeof(bases[i]), read(pipes[i][0], &bases[i], sizeof(bases[i])));
		close(pipes[i][0]);
		CHECK(bases[i] >= WIRT_ID_FIRST && (bases[i] - WIRT_ID_FIRST) % 65536 == 0);
		for (int j = 0; j < i; j++)
			CHECK(bases[i] != bases[j]);
	}
}

static void test_registry_default(void)
{
	struct wirt_error err;
	uint32_t base;
	char path[PATH_MAX];

	/* The registry dir is made on first use, parents too. */
	snprintf(registry, sizeof(registry), "%s/deep/er/ids", tmp);
	setenv("WIRT_ID_REGISTRY", registry, 1);
	CHECK_EQ_INT(0, wirt_idrange_alloc(root, "a", &base, &err));
	CHECK_EQ_U64(BASE(0), base);
	snprintf(path, sizeof(path), "%s/.lock", registry);
	CHECK_EQ_INT(0, access(path, F_OK));
}

int main(void)
{
	char cmd[PATH_MAX + 16];
	int r;

	test_pick();

	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(registry, sizeof(registry), "%s/ids", tmp);
	snprintf(root, sizeof(root), "%s/root", tmp);
	snprintf(root2, sizeof(root2), "%s/root2", tmp);
	mkdirf("%s%s", root, "");
	mkdirf("%s%s", root, "/vservers");
	mkdirf("%s%s", root2, "");
	mkdirf("%s%s", root2, "/vservers");
	setenv("WIRT_ID_REGISTRY", registry, 1);

	test_alloc_release();
	test_stale();
	test_concurrent();
	test_registry_default();

	r = check_exit("test-idrange");
	if (r == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove '%s'\n", tmp);
	} else {
		fprintf(stderr, "left '%s' for a look\n", tmp);
	}
	return r;
}
