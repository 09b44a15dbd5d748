/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest's capability bounding set. Guest root holds capabilities only over its own
 * user namespace, so most are harmless; we still drop those that touch what is shared
 * with the host and have no use inside a vServer. CAP_SYS_BOOT stays: inside a PID
 * namespace reboot(2) only ends that namespace's init, which is how a guest reboots.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <linux/capability.h>

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
