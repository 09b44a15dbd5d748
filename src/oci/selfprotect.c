/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CVE-2019-5736: a process in a container that comes to run the runtime's binary
 * (a program "#!/proc/self/exe" started by exec) can hold that binary open and write
 * it once no runtime runs, and the next runtime run on the host is the attacker's.
 * Before it starts container processes wirt-oci therefore runs itself from a
 * read-only view of its binary: a detached read-only bind mount of /proc/self/exe
 * (open_tree + mount_setattr, Linux 5.12+; no copy, nothing in any mount table), or,
 * where that is refused, a sealed memfd copy, as runc and crun do. A write through
 * /proc/PID/exe then fails (EROFS, EPERM). The re-exec costs one exec of a static
 * binary; a binary installed on a read-only filesystem needs none.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "syscalls.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

extern char **environ;

static bool protected_now(void)
{
	struct statvfs sv;
	int seals;
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* Our memfd copy: sealed against writes. */
	seals = fcntl(fd, F_GET_SEALS);
	close(fd);
	if (seals > 0 && (seals & F_SEAL_WRITE))
		return true;
	return statvfs("/proc/self/exe", &sv) == 0 && (sv.f_flag & ST_RDONLY);
}

static int exec_readonly_mount(char **argv)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY };
	int fd = wirt_sys_open_tree(AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (wirt_sys_mount_setattr(fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0)
		syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	int e = errno;
	close(fd);
	return -e;
}

static int exec_sealed_copy(char **argv)
{
	struct stat st;
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC), mem;
	off_t off = 0;

	if (in < 0 || fstat(in, &st) < 0)
		return -errno;
	mem = memfd_create("wirt-oci", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mem < 0) {
		close(in);
		return -errno;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(mem, in, &off, (size_t)(st.st_size - off));
		if (n <= 0)
			break;
	}
	close(in);
	if (off == st.st_size &&
	    fcntl(mem, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) == 0)
		syscall(SYS_execveat, mem, "", argv, environ, AT_EMPTY_PATH);
	int e = errno ? errno : EIO;
	close(mem);
	return -e;
}

int oci_protect_binary(struct oci_cli *cli, char **argv)
{
	int r;

	if (protected_now())
		return 0;
	r = exec_readonly_mount(argv);
	/* Only back here when both ways failed. */
	r = exec_sealed_copy(argv);
	return oci_fail(cli, "run from a read-only copy of the runtime's binary (against "
			     "CVE-2019-5736): %s", strerror(-r));
}
