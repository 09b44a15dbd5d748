/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt-supervisor ROOT NAME: the per-vServer supervisor (see src/lib/supervisor.h).
 * Started by `wirt start` with a socket on fd 3 that carries the vServer's spec in and
 * the start's outcome out; not meant to be run by hand. Linked statically with only
 * what it needs, so each running vServer costs little host memory.
 */
#include <stdio.h>

#include "supervisor.h"

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "wirt-supervisor: started by 'wirt start', not by hand\n");
		return 2;
	}
	wirt_supervisor_main(argv[1], argv[2]);
}
