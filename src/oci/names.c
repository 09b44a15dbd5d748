/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The small texts of the command line and config: see names.h. */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "util.h"

int oci_id_check(const char *id, struct wirt_error *err)
{
	size_t n = strlen(id);

	if (n == 0 || n > OCI_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return wirt_error_invalid(err, "invalid container id '%s'", id);
	for (const char *p = id; *p; p++) {
		bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '+' || *p == '-' ||
			  *p == '.';
		if (!ok)
			return wirt_error_invalid(err, "invalid container id '%s': only letters, "
						       "digits and _+-. are allowed", id);
	}
	return 0;
}

int oci_signal_parse(const char *s)
{
	static const struct {
		const char *name;
		int sig;
	} t[] = {
		{ "HUP", SIGHUP },   { "INT", SIGINT },	  { "QUIT", SIGQUIT }, { "ILL", SIGILL },
		{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT },   { "BUS", SIGBUS },
		{ "FPE", SIGFPE },   { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
		{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
		{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CONT", SIGCONT }, { "STOP", SIGSTOP },
		{ "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU }, { "URG", SIGURG },
		{ "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
		{ "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL }, { "PWR", SIGPWR },
		{ "SYS", SIGSYS },
	};
	char *end;
	long n;

	if (s[0] >= '0' && s[0] <= '9') {
		n = strtol(s, &end, 10);
		return *end || n <= 0 || n >= NSIG ? -1 : (int)n;
	}
	if (strncmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(t); i++)
		if (strcmp(t[i].name, s) == 0)
			return t[i].sig;
	if (strncmp(s, "RTMIN", 5) == 0 || strncmp(s, "RTMAX", 5) == 0) {
		int base = s[2] == 'M' && s[3] == 'I' ? SIGRTMIN : SIGRTMAX;
		if (s[5] == '\0')
			return base;
		n = strtol(s + 5, &end, 10);
		/* RTMIN+n, RTMAX-n: n within the range's own width, no overflow. */
		if (*end == '\0' && n >= -64 && n <= 64 && base + n >= SIGRTMIN &&
		    base + n <= SIGRTMAX)
			return (int)(base + n);
	}
	return -1;
}

static int parse_id(const char *s, const char **end, uint32_t *ret)
{
	unsigned long long v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v >= UINT32_MAX)
			return -EINVAL; /* (uid_t)-1 means "no change" to the kernel */
	}
	*ret = (uint32_t)v;
	*end = p;
	return 0;
}

int oci_user_parse(const char *s, uint32_t *ret_uid, uint32_t *ret_gid)
{
	const char *end;

	*ret_gid = 0;
	if (parse_id(s, &end, ret_uid) < 0)
		return -EINVAL;
	if (*end == '\0')
		return 0;
	if (*end != ':' || parse_id(end + 1, &end, ret_gid) < 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

/* systemd's "slice:prefix:name" (what --systemd-cgroup callers pass, Podman's
 * "machine.slice:libpod:ID") as the path systemd would give it: a slice "a-b.slice"
 * lives in "a.slice/a-b.slice", the container in "prefix-name.scope". wirt-oci makes
 * that cgroup itself, through cgroupfs, as it makes any other: no D-Bus. */
int oci_systemd_cgroup_path(const char *cgpath, const char *id, char *buf, size_t size,
			       struct wirt_error *err)
{
	char slice[256] = "system.slice", prefix[128] = "wirt-oci", name[OCI_ID_MAX + 1];
	size_t n = 0;

	snprintf(name, sizeof(name), "%s", id);
	if (cgpath) {
		const char *a = strchr(cgpath, ':'), *b = a ? strchr(a + 1, ':') : NULL;

		if (!a || !b || strchr(b + 1, ':') || strchr(cgpath, '/'))
			return wirt_error_invalid(err, "linux.cgroupsPath '%s': with --systemd-cgroup "
						       "it is \"slice:prefix:name\"", cgpath);
		snprintf(slice, sizeof(slice), "%.*s", (int)(a - cgpath), cgpath);
		snprintf(prefix, sizeof(prefix), "%.*s", (int)(b - a - 1), a + 1);
		snprintf(name, sizeof(name), "%s", b + 1);
		if (!slice[0])
			snprintf(slice, sizeof(slice), "system.slice");
	}
	/* ".." anywhere is refused, as wirt_cgroup_init_path refuses it in a path. */
	if (strlen(slice) < 6 || strcmp(slice + strlen(slice) - 6, ".slice") != 0 ||
	    strstr(slice, "..") || strstr(prefix, "..") || strstr(name, "..") || !name[0])
		return wirt_error_invalid(err, "linux.cgroupsPath '%s': not a slice and a name",
					  cgpath);
	buf[0] = '\0';
	if (strcmp(slice, "-.slice") != 0) {
		/* Every dash-separated prefix of the slice's name is a parent slice. */
		for (const char *dash = strchr(slice, '-'); dash; dash = strchr(dash + 1, '-'))
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%.*s.slice/",
					      (int)(dash - slice), slice);
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s/", slice);
	}
	n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s%s.scope", prefix,
			      prefix[0] ? "-" : "", name);
	if (n >= size)
		return wirt_error_invalid(err, "linux.cgroupsPath: too long");
	/* systemd's own rule: a slice's dash-separated parts are not empty; and no ".."
	 * anywhere in the result ("x.:y." would make one), which cgroup paths refuse. */
	if (strstr(buf, "..") || strstr(buf, "-.slice/") || strstr(buf, "--") ||
	    (slice[0] == '-' && strcmp(slice, "-.slice") != 0))
		return wirt_error_invalid(err, "linux.cgroupsPath '%s': not a slice and a name",
					  cgpath);
	return 0;
}
