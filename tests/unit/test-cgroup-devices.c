/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the cgroup v2 device program (wirt_cgroup_devices_program): each
 * generated program runs in a small interpreter of the instructions cgroup-devices.c
 * emits (and nothing else: an unknown opcode fails) against (type, major, minor,
 * access) requests, after the checks the kernel's verifier makes first (jumps in
 * range, no unreachable instruction, the last one an exit, no register read before
 * it is written, a return of 0 or 1). Fixed rule sets, then random ones against a
 * plain model of the semantics. As root where bpf(2) works, the kernel's verifier
 * takes every fixed program too.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "cgroup.h"
#include "check.h"
#include "util.h"

#define A(allow) { allow, 'a', -1, -1, "" }
#define C(allow, maj, min, acc) { allow, 'c', maj, min, acc }
#define B(allow, maj, min, acc) { allow, 'b', maj, min, acc }

/* ---- the interpreter --------------------------------------------------------------- */

static char fault[256];

/* The verifier's static checks: every jump lands inside, every instruction is
 * reachable, the program cannot run off its end. */
static bool check_cfg(const struct bpf_insn *insn, size_t n)
{
	bool seen[4096] = { false };
	size_t todo[4096], n_todo = 0;

	if (n == 0 || n > 4096) {
		snprintf(fault, sizeof(fault), "%zu instructions", n);
		return false;
	}
	todo[n_todo++] = 0;
	seen[0] = true;
	while (n_todo) {
		size_t pc = todo[--n_todo], next[2];
		int n_next = 0;
		uint8_t cls = BPF_CLASS(insn[pc].code);

		if (insn[pc].code == (BPF_JMP | BPF_EXIT))
			continue;
		if (cls == BPF_JMP || cls == BPF_JMP32) {
			long t = (long)pc + 1 + insn[pc].off;
			if (t < 0 || (size_t)t >= n) {
				snprintf(fault, sizeof(fault), "jump at %zu to %ld", pc, t);
				return false;
			}
			next[n_next++] = (size_t)t;
		}
		if (pc + 1 >= n) {
			snprintf(fault, sizeof(fault), "runs off the end at %zu", pc);
			return false;
		}
		next[n_next++] = pc + 1;
		for (int i = 0; i < n_next; i++)
			if (!seen[next[i]]) {
				seen[next[i]] = true;
				todo[n_todo++] = next[i];
			}
	}
	for (size_t pc = 0; pc < n; pc++)
		if (!seen[pc]) {
			snprintf(fault, sizeof(fault), "unreachable instruction %zu", pc);
			return false;
		}
	return true;
}

/* Runs the program on one request: 1 or 0 as the program returns, -1 on a fault. */
static int run(const struct bpf_insn *insn, size_t n, char type, uint32_t major, uint32_t minor,
	       const char *access)
{
	uint32_t ctx[3] = { 0, major, minor };
	uint64_t reg[11] = { 0 };
	bool set[11] = { false }, is_ctx[11] = { false };
	uint32_t acc = 0;

	for (const char *c = access; *c; c++)
		acc |= *c == 'r' ? BPF_DEVCG_ACC_READ : *c == 'w' ? BPF_DEVCG_ACC_WRITE :
								    BPF_DEVCG_ACC_MKNOD;
	ctx[0] = acc << 16 | (type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	set[1] = is_ctx[1] = true;
	for (size_t pc = 0, steps = 0; pc < n && steps < 10000; pc++, steps++) {
		const struct bpf_insn *i = &insn[pc];
		uint8_t d = i->dst_reg, s = i->src_reg;

		if (d > 10 || s > 10)
			goto bad;
		switch (i->code) {
		case BPF_LDX | BPF_MEM | BPF_W:
			if (!is_ctx[s] || i->off < 0 || i->off > 8 || i->off % 4)
				goto bad;
			reg[d] = ctx[i->off / 4];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			if (!set[d] || is_ctx[d])
				goto bad;
			reg[d] = (uint32_t)reg[d] & (uint32_t)i->imm;
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			if (!set[d] || is_ctx[d] || i->imm < 0 || i->imm > 31)
				goto bad;
			reg[d] = (uint32_t)reg[d] >> i->imm;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			if (!set[s] || is_ctx[s])
				goto bad;
			reg[d] = (uint32_t)reg[s];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			reg[d] = (uint64_t)(int64_t)i->imm;
			break;
		case BPF_JMP32 | BPF_JNE | BPF_K:
		case BPF_JMP32 | BPF_JEQ | BPF_K:
			if (!set[d] || is_ctx[d])
				goto bad;
			if (((uint32_t)reg[d] == (uint32_t)i->imm) == (BPF_OP(i->code) == BPF_JEQ))
				pc += i->off;
			continue;
		case BPF_JMP | BPF_EXIT:
			if (!set[0] || is_ctx[0] || reg[0] > 1)
				goto bad;
			return (int)reg[0];
		default:
			goto bad;
		}
		set[d] = true;
		is_ctx[d] = false;
		continue;
bad:
		snprintf(fault, sizeof(fault),
			 "instruction %zu (code 0x%02x dst r%u src r%u off %d imm %d)", pc, i->code,
			 d, s, i->off, i->imm);
		return -1;
	}
	snprintf(fault, sizeof(fault), "ran off the end or looped");
	return -1;
}

/* ---- fixed rule sets ------------------------------------------------------------------ */

struct req {
	char type;
	uint32_t major, minor;
	const char *access;
	int want; /* 1 allowed, 0 denied */
};

static struct bpf_insn *program(const struct wirt_device_rule *rules, size_t n, size_t *ret_n)
{
	struct wirt_error err = { 0 };
	struct bpf_insn *insn = NULL;
	int r;

	r = wirt_cgroup_devices_program(rules, n, &insn, ret_n, &err);
	CHECK_EQ_INT(0, r);
	if (r < 0) {
		fprintf(stderr, "  error: %s\n", err.msg);
		return NULL;
	}
	if (!check_cfg(insn, *ret_n)) {
		CHECK_EQ_STR("a well-formed program", fault);
		free(insn);
		return NULL;
	}
	return insn;
}

static void expect(const char *name, const struct wirt_device_rule *rules, size_t n,
		   const struct req *reqs, size_t n_reqs)
{
	struct bpf_insn *insn;
	size_t n_insn;
	char ctx[160];

	CHECK_CONTEXT(name);
	insn = program(rules, n, &n_insn);
	if (!insn)
		return;
	for (size_t i = 0; i < n_reqs; i++) {
		const struct req *q = &reqs[i];
		int got = run(insn, n_insn, q->type, q->major, q->minor, q->access);

		snprintf(ctx, sizeof(ctx), "%s: %c %u:%u %s", name, q->type, q->major, q->minor,
			 q->access);
		CHECK_CONTEXT(ctx);
		if (got < 0)
			CHECK_EQ_STR("no fault", fault);
		CHECK_EQ_INT(q->want, got);
	}
	CHECK_CONTEXT(NULL);
	free(insn);
}

#define EXPECT(name, rules, reqs) expect(name, rules, ARRAY_SIZE(rules), reqs, ARRAY_SIZE(reqs))

static void test_null_only(void)
{
	static const struct wirt_device_rule rules[] = { A(false), C(true, 1, 3, "rwm") };
	static const struct req reqs[] = {
		{ 'c', 1, 3, "rw", 1 }, { 'c', 1, 3, "r", 1 },	{ 'c', 1, 3, "w", 1 },
		{ 'c', 1, 3, "m", 1 },	{ 'c', 1, 3, "rwm", 1 }, { 'c', 1, 5, "r", 0 },
		{ 'c', 1, 5, "rw", 0 }, { 'b', 8, 0, "r", 0 },	{ 'b', 1, 3, "r", 0 },
		{ 'c', 3, 1, "r", 0 },
	};
	EXPECT("deny all, allow c 1:3 rwm", rules, reqs);
}

static void test_allow_all(void)
{
	static const struct wirt_device_rule rules[] = { A(true) };
	static const struct req reqs[] = {
		{ 'c', 1, 5, "rw", 1 }, { 'b', 8, 0, "rwm", 1 }, { 'c', 4095, 1048575, "m", 1 },
	};
	static const struct wirt_device_rule none[] = { C(true, 1, 3, "") };
	struct bpf_insn *insn;
	size_t n_insn;

	EXPECT("allow all", rules, reqs);
	/* No rule at all, and only allows: what v1's root cgroup does, allow */
	CHECK_CONTEXT("no rules");
	insn = program(none, 0, &n_insn);
	if (insn)
		CHECK_EQ_INT(1, run(insn, n_insn, 'b', 8, 0, "rw"));
	free(insn);
	CHECK_CONTEXT("only allows");
	insn = program(none, 1, &n_insn);
	if (insn)
		CHECK_EQ_INT(1, run(insn, n_insn, 'b', 8, 0, "rw"));
	free(insn);
	CHECK_CONTEXT(NULL);
}

static void test_wildcards(void)
{
	static const struct wirt_device_rule rules[] = {
		A(false),	       C(true, -1, -1, "m"), C(true, 136, -1, "rwm"),
		B(true, 8, -1, "r"), C(true, -1, 5, "rw"),
	};
	static const struct req reqs[] = {
		{ 'c', 136, 0, "rw", 1 }, { 'c', 136, 99, "w", 1 }, { 'c', 137, 0, "r", 0 },
		{ 'c', 137, 0, "m", 1 },  { 'b', 8, 16, "r", 1 },   { 'b', 8, 16, "w", 0 },
		{ 'b', 8, 16, "rw", 0 },  { 'b', 9, 0, "r", 0 },    { 'b', 9, 0, "m", 0 },
		{ 'c', 1, 5, "rw", 1 },	  { 'c', 7, 5, "r", 1 },    { 'c', 7, 6, "r", 0 },
		{ 'b', 7, 5, "r", 0 },	  { 'c', 7, 5, "rwm", 1 },
	};
	EXPECT("wildcard major and minor", rules, reqs);
}

static void test_access_subsets(void)
{
	static const struct wirt_device_rule rules[] = { A(false), C(true, 1, 3, "r") };
	static const struct req reqs[] = {
		{ 'c', 1, 3, "r", 1 }, { 'c', 1, 3, "w", 0 }, { 'c', 1, 3, "m", 0 },
		{ 'c', 1, 3, "rw", 0 },
	};
	/* Two rules for one device add up, as v1's exceptions merge */
	static const struct wirt_device_rule merged[] = { A(false), C(true, 1, 3, "r"),
							  C(true, 1, 3, "w") };
	static const struct req merged_reqs[] = {
		{ 'c', 1, 3, "rw", 1 }, { 'c', 1, 3, "m", 0 }, { 'c', 1, 3, "rwm", 0 },
	};
	static const struct wirt_device_rule mw[] = { A(false), C(true, 1, 3, "mw") };
	static const struct req mw_reqs[] = {
		{ 'c', 1, 3, "m", 1 }, { 'c', 1, 3, "w", 1 }, { 'c', 1, 3, "r", 0 },
	};
	EXPECT("access r only", rules, reqs);
	EXPECT("access r, then w", merged, merged_reqs);
	EXPECT("access mw", mw, mw_reqs);
}

static void test_last_match_wins(void)
{
	static const struct wirt_device_rule deny_w[] = { A(false), C(true, 1, 3, "rwm"),
							  C(false, 1, 3, "w") };
	static const struct req deny_w_reqs[] = {
		{ 'c', 1, 3, "r", 1 }, { 'c', 1, 3, "w", 0 }, { 'c', 1, 3, "rw", 0 },
		{ 'c', 1, 3, "m", 1 },
	};
	/* A deny after a wildcard allow holds (v1 would ignore it: it removes only an
	 * exception of exactly its own shape) */
	static const struct wirt_device_rule hole[] = { A(false), C(true, -1, -1, "rwm"),
							C(false, 1, 3, "") };
	static const struct req hole_reqs[] = {
		{ 'c', 1, 3, "r", 0 }, { 'c', 1, 5, "r", 1 }, { 'b', 1, 3, "r", 0 },
	};
	/* ... and an allow after the deny opens it again */
	static const struct wirt_device_rule again[] = { A(false), C(false, 1, 3, "rwm"),
							 C(true, 1, 3, "r") };
	static const struct req again_reqs[] = { { 'c', 1, 3, "r", 1 }, { 'c', 1, 3, "w", 0 } };
	EXPECT("allow rwm, deny w", deny_w, deny_w_reqs);
	EXPECT("allow c *:*, deny c 1:3", hole, hole_reqs);
	EXPECT("deny c 1:3, allow r", again, again_reqs);
}

static void test_resets(void)
{
	/* Whatever came before an 'a' rule is gone, whatever it says besides its type */
	static const struct wirt_device_rule deny_after[] = { C(true, 1, 3, "rwm"), A(false) };
	static const struct req deny_after_reqs[] = { { 'c', 1, 3, "r", 0 },
						      { 'b', 8, 0, "m", 0 } };
	static const struct wirt_device_rule allow_after[] = {
		A(false), C(true, 1, 3, "rwm"), { true, 'a', 4, 5, "r" }, B(false, 8, 0, "rwm"),
	};
	static const struct req allow_after_reqs[] = {
		{ 'b', 8, 0, "r", 0 }, { 'b', 8, 0, "m", 0 }, { 'b', 8, 1, "rw", 1 },
		{ 'c', 1, 3, "rw", 1 }, { 'c', 1, 5, "rw", 1 },
	};
	/* No 'a' rule: v1's default, allow; deny rules cut out of it */
	static const struct wirt_device_rule blacklist[] = { B(false, 8, 0, "w"),
							     C(false, 10, -1, "") };
	static const struct req blacklist_reqs[] = {
		{ 'b', 8, 0, "r", 1 },	{ 'b', 8, 0, "w", 0 },	 { 'b', 8, 0, "rw", 0 },
		{ 'b', 8, 1, "w", 1 },	{ 'c', 10, 200, "r", 0 }, { 'c', 11, 0, "r", 1 },
	};
	EXPECT("allow c 1:3, deny all", deny_after, deny_after_reqs);
	EXPECT("deny all, allow c 1:3, allow all, deny b 8:0", allow_after, allow_after_reqs);
	EXPECT("deny b 8:0 w, deny c 10:*", blacklist, blacklist_reqs);
}

/* What wirt-oci hands over for runc's default spec: deny all, then runc's allowances */
static const struct wirt_device_rule oci_default[] = {
	A(false),
	C(true, -1, -1, "m"),
	B(true, -1, -1, "m"),
	C(true, 1, 3, "rwm"),
	C(true, 1, 5, "rwm"),
	C(true, 1, 7, "rwm"),
	C(true, 1, 8, "rwm"),
	C(true, 1, 9, "rwm"),
	C(true, 5, 0, "rwm"),
	C(true, 5, 1, "rwm"),
	C(true, 5, 2, "rwm"),
	C(true, 136, -1, "rwm"),
	C(true, 10, 200, "rwm"),
};

static void test_oci_default(void)
{
	static const struct req reqs[] = {
		{ 'c', 1, 3, "rw", 1 },	   { 'c', 1, 9, "r", 1 },  { 'c', 5, 2, "rw", 1 },
		{ 'c', 136, 3, "rw", 1 },  { 'c', 10, 200, "rw", 1 }, { 'b', 8, 0, "m", 1 },
		{ 'b', 8, 0, "r", 0 },	   { 'b', 254, 0, "rw", 0 }, { 'c', 1, 1, "r", 0 },
		{ 'c', 10, 229, "rw", 0 }, { 'c', 4, 1, "m", 1 },
	};
	EXPECT("runc's default allowances", oci_default, reqs);
}

static void test_big_numbers(void)
{
	static const struct wirt_device_rule rules[] = { A(false),
							 C(true, 4294967295, 2147483648, "") };
	static const struct req reqs[] = {
		{ 'c', 4294967295u, 2147483648u, "r", 1 },
		{ 'c', 2147483647u, 2147483648u, "r", 0 },
		{ 'c', 4294967295u, 0, "r", 0 },
	};
	EXPECT("majors and minors up to 2^32-1", rules, reqs);
}

static void test_sizes(void)
{
	static const struct wirt_device_rule null_only[] = { A(false), C(true, 1, 3, "rwm") };
	static const struct wirt_device_rule shadowed[] = {
		A(false), C(false, 1, 3, "rwm"), C(false, 1, 5, "rwm"), C(true, 1, 9, ""),
	};
	static const struct wirt_device_rule allow_all[] = { C(false, 1, 3, ""), A(true) };
	struct bpf_insn *insn;
	size_t n;

	/* 6 to read the context, 5 for the rule (3 tests, return 1), 2 for the default */
	CHECK_CONTEXT("size: deny all, allow c 1:3");
	insn = program(null_only, 2, &n);
	CHECK_EQ_INT(13, n);
	free(insn);
	/* denies before the first allow say what the default says: left out */
	CHECK_CONTEXT("size: deny all, deny c 1:3, deny c 1:5, allow c 1:9");
	insn = program(shadowed, 4, &n);
	CHECK_EQ_INT(13, n);
	free(insn);
	CHECK_CONTEXT("size: deny c 1:3, allow all");
	insn = program(allow_all, 2, &n);
	CHECK_EQ_INT(8, n);
	free(insn);
	CHECK_CONTEXT(NULL);
}

static void expect_error(const char *name, struct wirt_device_rule rule, const char *msg)
{
	struct wirt_device_rule rules[2] = { A(false), rule };
	struct wirt_error err = { 0 };
	struct bpf_insn *insn = NULL;
	size_t n = 0;

	CHECK_CONTEXT(name);
	CHECK_EQ_INT(-EINVAL, wirt_cgroup_devices_program(rules, 2, &insn, &n, &err));
	CHECK_CONTAINS(err.msg, "device rule 1: ");
	CHECK_CONTAINS(err.msg, msg);
	CHECK(insn == NULL);
	CHECK_CONTEXT(NULL);
}

static void test_errors(void)
{
	expect_error("access x", (struct wirt_device_rule)C(true, 1, 3, "rx"),
		     "device access 'rx' is not some of 'rwm'");
	expect_error("type u", (struct wirt_device_rule){ true, 'u', 1, 3, "" },
		     "device type 'u' is not one of a, c, b");
	expect_error("major -2", (struct wirt_device_rule)C(true, -2, 3, ""),
		     "device major -2 out of range");
	expect_error("minor 2^32", (struct wirt_device_rule)C(true, 1, 4294967296, ""),
		     "device minor 4294967296 out of range");
}

/* ---- random rule sets against the model ----------------------------------------------- */

/* The semantics, said plainly: per access bit, go through the rules in order; an 'a'
 * rule sets the bit's verdict to its own, a matching rule naming the bit too; at the
 * start the verdict is allow. The request is allowed when every bit of it is. */
static int model(const struct wirt_device_rule *rules, size_t n, char type, uint32_t major,
		 uint32_t minor, const char *access)
{
	for (const char *bit = access; *bit; bit++) {
		bool allow = true;

		for (size_t i = 0; i < n; i++) {
			const struct wirt_device_rule *d = &rules[i];

			if (d->type == 'a')
				allow = d->allow;
			else if (d->type == type && (d->major < 0 || d->major == major) &&
				 (d->minor < 0 || d->minor == minor) &&
				 (!d->access[0] || strchr(d->access, *bit)))
				allow = d->allow;
		}
		if (!allow)
			return 0;
	}
	return 1;
}

static void test_random(void)
{
	static const char *const accesses[] = { "", "r", "w", "m", "rw", "rm", "wm", "rwm" };
	static const int64_t nums[] = { -1, -1, 1, 3, 8 };
	static const uint32_t qnums[] = { 1, 3, 8, 0 };
	unsigned seed = 20240611;
	int mismatches = 0;

	srand(seed);
	for (int set = 0; set < 3000 && mismatches < 5; set++) {
		struct wirt_device_rule rules[10];
		size_t n = 1 + (size_t)rand() % 10, n_insn;
		struct bpf_insn *insn;

		for (size_t i = 0; i < n; i++) {
			int t = rand() % 7;

			rules[i] = (struct wirt_device_rule){
				.allow = rand() % 2,
				.type = t == 0 ? 'a' : t < 4 ? 'c' : 'b',
				.major = nums[rand() % 5],
				.minor = nums[rand() % 5],
			};
			strcpy(rules[i].access, accesses[rand() % 8]);
		}
		CHECK_CONTEXT("random rule set");
		insn = program(rules, n, &n_insn);
		if (!insn)
			return;
		for (int q = 0; q < 40; q++) {
			char type = rand() % 2 ? 'c' : 'b';
			uint32_t major = qnums[rand() % 4], minor = qnums[rand() % 4];
			const char *access = accesses[1 + rand() % 7];
			int want = model(rules, n, type, major, minor, access);
			int got = run(insn, n_insn, type, major, minor, access);

			if (got == want)
				continue;
			mismatches++;
			fprintf(stderr,
				"random set %d, request %c %u:%u %s: model %d, program %d%s%s\n",
				set, type, major, minor, access, want, got, got < 0 ? ": " : "",
				got < 0 ? fault : "");
			for (size_t i = 0; i < n; i++)
				fprintf(stderr, "  rule %zu: %s %c %lld:%lld '%s'\n", i,
					rules[i].allow ? "allow" : "deny", rules[i].type,
					(long long)rules[i].major, (long long)rules[i].minor,
					rules[i].access);
			break;
		}
		free(insn);
	}
	CHECK_EQ_INT(0, mismatches);
	CHECK_CONTEXT(NULL);
}

/* ---- the kernel's verifier (root, where bpf(2) works) ---------------------------------- */

static void test_kernel_verifier(void)
{
	static const struct wirt_device_rule deny_w[] = {
		A(false), C(true, 1, 3, "rwm"), C(false, 1, 3, "w"), B(true, 8, -1, "r"),
	};
	static char log[65536];
	struct {
		const char *name;
		const struct wirt_device_rule *rules;
		size_t n;
	} sets[] = {
		{ "runc's default allowances", oci_default, ARRAY_SIZE(oci_default) },
		{ "allow rwm, deny w, allow b 8:* r", deny_w, 4 },
		{ "no rules", oci_default, 0 },
	};

	if (geteuid() != 0) {
		fprintf(stderr, "kernel verifier: skipped (not root)\n");
		return;
	}
	for (size_t s = 0; s < ARRAY_SIZE(sets); s++) {
		union bpf_attr a;
		struct bpf_insn *insn;
		size_t n;
		int fd;

		CHECK_CONTEXT(sets[s].name);
		insn = program(sets[s].rules, sets[s].n, &n);
		if (!insn)
			continue;
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		a.insns = (uintptr_t)insn;
		a.insn_cnt = (uint32_t)n;
		a.license = (uintptr_t) "LGPL-2.1-or-later";
		a.log_level = 1;
		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		log[0] = '\0';
		fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
		free(insn);
		if (fd < 0 && (errno == EPERM || errno == ENOSYS || errno == EINVAL) && !log[0]) {
			fprintf(stderr, "kernel verifier: skipped (bpf: %s)\n", strerror(errno));
			break;
		}
		if (fd < 0)
			fprintf(stderr, "verifier log:\n%s\n", log);
		CHECK(fd >= 0);
		if (fd >= 0)
			close(fd);
	}
	CHECK_CONTEXT(NULL);
}

int main(void)
{
	test_null_only();
	test_allow_all();
	test_wildcards();
	test_access_subsets();
	test_last_match_wins();
	test_resets();
	test_oci_default();
	test_big_numbers();
	test_sizes();
	test_errors();
	test_random();
	test_kernel_verifier();
	return check_exit("test-cgroup-devices");
}
