/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runtime state files and the liveness checks behind them: see state.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>

#include "fsutil.h"
#include "paths.h"
#include "state.h"
#include "util.h"

int wirt_runstate_save(const char *root, const char *name, const struct wirt_runstate *st,
		       struct wirt_error *err)
{
	char path[PATH_MAX], buf[512];
	int n, r;

	n = snprintf(buf, sizeof(buf),
		     "supervisor=%d\ninit=%d\ninit_starttime=%llu\nstop_signal=%d\nstarted=%lld\n"
		     "id_base=%u\nboot_id=%s\nlxcfs=%d\n",
		     st->supervisor, st->init, st->init_starttime, st->stop_signal,
		     (long long)st->started, st->id_base, st->boot_id, st->lxcfs);
	wirt_run_file(path, root, name, "state");
	r = wirt_write_file_atomic(path, buf, (size_t)n, 0644);
	if (r < 0)
		return wirt_errorf(err, -r, "write state '%s'", path);
	return 0;
}

int wirt_runstate_load(const char *root, const char *name, struct wirt_runstate *st,
		       struct wirt_error *err)
{
	char path[PATH_MAX], buf[512];
	long long started = 0;
	char *line, *save = NULL;
	ssize_t n;

	memset(st, 0, sizeof(*st));
	wirt_run_file(path, root, name, "state");
	n = wirt_read_file(path, buf, sizeof(buf));
	if (n < 0)
		return wirt_errorf(err, (int)-n, "read state '%s'", path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "supervisor=%d", &st->supervisor) == 1 ||
		    sscanf(line, "init=%d", &st->init) == 1 ||
		    sscanf(line, "init_starttime=%llu", &st->init_starttime) == 1 ||
		    sscanf(line, "stop_signal=%d", &st->stop_signal) == 1 ||
		    sscanf(line, "started=%lld", &started) == 1 ||
		    sscanf(line, "id_base=%u", &st->id_base) == 1 ||
		    sscanf(line, "boot_id=%39s", st->boot_id) == 1 ||
		    sscanf(line, "lxcfs=%d", &st->lxcfs) == 1)
			continue;
	}
	st->started = (time_t)started;
	if (st->init <= 0 || st->supervisor <= 0)
		return wirt_errorf(err, EBADMSG, "read state '%s'", path);
	return 0;
}

static void read_boot_id(char *buf, size_t size)
{
	ssize_t n = wirt_read_file("/proc/sys/kernel/random/boot_id", buf, size);

	if (n <= 0)
		buf[0] = '\0';
	else if (buf[n - 1] == '\n')
		buf[n - 1] = '\0';
}

void wirt_runstate_set_boot(struct wirt_runstate *st)
{
	read_boot_id(st->boot_id, sizeof(st->boot_id));
}

bool wirt_runstate_from_earlier_boot(const struct wirt_runstate *st)
{
	char now[40];

	read_boot_id(now, sizeof(now));
	return now[0] && st->boot_id[0] && strcmp(now, st->boot_id) != 0;
}

bool wirt_runstate_supervised(const char *root, const char *name)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;

	wirt_run_file(path, root, name, "supervisor.lock");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (flock(fd, LOCK_SH | LOCK_NB) < 0)
		return errno == EWOULDBLOCK;
	return false;
}

unsigned long long wirt_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = wirt_read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return 0;
	/* comm (field 2) may contain spaces and ')': parse from the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* field 3 is the state: a zombie is as good as gone (the host's init may take
	 * long to reap an orphan). starttime is field 22, the 20th after ')'. */
	if (p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
			  "%*d %*d %llu",
		   &start) != 1)
		return 0;
	return start;
}

bool wirt_proc_matches(pid_t pid, unsigned long long starttime)
{
	return pid > 0 && starttime != 0 && wirt_proc_starttime(pid) == starttime;
}
