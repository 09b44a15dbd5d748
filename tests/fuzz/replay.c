/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A main() for a libFuzzer target without libFuzzer: feeds every file named on the
 * command line (a directory: every file in it) to LLVMFuzzerTestOneInput once. The
 * normal build links each target with this, so its corpus replays as a unit test
 * under gcc and under -Db_sanitize=address,undefined.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	uint8_t *data;
	struct stat st;
	size_t size;
	FILE *f;

	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) < 0) {
		fprintf(stderr, "open '%s': %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	/* Exactly 'size' bytes, as libFuzzer hands them over: ASan sees a read past the end. */
	size = (size_t)st.st_size;
	data = malloc(size ? size : 1);
	if (!data || fread(data, 1, size, f) != size) {
		fprintf(stderr, "read '%s': %s\n", path, data ? "short read" : strerror(errno));
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int replay_dir(const char *dir, int *count)
{
	struct dirent **entries = NULL;
	char path[PATH_MAX];
	int n, r = 0;

	n = scandir(dir, &entries, NULL, alphasort);
	if (n < 0) {
		fprintf(stderr, "open '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
		if (entries[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(path) < 0)
				r = -1;
			(*count)++;
		}
		free(entries[i]);
	}
	free(entries);
	return r;
}

int main(int argc, char **argv)
{
	int count = 0, r = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "'%s': %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			if (replay_dir(argv[i], &count) < 0)
				r = 1;
		} else {
			if (replay_file(argv[i]) < 0)
				r = 1;
			count++;
		}
	}
	printf("replayed %d inputs\n", count);
	if (count == 0) {
		fprintf(stderr, "no inputs: give corpus files or directories\n");
		return 1;
	}
	return r;
}
