/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's capability bounding set. Guest root holds capabilities only over its own
 * user namespace, so most are harmless; we still drop those that touch what is shared
 * with the host and have no use inside a vServer. CAP_SYS_BOOT stays: inside a PID
 * namespace reboot(2) only ends that namespace's init, which is how a guest reboots.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "fsutil.h"
#include "security.h"
#include "util.h"

static const int dropped_caps[] = {
	CAP_SYS_MODULE,	 CAP_SYS_RAWIO,	 CAP_SYS_TIME,	    CAP_MAC_ADMIN,
	CAP_MAC_OVERRIDE, CAP_SYSLOG,	 CAP_WAKE_ALARM,    CAP_BLOCK_SUSPEND,
	CAP_AUDIT_CONTROL, CAP_AUDIT_READ, CAP_SYS_PACCT,   CAP_BPF,
	CAP_PERFMON,
};

int wirt_caps_apply(struct wirt_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(dropped_caps); i++) {
		/* EINVAL: a capability this kernel does not know; nothing to drop. */
		if (prctl(PR_CAPBSET_DROP, dropped_caps[i], 0, 0, 0) < 0 && errno != EINVAL)
			return wirt_errorf(err, errno, "drop capability %d", dropped_caps[i]);
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return wirt_errorf(err, errno, "clear ambient capabilities");
	return 0;
}

unsigned wirt_caps_last(void)
{
	static unsigned last;
	char buf[16];

	if (last == 0) {
		ssize_t n = wirt_read_file("/proc/sys/kernel/cap_last_cap", buf, sizeof(buf));
		last = n > 0 ? (unsigned)strtoul(buf, NULL, 10) : CAP_LAST_CAP;
		if (last == 0 || last > 63)
			last = CAP_LAST_CAP;
	}
	return last;
}

int wirt_caps_bound(uint64_t bounding, struct wirt_error *err)
{
	unsigned last = wirt_caps_last();

	for (unsigned c = 0; c <= last; c++) {
		if (bounding & (1ull << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return wirt_errorf(err, errno, "drop capability %u from the bounding set", c);
	}
	return 0;
}

int wirt_caps_set(const uint64_t sets[WIRT_CAPSETS], struct wirt_error *err)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	unsigned last = wirt_caps_last();

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(sets[WIRT_CAPSET_EFFECTIVE] >> (32 * i));
		data[i].permitted = (uint32_t)(sets[WIRT_CAPSET_PERMITTED] >> (32 * i));
		data[i].inheritable = (uint32_t)(sets[WIRT_CAPSET_INHERITABLE] >> (32 * i));
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return wirt_errorf(err, errno, "set capabilities");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return wirt_errorf(err, errno, "clear ambient capabilities");
	for (unsigned c = 0; c <= last; c++) {
		if (!(sets[WIRT_CAPSET_AMBIENT] & (1ull << c)))
			continue;
		/* A capability that is not both permitted and inheritable cannot be ambient:
		 * runc skips it too. */
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0 && errno != EPERM)
			return wirt_errorf(err, errno, "raise ambient capability %u", c);
	}
	return 0;
}
