/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OCI hooks: see hooks.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "hooks.h"
#include "syscalls.h"
#include "util.h"

#define HOOK_OUTPUT_MAX 4096

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Feeds 'state' to the hook, collects its output, waits for it; kills it at the
 * deadline (-1: none). Returns its wait status or -errno (ETIMEDOUT). */
static int hook_wait(pid_t pid, int in, int out, const char *state, long long deadline,
		     char *output, size_t size)
{
	size_t left = strlen(state), got = 0;
	int status;

	while (in >= 0 || out >= 0) {
		struct pollfd p[2] = { { .fd = in, .events = POLLOUT }, { .fd = out, .events = POLLIN } };
		int timeout = -1;

		if (deadline >= 0) {
			timeout = (int)(deadline - now_ms());
			if (timeout <= 0) {
				kill(-pid, SIGKILL); /* the hook and whatever it started */
				waitpid(pid, &status, 0);
				return -ETIMEDOUT;
			}
		}
		if (poll(p, 2, timeout) < 0 && errno != EINTR)
			break;
		if (in >= 0 && (p[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t n = left ? write(in, state, left) : 0;
			if (n > 0) {
				state += n;
				left -= (size_t)n;
			}
			if (n <= 0 || left == 0) { /* all written, or the hook does not read */
				close(in);
				in = -1;
			}
		}
		if (out >= 0 && (p[1].revents & (POLLIN | POLLERR | POLLHUP))) {
			char buf[512];
			ssize_t n = read(out, buf, sizeof(buf));
			if (n <= 0) {
				close(out);
				out = -1;
			} else if (got + 1 < size) {
				size_t k = (size_t)n < size - 1 - got ? (size_t)n : size - 1 - got;
				memcpy(output + got, buf, k);
				got += k;
			}
		}
	}
	output[got] = '\0';
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return status;
}

static int hook_run(const struct wirt_oci_hook *h, const char *kind, const char *state,
		    struct wirt_error *err)
{
	char output[HOOK_OUTPUT_MAX];
	int in[2], out[2], status;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0)
		return wirt_errorf(err, errno, "%s hook '%s': pipe", kind, h->path);
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return wirt_errorf(err, errno, "%s hook '%s': pipe", kind, h->path);
	}
	pid = fork();
	if (pid < 0) {
		status = errno;
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		return wirt_errorf(err, status, "%s hook '%s': fork", kind, h->path);
	}
	if (pid == 0) {
		char *const noargs[] = { h->path, NULL };

		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0); /* a group of its own, killed whole at its timeout */
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0)
			_exit(127);
		/* No env: the runtime's own, as runc (Go's exec with a nil Env) does. */
		execve(h->path, h->args.n ? h->args.v : noargs, h->env.v ? h->env.v : environ);
		dprintf(2, "exec: %s\n", strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	status = hook_wait(pid, in[1], out[0], state,
			   h->timeout > 0 ? now_ms() + h->timeout * 1000LL : -1, output,
			   sizeof(output));
	if (status == -ETIMEDOUT)
		return wirt_error_plain(err, ETIMEDOUT, "%s hook '%s': timed out after %d s", kind,
					h->path, h->timeout);
	if (status < 0)
		return wirt_errorf(err, -status, "%s hook '%s': wait", kind, h->path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	output[strcspn(output, "\n")] = '\0';
	if (WIFSIGNALED(status))
		return wirt_error_plain(err, ECHILD, "%s hook '%s': killed by signal %d%s%s", kind,
					h->path, WTERMSIG(status), output[0] ? ": " : "", output);
	return wirt_error_plain(err, ECHILD, "%s hook '%s': exit status %d%s%s", kind, h->path,
				WEXITSTATUS(status), output[0] ? ": " : "", output);
}

int oci_hooks_run(const struct wirt_oci_spec *s, enum wirt_oci_hook_kind kind,
		  const char *state, struct wirt_error *err)
{
	const struct wirt_oci_hooks *hooks = &s->hooks[kind];

	for (size_t i = 0; i < hooks->n; i++) {
		int r = hook_run(&hooks->v[i], wirt_oci_hook_name(kind), state, err);
		if (r < 0)
			return r;
	}
	return 0;
}
