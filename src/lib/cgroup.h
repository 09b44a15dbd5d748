/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cgroup per vServer under a parent of wirt's own, behind one interface with two
 * backends: cgroup v2 (the unified hierarchy: what current hosts run) and cgroup v1
 * (one hierarchy per controller: hosts in "hybrid" mode, like Debian 11/12 machines
 * booted with systemd.unified_cgroup_hierarchy=0).
 *
 * The parent is "wirt" for the default root dir and "wirt-<hash of the root dir>" for
 * any other, so two root dirs (tests, staging) never share a vServer's cgroup.
 */
#ifndef WIRT_CGROUP_H
#define WIRT_CGROUP_H

#include <stdbool.h>
#include <limits.h>
#include <sys/types.h>

#include "error.h"
#include "spec.h"

enum wirt_cgroup_mode {
	WIRT_CGROUP_V1 = 1,
	WIRT_CGROUP_V2 = 2,
};

struct wirt_cgroup {
	enum wirt_cgroup_mode mode;
	char rel[256]; /* "<parent>/<name>", relative to each hierarchy's root */
	bool io_stats; /* v1: set blk-throttle up on every disk so I/O is counted (stats) */
	bool fresh;    /* just made: apply skips the knobs that are not set (defaults) */
};

/* One device cgroup rule (an OCI config's linux.resources.devices entry). */
struct wirt_device_rule {
	bool allow;
	char type;	      /* 'a', 'c' or 'b' */
	int64_t major, minor; /* -1 = any */
	char access[4];	      /* some of "rwm"; "" = all three */
};

/* Applies device rules in order, as the devices controller (v1: devices.allow and
 * devices.deny) or an eBPF device program attached to the cgroup (v2) enforces them:
 * what no rule allows is denied once a rule denies everything. On v2 a second call
 * replaces the program an earlier one attached (docs/resources.md "Device rules").
 * v2 needs CAP_SYS_ADMIN (bpf(2)) and Linux 5.1 (JMP32 instructions). */
int wirt_cgroup_devices_apply(const struct wirt_cgroup *cg, const struct wirt_device_rule *rules,
			      size_t n, struct wirt_error *err);

/* The v2 device program for the rules (type BPF_PROG_TYPE_CGROUP_DEVICE: returns 1 to
 * allow, 0 to deny an access): the last rule that matches a device decides the access
 * bits it names; a type 'a' rule resets (to allow all or deny all, whatever else it
 * says); with no 'a' rule what no rule decides is allowed, as on v1. Into a malloc'd
 * array (*ret_insns, *ret_n instructions); -EINVAL naming the rule for a bad type,
 * access or number, -ENOMEM. No kernel involved: unit tests run the result. */
struct bpf_insn;
int wirt_cgroup_devices_program(const struct wirt_device_rule *rules, size_t n,
				struct bpf_insn **ret_insns, size_t *ret_n, struct wirt_error *err);

/* The host's cgroup mode: v2 when /sys/fs/cgroup is cgroup2 (pure unified), else v1.
 * $WIRT_CGROUP_ROOT overrides /sys/fs/cgroup (the qemu tests; unit tests point it at a
 * fake tree), and $WIRT_CGROUP_MODE=v1|v2 overrides the detection (a fake tree on
 * tmpfs is no cgroup2). */
enum wirt_cgroup_mode wirt_cgroup_detect(void);

/* Fills cg for vServer 'name' of root dir 'root' (no filesystem change). */
void wirt_cgroup_init(struct wirt_cgroup *cg, const char *root, const char *name);

/* Fills cg for the cgroup at 'path' below each hierarchy's root (an OCI config's
 * cgroupsPath: "/a/b" and "a/b" are the same). -EINVAL for ".." or a path too long. */
int wirt_cgroup_init_path(struct wirt_cgroup *cg, const char *path, struct wirt_error *err);

/* Freezes (true) or thaws the cgroup's processes (v2 cgroup.freeze, v1 freezer) and
 * waits until the kernel says they are. */
int wirt_cgroup_freeze(const struct wirt_cgroup *cg, bool frozen, struct wirt_error *err);

/* Whether the cgroup is frozen now. */
bool wirt_cgroup_frozen(const struct wirt_cgroup *cg);

/* Calls fn for each process in the cgroup and its sub-cgroups; stops at fn's first
 * non-zero return and returns it. */
int wirt_cgroup_each_pid(const struct wirt_cgroup *cg, int (*fn)(pid_t pid, void *data),
			 void *data);

/* Creates the parent and the vServer's cgroup (every v1 hierarchy wirt uses).
 * An existing, empty cgroup (stale after a crash) is reused. The cgroup is delegated to
 * host uid 'owner' (guest root): it may create sub-cgroups and move its processes
 * between them, as systemd inside does, but the files that hold the vServer's own
 * limits stay host root's. */
int wirt_cgroup_create(const struct wirt_cgroup *cg, uid_t owner, struct wirt_error *err);

/* The v1 hierarchies a vServer is in and the guest mounts (NULL-terminated): "cpu",
 * "pids", ..., "systemd" (the named one). Only those the host has. */
const char *const *wirt_cgroup_v1_hierarchies(void);

/* Moves process 'pid' (0 = the caller) into the vServer's cgroup. */
int wirt_cgroup_attach(const struct wirt_cgroup *cg, pid_t pid, struct wirt_error *err);

/* Number of processes in the cgroup (0 when it does not exist). */
int wirt_cgroup_count(const struct wirt_cgroup *cg);

/* SIGKILLs every process in the cgroup (v2: cgroup.kill; v1: freeze, kill, thaw) and
 * waits up to 'timeout_ms' for it to empty. */
int wirt_cgroup_kill(const struct wirt_cgroup *cg, int timeout_ms, struct wirt_error *err);

/* Removes the vServer's cgroup (and the parent, when it is left empty). Missing is
 * success; a cgroup with processes is -EBUSY. */
int wirt_cgroup_destroy(const struct wirt_cgroup *cg, struct wirt_error *err);

/* Path of the vServer's cgroup in hierarchy 'controller' (v1) or the unified one
 * (v2, controller ignored), into buf (PATH_MAX). */
char *wirt_cgroup_path(const struct wirt_cgroup *cg, const char *controller, char *buf);

/* Writes every knob of res to the vServer's cgroup (a running vServer's too: that is
 * how `wirt set` is live). Knobs that are not set are written as the kernel's
 * default, so removing a limit works. A knob the host's cgroups lack (no io
 * controller, no swap accounting) is an error naming it, when it is set; when it is
 * not set it is skipped. Errors name the file and the value:
 * "write '67108864' to '/sys/fs/cgroup/memory/wirt/web1/memory.limit_in_bytes'".
 * Not atomic: on failure the knobs before the failing one are written already, so a
 * caller that must change nothing applies the old resources again.
 * docs/resources.md has the knob -> file table and the v1 value mappings. */
int wirt_cgroup_apply(const struct wirt_cgroup *cg, const struct wirt_resources *res,
		      struct wirt_error *err);

/* What the kernel reports for the vServer's cgroup. Fields the host cannot tell are
 * WIRT_UNLIMITED ("unknown"); limits that are not set read as WIRT_UNLIMITED too. */
struct wirt_cgroup_stats {
	uint64_t cpu_usec;	     /* CPU time used, user + system */
	uint64_t memory_current;     /* bytes, page cache included */
	uint64_t memory_peak;
	uint64_t memory_limit;
	uint64_t swap_current;
	uint64_t swap_limit;
	uint64_t pids_current;
	uint64_t pids_limit;
	uint64_t io_read_bytes, io_write_bytes;
	uint64_t io_read_ops, io_write_ops;
	uint64_t oom_kills;	     /* processes the OOM killer ended in this vServer */
};

/* -ENOENT ("cgroup '...' does not exist") when the vServer has no cgroup (stopped);
 * a file the host lacks only leaves its field unknown. */
int wirt_cgroup_read_stats(const struct wirt_cgroup *cg, struct wirt_cgroup_stats *st,
			   struct wirt_error *err);

/* --- For the backends (cgroup-v1.c, cgroup-v2.c) only. --- */

/* One resource knob of a backend's table: 'name' is the config key shown in errors;
 * 'controller' the v1 hierarchy (NULL on v2). Either 'format' fills buf with the value
 * of one file and returns whether the knob is set (false: buf holds the kernel's
 * default), or 'apply' writes a knob that is more than one plain write. */
struct wirt_cgroup_knob {
	const char *name;
	const char *controller;
	const char *file;
	bool (*format)(const struct wirt_resources *res, char *buf, size_t size);
	int (*apply)(const char *dir, const struct wirt_resources *res, struct wirt_error *err);
};

int wirt_cgroup_apply_knobs(const struct wirt_cgroup *cg, const struct wirt_cgroup_knob *knobs,
			    size_t n, const struct wirt_resources *res, struct wirt_error *err);
int wirt_cgroup_v1_apply(const struct wirt_cgroup *cg, const struct wirt_resources *res,
			 struct wirt_error *err);
int wirt_cgroup_v2_apply(const struct wirt_cgroup *cg, const struct wirt_resources *res,
			 struct wirt_error *err);
int wirt_cgroup_v1_read_stats(const struct wirt_cgroup *cg, struct wirt_cgroup_stats *st,
			      struct wirt_error *err);
int wirt_cgroup_v2_read_stats(const struct wirt_cgroup *cg, struct wirt_cgroup_stats *st,
			      struct wirt_error *err);

/* The directory all hierarchies are under: $WIRT_CGROUP_ROOT or /sys/fs/cgroup. */
const char *wirt_cgroup_root(void);

/* The directory above 'path', into buf (PATH_MAX). */
void wirt_cgroup_parent(const char *path, char *buf);

/* True when dir/file exists. */
bool wirt_cgroup_has(const char *dir, const char *file);

/* Writes 'value' to dir/file in one write() (O_TRUNC, so a fake tree holds exactly
 * the value). Error: "write 'value' to 'dir/file'". */
int wirt_cgroup_write(const char *dir, const char *file, const char *value,
		      struct wirt_error *err);

/* As wirt_cgroup_write for knob 'knob'; a missing file is skipped when the knob is
 * not 'set' and an error naming knob and file when it is. */
int wirt_cgroup_write_knob(const char *knob, const char *dir, const char *file,
			   const char *value, bool set, struct wirt_error *err);

/* Reads dir/file (small) into buf, trailing whitespace cut. Returns length or -errno. */
ssize_t wirt_cgroup_read(const char *dir, const char *file, char *buf, size_t size);

/* Reads a file holding one number; "max" reads as WIRT_UNLIMITED. 0 or -errno. */
int wirt_cgroup_read_u64(const char *dir, const char *file, uint64_t *ret);

/* Reads the value of line "key N" of a flat keyed file (cpu.stat, memory.events,
 * memory.oom_control). 0, -ENOENT (no file or no such key) or -errno. */
int wirt_cgroup_read_key(const char *dir, const char *file, const char *key, uint64_t *ret);

#endif
