/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt-network up|down ROOT NAME: a vServer's network, for its supervisor (see
 * src/lib/network.h). The supervisor is a small static program and links neither
 * libmnl nor libnftables; it runs this helper around each boot of its guest, with the
 * vServer's spec on stdin and, for up, the guest's network namespace on fd 3. A
 * failure is one line on stderr and the errno as exit status; up has then removed
 * what it made. Not meant to be run by hand.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "network.h"
#include "spec.h"

#define NETNS_FD 3

static int read_spec(struct wirt_spec *spec)
{
	size_t got = 0;

	while (got < sizeof(*spec)) {
		ssize_t n = read(0, (char *)spec + got, sizeof(*spec) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	spec->name[sizeof(spec->name) - 1] = '\0';
	return 0;
}

int main(int argc, char **argv)
{
	struct wirt_error err = { 0 };
	struct wirt_spec spec;
	char msg[WIRT_ERROR_MAX + 64];
	int r;

	if (argc != 4 || (strcmp(argv[1], "up") != 0 && strcmp(argv[1], "down") != 0)) {
		fprintf(stderr, "wirt-network: run by wirt-supervisor, not by hand\n");
		return 2;
	}
	if (read_spec(&spec) < 0 || strcmp(spec.name, argv[3]) != 0) {
		fprintf(stderr, "receive the vServer's spec: protocol error\n");
		return EPROTO;
	}
	if (strcmp(argv[1], "up") == 0)
		r = wirt_network_up(argv[2], &spec, NETNS_FD, &err);
	else
		r = wirt_network_down(argv[2], &spec, &err);
	if (r < 0) {
		fprintf(stderr, "%s\n", wirt_error_format(&err, msg, sizeof(msg)));
		return -r < 256 ? -r : EIO;
	}
	return 0;
}
