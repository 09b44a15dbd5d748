/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt logs NAME: the console log (the rotated part first). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <unistd.h>

#include "cli.h"
#include "paths.h"
#include "vserver.h"

static int cat_file(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(STDOUT_FILENO, buf, (size_t)n) != n)
			break;
	close(fd);
	return 0;
}

int cmd_logs(struct wirt_cli *cli, int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct wirt_status st;
	char path[PATH_MAX];
	int r;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage("logs", "expects one NAME");
	if (wirt_vserver_status(cli->root, argv[1], &st, &err) < 0)
		return cli_fail_on("logs", argv[1], &err);
	r = cat_file(wirt_vserver_file(path, cli->root, argv[1], "console.log.1"));
	if (r == 0)
		r = cat_file(wirt_vserver_file(path, cli->root, argv[1], "console.log"));
	if (r < 0) {
		wirt_errorf(&err, -r, "read '%s'", path);
		return cli_fail_on("logs", argv[1], &err);
	}
	return 0;
}
