/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fork bomb that does not give up: every process forks for ever, and a failed fork
 * (EAGAIN at pids.max) is simply tried again. A shell bomb dies out instead (a shell
 * exits when it cannot fork), so it would not press on the limit while the check
 * looks. Linked statically on the host and copied into the guest by checks.sh.
 */
#include <unistd.h>

int main(void)
{
	for (;;)
		(void)fork();
}
