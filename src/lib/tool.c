/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running the host's tools: see tool.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool.h"
#include "util.h"

int wirt_tool_run(char *const argv[], char *out, size_t size)
{
	static const char *const dirs[] = { "/usr/sbin", "/sbin", "/usr/bin", "/bin" };
	char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL };
	int pipefd[2], status;
	size_t got = 0;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -errno;
	}
	if (pid == 0) {
		char path[PATH_MAX];
		int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		if (strchr(argv[0], '/'))
			execve(argv[0], argv, env);
		for (size_t i = 0; !strchr(argv[0], '/') && i < ARRAY_SIZE(dirs); i++) {
			snprintf(path, sizeof(path), "%s/%s", dirs[i], argv[0]);
			execve(path, argv, env);
		}
		dprintf(2, "%s: not found\n", argv[0]);
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		char buf[512];
		ssize_t n = read(pipefd[0], buf, sizeof(buf));

		if (n <= 0)
			break;
		/* Keep the tail: the last lines say why. */
		if ((size_t)n >= size - 1) {
			memcpy(out, buf + n - (size - 1), size - 1);
			got = size - 1;
		} else {
			if (got + (size_t)n >= size) {
				size_t drop = got + (size_t)n - (size - 1);
				memmove(out, out + drop, got - drop);
				got -= drop;
			}
			memcpy(out + got, buf, (size_t)n);
			got += (size_t)n;
		}
	}
	out[got] = '\0';
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *wirt_tool_last_line(char *out)
{
	size_t n = strlen(out);
	char *p;

	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	p = strrchr(out, '\n');
	return p ? p + 1 : out;
}

int wirt_tool_copy(const char *from, const char *to, struct wirt_error *err)
{
	char out[WIRT_TOOL_OUTPUT_MAX];
	struct stat st;
	int r;

	/* A disk image's zeros are free blocks of its filesystem: holes, whatever they were.
	 * A guest's own file keeps what it had: a file of written zeros (a swap file) must
	 * not come back with holes, so a tree is copied with its holes only. */
	bool image = stat(from, &st) == 0 && S_ISREG(st.st_mode);

	r = wirt_tool_run((char *const[]){ "cp", "-a", image ? "--sparse=always" : "--sparse=auto",
					   "--reflink=auto", "--no-target-directory", (char *)from,
					   (char *)to, NULL },
			  out, sizeof(out));

	if (r != 0)
		return wirt_errorf(err, r < 0 ? -r : EIO, "copy '%s' to '%s'%s%s", from, to,
				   r > 0 ? ": " : "", r > 0 ? wirt_tool_last_line(out) : "");
	return 0;
}
