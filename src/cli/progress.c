/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The progress bar of long verbs (export, import): see cli.h. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"

void cli_progress_init(struct cli_progress *p, const char *verb, const char *name)
{
	p->verb = verb;
	p->name = name;
	p->shown = false;
	p->on = isatty(STDERR_FILENO) == 1;
}

static void human(uint64_t n, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	unsigned u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

void cli_progress_update(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_progress *p = ctx;
	char d[32], t[32], bar[31];
	unsigned fill;

	if (!p->on)
		return;
	human(done, d, sizeof(d));
	if (total) {
		if (done > total)
			done = total;
		fill = (unsigned)(done * 30 / total);
		for (unsigned i = 0; i < 30; i++)
			bar[i] = i < fill ? '#' : ' ';
		bar[30] = '\0';
		human(total, t, sizeof(t));
		fprintf(stderr, "\r%s %s [%s] %3u%%  %s / %s\033[K", p->verb, p->name, bar,
		        (unsigned)(done * 100 / total), d, t);
	} else {
		fprintf(stderr, "\r%s %s  %s\033[K", p->verb, p->name, d);
	}
	p->shown = true;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->shown)
		fputc('\n', stderr);
	p->shown = false;
}
