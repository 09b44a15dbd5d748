/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Answering a guest's sysinfo(2) from its cgroup: see sysinfo.h. */
#include <errno.h>
#include <seccomp.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sysinfo.h"

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The host's answer with the vServer's limits put in: what free and uptime print. */
static void vserver_sysinfo(const struct wirt_cgroup *cg, time_t started, struct sysinfo *si)
{
	struct wirt_cgroup_stats st;
	struct wirt_error err;
	uint64_t unit, total, swap;
	time_t now = time(NULL);

	sysinfo(si);
	unit = si->mem_unit ? si->mem_unit : 1;
	total = (uint64_t)si->totalram * unit;
	swap = (uint64_t)si->totalswap * unit;
	si->mem_unit = 1;
	si->totalram = total;
	si->freeram = (uint64_t)si->freeram * unit;
	si->sharedram = (uint64_t)si->sharedram * unit;
	si->bufferram = (uint64_t)si->bufferram * unit;
	si->totalswap = swap;
	si->freeswap = (uint64_t)si->freeswap * unit;
	si->totalhigh = si->freehigh = 0;
	si->uptime = now > started ? now - started : 0;
	if (wirt_cgroup_read_stats(cg, &st, &err) < 0)
		return;
	if (st.memory_limit != WIRT_UNLIMITED && st.memory_limit < total) {
		uint64_t used = st.memory_current == WIRT_UNLIMITED ? 0 : st.memory_current;

		si->totalram = st.memory_limit;
		si->freeram = st.memory_limit - min_u64(used, st.memory_limit);
		si->sharedram = 0;
		si->bufferram = 0;
	}
	if (st.swap_limit != WIRT_UNLIMITED && st.swap_limit < swap) {
		uint64_t used = st.swap_current == WIRT_UNLIMITED ? 0 : st.swap_current;

		si->totalswap = st.swap_limit;
		si->freeswap = st.swap_limit - min_u64(used, st.swap_limit);
	}
	if (st.pids_current != WIRT_UNLIMITED)
		si->procs = (unsigned short)min_u64(st.pids_current, 65535);
}

int wirt_sysinfo_answer(int listener, const struct wirt_cgroup *cg, time_t started)
{
	/* Allocated once per process: the kernel decides the sizes. */
	static struct seccomp_notif *req;
	static struct seccomp_notif_resp *resp;
	struct sysinfo si;
	struct iovec local = { .iov_base = &si, .iov_len = sizeof(si) };
	struct iovec remote = { .iov_len = sizeof(si) };
	int r;

	if (!req && seccomp_notify_alloc(&req, &resp) < 0)
		return -ENOMEM;
	memset(req, 0, sizeof(*req));
	r = seccomp_notify_receive(listener, req);
	if (r < 0)
		return r == -ENOENT || r == -EINTR ? 0 : r; /* the caller went away first */
	memset(resp, 0, sizeof(*resp));
	resp->id = req->id;
	resp->error = -ENOSYS;
	if (req->data.nr == __NR_sysinfo) {
		vserver_sysinfo(cg, started, &si);
		remote.iov_base = (void *)(uintptr_t)req->data.args[0];
		/* The id check makes sure the pid still is the caller (not a reuse). */
		if (seccomp_notify_id_valid(listener, req->id) < 0)
			return 0;
		if (process_vm_writev(req->pid, &local, 1, &remote, 1, 0) == (ssize_t)sizeof(si))
			resp->error = 0;
		else
			resp->error = -EFAULT;
	}
	r = seccomp_notify_respond(listener, resp);
	return r == -ENOENT ? 0 : r;
}
