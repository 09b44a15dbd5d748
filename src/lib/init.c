/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wirt's tiny init for guests without one: see init.h. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"

static const char *const start_scripts[] = { "/etc/wirt/start", "/etc/rc.local" };

static void run_start_script(const sigset_t *orig, char *const env[])
{
	for (size_t i = 0; i < sizeof(start_scripts) / sizeof(start_scripts[0]); i++) {
		pid_t pid;

		if (access(start_scripts[i], R_OK) < 0)
			continue;
		pid = fork();
		if (pid == 0) {
			sigprocmask(SIG_SETMASK, orig, NULL);
			execve("/bin/sh", (char *const[]){ "sh", (char *)start_scripts[i], NULL },
			       env);
			_exit(127);
		}
		return;
	}
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

_Noreturn static void shutdown_all(void)
{
	struct timespec deadline, now;

	kill(-1, SIGTERM);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += WIRT_INIT_GRACE_SECONDS;
	for (;;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid < 0 && errno == ECHILD)
			_exit(0);
		if (pid > 0)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > deadline.tv_sec ||
		    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec))
			break;
		usleep(20000);
	}
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	_exit(0);
}

_Noreturn void wirt_init_run(char *const env[])
{
	sigset_t all, orig;

	prctl(PR_SET_NAME, "wirt-init");
	/* Changing credentials on the way in (setns, setresuid) made this process
	 * non-dumpable, and with no exec to reset that, its /proc/1 would belong to the
	 * host's root: guest root could not even list PID 1's descriptors. Its memory holds
	 * nothing of the host's that the guest may not see, and guest root cannot write
	 * the host binary /proc/1/exe points to (it is not host root). */
	prctl(PR_SET_DUMPABLE, 1);
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &orig);
	run_start_script(&orig, env);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig == SIGCHLD)
			reap_all();
		else if (sig == SIGTERM || sig == SIGINT || sig == SIGPWR)
			shutdown_all();
	}
}
