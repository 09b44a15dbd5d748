/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Device rules for a cgroup (an OCI container's linux.resources.devices): v1 has the
 * devices controller, which takes the rules as lines in devices.allow and
 * devices.deny; v2 has no such files, the rules become an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE attached to the cgroup. The program is assembled here,
 * instruction by instruction (no libbpf, no compiler at build time), as runc and crun
 * do; docs/resources.md "Device rules" has the semantics.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "cgroup.h"
#include "syscalls.h"
#include "util.h"

/* ---- v1: devices.allow and devices.deny ---------------------------------------------- */

static int v1_apply(const struct wirt_cgroup *cg, const struct wirt_device_rule *rules, size_t n,
		    struct wirt_error *err)
{
	char dir[PATH_MAX], val[64], maj[24], min[24];

	wirt_cgroup_path(cg, "devices", dir);
	for (size_t i = 0; i < n; i++) {
		const struct wirt_device_rule *d = &rules[i];
		int r;

		snprintf(maj, sizeof(maj), d->major < 0 ? "*" : "%lld", (long long)d->major);
		snprintf(min, sizeof(min), d->minor < 0 ? "*" : "%lld", (long long)d->minor);
		if (d->type == 'a')
			snprintf(val, sizeof(val), "a");
		else
			snprintf(val, sizeof(val), "%c %s:%s %s", d->type, maj, min,
				 d->access[0] ? d->access : "rwm");
		r = wirt_cgroup_write(dir, d->allow ? "devices.allow" : "devices.deny", val, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- v2: the program ------------------------------------------------------------------ */

/* Registers while the program runs: R1 the context, then scratch; R2 the device type;
 * R3 the access bits of the request no rule has decided yet; R4 major; R5 minor. */
enum { R0, R1, R2, R3, R4, R5 };

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
						.off = (o), .imm = (i) })
#define LDX_W(dst, src, off) INSN(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_IMM(op, dst, imm) INSN(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_REG(dst, src) INSN(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_IMM(dst, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
/* JMP32 (Linux 5.1): compares the low 32 bits, so a major or minor up to 2^32-1
 * (what config.json allows) compares as it is; 64-bit JMP would sign-extend imm. */
#define JMP32_IMM(op, dst, imm) INSN(BPF_JMP32 | (op) | BPF_K, dst, 0, 0, imm)
#define EXIT_INSN() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)
#define PROG_PROLOGUE 6
#define PROG_RULE_MAX 8 /* type, major, minor, then at most 5 for the verdict */
#define PROG_EPILOGUE 2

struct prog {
	struct bpf_insn *insn;
	size_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->insn[p->n++] = insn;
}

static int access_mask(const struct wirt_device_rule *d, struct wirt_error *err)
{
	int mask = 0;

	for (const char *c = d->access; c < d->access + sizeof(d->access) && *c; c++) {
		switch (*c) {
		case 'r':
			mask |= BPF_DEVCG_ACC_READ;
			break;
		case 'w':
			mask |= BPF_DEVCG_ACC_WRITE;
			break;
		case 'm':
			mask |= BPF_DEVCG_ACC_MKNOD;
			break;
		default:
			return wirt_error_invalid(err, "device access '%.4s' is not some of 'rwm'",
						  d->access);
		}
	}
	return mask ? mask : ACC_ALL;
}

static int check_rule(const struct wirt_device_rule *d, struct wirt_error *err)
{
	if (d->type != 'a' && d->type != 'c' && d->type != 'b')
		return wirt_error_invalid(err, "device type '%c' is not one of a, c, b", d->type);
	if (d->major < -1 || d->major > UINT32_MAX)
		return wirt_error_invalid(err, "device major %lld out of range",
					  (long long)d->major);
	if (d->minor < -1 || d->minor > UINT32_MAX)
		return wirt_error_invalid(err, "device minor %lld out of range",
					  (long long)d->minor);
	return access_mask(d, err);
}

/* One rule, as "if it matches: decide what it can, else go on with the next":
 *	if (type != T || major != MAJ || minor != MIN) goto next;	(wildcards: no test)
 *	allow:	R3 &= ~ACCESS; if (R3 != 0) goto next; return 1;
 *	deny:	if ((R3 & ACCESS) == 0) goto next; return 0;
 * An allow of all three bits returns 1 at once. */
static void emit_rule(struct prog *p, const struct wirt_device_rule *d, int mask)
{
	size_t jumps[4], n_jumps = 0;

	jumps[n_jumps++] = p->n;
	emit(p, JMP32_IMM(BPF_JNE, R2, d->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR));
	if (d->major >= 0) {
		jumps[n_jumps++] = p->n;
		emit(p, JMP32_IMM(BPF_JNE, R4, (int32_t)(uint32_t)d->major));
	}
	if (d->minor >= 0) {
		jumps[n_jumps++] = p->n;
		emit(p, JMP32_IMM(BPF_JNE, R5, (int32_t)(uint32_t)d->minor));
	}
	if (d->allow && mask == ACC_ALL) {
		emit(p, MOV64_IMM(R0, 1));
	} else if (d->allow) {
		emit(p, ALU32_IMM(BPF_AND, R3, ~mask));
		jumps[n_jumps++] = p->n;
		emit(p, JMP32_IMM(BPF_JNE, R3, 0));
		emit(p, MOV64_IMM(R0, 1));
	} else {
		emit(p, MOV32_REG(R1, R3));
		emit(p, ALU32_IMM(BPF_AND, R1, mask));
		jumps[n_jumps++] = p->n;
		emit(p, JMP32_IMM(BPF_JEQ, R1, 0));
		emit(p, MOV64_IMM(R0, 0));
	}
	emit(p, EXIT_INSN());
	for (size_t i = 0; i < n_jumps; i++)
		p->insn[jumps[i]].off = (int16_t)(p->n - jumps[i] - 1);
}

int wirt_cgroup_devices_program(const struct wirt_device_rule *rules, size_t n,
				struct bpf_insn **ret_insns, size_t *ret_n, struct wirt_error *err)
{
	struct prog p = { 0 };
	size_t first = 0, lo;
	bool dflt = true; /* v1's root cgroup allows every device */
	int r;

	for (size_t i = 0; i < n; i++) {
		r = check_rule(&rules[i], err);
		if (r < 0)
			return wirt_error_prefix(err, "device rule %zu", i);
		/* Type 'a' resets, whatever else it says: v1 reads "a" and nothing after it
		 * (devcgroup_update_access), and runc's emulator does the same. */
		if (rules[i].type == 'a') {
			first = i + 1;
			dflt = rules[i].allow;
		}
	}
	/* Walking from the last rule back, the rules before the first one that says
	 * the opposite of the default only say what the default says. */
	lo = n;
	for (size_t i = first; i < n; i++)
		if (rules[i].allow != dflt) {
			lo = i;
			break;
		}

	p.insn = calloc(PROG_PROLOGUE + (n - lo) * PROG_RULE_MAX + PROG_EPILOGUE,
			sizeof(*p.insn));
	if (!p.insn)
		return wirt_errorf(err, ENOMEM, "device program");
	/* struct bpf_cgroup_dev_ctx: access_type = access << 16 | type; major; minor */
	emit(&p, LDX_W(R2, R1, 0));
	emit(&p, ALU32_IMM(BPF_AND, R2, 0xffff));
	emit(&p, LDX_W(R3, R1, 0));
	emit(&p, ALU32_IMM(BPF_RSH, R3, 16));
	emit(&p, LDX_W(R4, R1, 4));
	emit(&p, LDX_W(R5, R1, 8));
	/* The last matching rule wins: the rules go in backwards, each deciding the
	 * access bits it names, first decision per bit kept. */
	for (size_t i = n; i > lo; i--)
		emit_rule(&p, &rules[i - 1], access_mask(&rules[i - 1], err));
	/* The bits no rule decided */
	emit(&p, MOV64_IMM(R0, dflt));
	emit(&p, EXIT_INSN());
	*ret_insns = p.insn;
	*ret_n = p.n;
	return 0;
}

/* ---- v2: load, attach, replace ---------------------------------------------------------- */

/* The name marks wirt's own programs among those attached to a cgroup (systemd's are
 * "sd_devices"): a second apply detaches only these. */
#define PROG_NAME "wirt_devices"
#define PROG_LOG_SIZE (64 * 1024)
#define CGROUP_PROGS_MAX 64 /* BPF_CGROUP_MAX_PROGS, per cgroup and attach type */

static int bpf(int cmd, union bpf_attr *attr)
{
	return wirt_sys_bpf(cmd, attr, sizeof(*attr));
}

/* The verifier's verdict is the log's last line ("At program exit the register R0 has
 * smin=2 smax=2 should have been in [0, 1]", "invalid bpf_context access off=12
 * size=4"): the lines above it trace the instructions, and the lines below it, where
 * the kernel adds them (6.x: "processed 2 insns (limit 1000000) ..."), count them. */
static const char *log_verdict(char *log)
{
	char *end = log + strnlen(log, PROG_LOG_SIZE - 1), *line;

	*end = '\0';
	for (;;) {
		while (end > log && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		line = strrchr(log, '\n');
		line = line ? line + 1 : log;
		if (line == log || (strncmp(line, "processed ", 10) != 0 &&
				    strncmp(line, "verification time", 17) != 0))
			return line;
		end = line;
		*end = '\0';
	}
}

/* Returns the program's fd. Since Linux 5.11 a program's memory is charged to the
 * memory cgroup, not to RLIMIT_MEMLOCK, so that limit is left as it is. */
static int prog_load(const struct bpf_insn *insn, size_t n, struct wirt_error *err)
{
	_cleanup_free_ char *log = NULL;
	union bpf_attr a;
	int fd, e;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uintptr_t)insn;
	a.insn_cnt = (uint32_t)n;
	/* No GPL-only helper is called: any name will do. */
	a.license = (uintptr_t) "LGPL-2.1-or-later";
	memcpy(a.prog_name, PROG_NAME, sizeof(PROG_NAME));
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	/* Again with the verifier's log, which costs only on this path. */
	e = errno;
	log = calloc(1, PROG_LOG_SIZE);
	if (!log)
		return wirt_errorf(err, e, "load device program (%zu instructions)", n);
	a.log_level = 1;
	a.log_buf = (uintptr_t)log;
	a.log_size = PROG_LOG_SIZE;
	fd = bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	e = errno == ENOSPC ? e : errno; /* ENOSPC: the log was cut, not the cause */
	if (!log[0])
		return wirt_errorf(err, e, "load device program (%zu instructions)", n);
	return wirt_errorf(err, e, "load device program (%zu instructions): verifier: %s", n,
			   log_verdict(log));
}

/* The ids of the device programs attached to the cgroup itself (not inherited). */
static int prog_query(int cgfd, const char *dir, uint32_t *ids, uint32_t *ret_n,
		      struct wirt_error *err)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgfd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uintptr_t)ids;
	a.query.prog_cnt = CGROUP_PROGS_MAX;
	if (bpf(BPF_PROG_QUERY, &a) < 0)
		return wirt_errorf(err, errno, "query device programs of '%s'", dir);
	*ret_n = a.query.prog_cnt;
	return 0;
}

/* Detaches program 'id' from the cgroup if it is one of wirt's (by name). Gone
 * already is success. */
static int prog_detach_own(int cgfd, const char *dir, uint32_t id, struct wirt_error *err)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	_cleanup_close_ int fd = -1;

	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		return errno == ENOENT ? 0 : wirt_errorf(err, errno, "open device program %u", id);
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return wirt_errorf(err, errno, "read device program %u", id);
	if (strncmp(info.name, PROG_NAME, sizeof(info.name)) != 0)
		return 0;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	if (bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
		return wirt_errorf(err, errno, "detach device program %u from '%s'", id, dir);
	return 0;
}

/* Attaches the new program beside the old ones, then detaches wirt's old ones: with
 * BPF_F_ALLOW_MULTI every attached program must allow an access, so in between both
 * rule sets hold (stricter, never looser), and the cgroup is never without rules. */
static int v2_apply(const struct wirt_cgroup *cg, const struct wirt_device_rule *rules, size_t n,
		    struct wirt_error *err)
{
	_cleanup_free_ struct bpf_insn *insn = NULL;
	_cleanup_close_ int cgfd = -1, progfd = -1;
	uint32_t old[CGROUP_PROGS_MAX], n_old = 0;
	char dir[PATH_MAX];
	union bpf_attr a;
	size_t n_insn;
	int r;

	r = wirt_cgroup_devices_program(rules, n, &insn, &n_insn, err);
	if (r < 0)
		return r;
	wirt_cgroup_path(cg, NULL, dir);
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return wirt_errorf(err, errno, "open '%s'", dir);
	r = prog_query(cgfd, dir, old, &n_old, err);
	if (r < 0)
		return r;
	progfd = prog_load(insn, n_insn, err);
	if (progfd < 0)
		return progfd;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &a) < 0)
		return wirt_errorf(err, errno, "attach device program to '%s'", dir);
	for (uint32_t i = 0; i < n_old; i++) {
		r = prog_detach_own(cgfd, dir, old[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int wirt_cgroup_devices_apply(const struct wirt_cgroup *cg, const struct wirt_device_rule *rules,
			      size_t n, struct wirt_error *err)
{
	if (n == 0)
		return 0;
	if (cg->mode == WIRT_CGROUP_V1)
		return v1_apply(cg, rules, n, err);
	return v2_apply(cg, rules, n, err);
}
