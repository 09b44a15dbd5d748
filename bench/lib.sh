# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/lib.sh: helpers the bench scripts source. A throw-away wirt root with its own
# id registry, and a cleanup that stops and deletes every vServer in it, removes it and
# then checks that nothing is left: no cgroups of that root, no mounts, no processes.
# shellcheck shell=bash disable=SC2034  # the variables are for the scripts that source this

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WIRT_SRC=$(realpath "${WIRT:-$BENCH_DIR/../build/wirt}")
WIRT=$WIRT_SRC

bench_log() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
bench_die() { bench_log "$*"; exit 1; }

# The cgroup dir wirt uses for a non-default root: "wirt-" + FNV-1a of the realpath
# (src/lib/cgroup.c). Masking every step gives the same low 32 bits as the C code.
bench_cgroup_tag() {
	local s h=2166136261 i c
	s=$(realpath "$1")
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(( ((h ^ c) * 16777619) & 0xffffffff ))
	done
	printf 'wirt-%08x\n' "$h"
}

# bench_root_new: sets BENCH_ROOT, BENCH_IDS (a private WIRT_ID_REGISTRY) and
# BENCH_TAG. The root must be traversable (0755): guest ids are not host root and
# mktemp's 0700 makes start fail with "bind root ...: Permission denied".
# The binaries are copied first: others rebuild build/ while a long run goes on, and
# a relink mid-run fails every later call ("Permission denied") and the cleanup with it.
bench_root_new() {
	BENCH_ROOT=$(mktemp -d /tmp/wirt-bench.XXXXXX)
	chmod 0755 "$BENCH_ROOT"
	BENCH_IDS=$(mktemp -d /tmp/wirt-bench-ids.XXXXXX)
	export WIRT_ID_REGISTRY=$BENCH_IDS
	BENCH_TAG=$(bench_cgroup_tag "$BENCH_ROOT")
	BENCH_BIN=$(mktemp -d /tmp/wirt-bench-bin.XXXXXX)
	WIRT=$BENCH_BIN/wirt
	cp "$WIRT_SRC" "$WIRT"
	# wirt start runs wirt-supervisor, and that wirt-network, from beside the wirt
	# binary (src/lib/supervisor.c)
	for helper in wirt-supervisor wirt-network; do
		if [ -e "${WIRT_SRC%/*}/$helper" ]; then
			cp "${WIRT_SRC%/*}/$helper" "$BENCH_BIN/"
		fi
	done
	BENCH_WIRT_VERSION="$("$WIRT" --version), built $(date -r "$WIRT_SRC" -Is), tree $(git -C \
		"$BENCH_DIR" describe --always --dirty 2>/dev/null || echo '?')"
}

w() { "$WIRT" --root "$BENCH_ROOT" "$@"; }

bench_template_busybox() {
	w template build busybox >/dev/null || bench_die "wirt template build busybox failed"
	BENCH_ROOTFS=$BENCH_ROOT/templates/busybox/rootfs
}

# Field of `wirt status NAME --json` (numbers and null only).
bench_status_field() {
	w status "$1" --json 2>/dev/null | sed -n "s/.*\"$2\":\([0-9a-z]*\).*/\1/p"
}

# Live (non-zombie) processes whose command line names the root. This machine's PID 1
# does not reap orphans, so exited supervisors linger as zombies: those are ignored.
bench_live_procs() {
	local p st
	for p in /proc/[0-9]*; do
		[ -r "$p/cmdline" ] || continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$BENCH_ROOT" || continue
		st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "$p/status" 2>/dev/null)
		[ "$st" = Z ] || [ -z "$st" ] || echo "${p#/proc/}"
	done
}

# When wirt could not stop or delete: kill what runs in this root's cgroups and its
# supervisors (all started by this script, killed by pid), then remove the cgroups.
bench_force_cleanup() {
	local pids d
	bench_log "cleanup: wirt left things behind; killing by cgroup and removing by hand"
	pids=$(cat /sys/fs/cgroup/*/"$BENCH_TAG"/*/cgroup.procs 2>/dev/null | sort -u)
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
	pids=$(bench_live_procs)
	[ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
	sleep 1
	for d in /sys/fs/cgroup/*/"$BENCH_TAG"; do
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || true
	done
}

# Stop and delete every vServer, remove the root, then report anything left behind.
# Safe to call twice and from a trap. Returns 1 if something leaked.
bench_cleanup() {
	local rc=0 name left
	[ -n "${BENCH_ROOT:-}" ] && [ -d "$BENCH_ROOT" ] || return 0
	if [ -d "$BENCH_ROOT/vservers" ]; then
		for name in "$BENCH_ROOT"/vservers/*; do
			[ -d "$name" ] || continue
			name=${name##*/}
			w stop --force "$name" >/dev/null 2>&1 || true
			w delete --force "$name" >/dev/null 2>&1 ||
				{ bench_log "cleanup: wirt delete --force $name failed"; rc=1; }
		done
	fi
	[ -d "$BENCH_ROOT/templates/busybox" ] && { w template delete busybox >/dev/null 2>&1 || true; }
	left=$(bench_live_procs)
	if [ -n "$left" ]; then
		bench_log "cleanup: processes still running under $BENCH_ROOT: $(echo $left)"
		rc=1
	fi
	[ $rc -eq 0 ] || bench_force_cleanup
	if grep -qF -- "$BENCH_ROOT" /proc/self/mountinfo; then
		bench_log "cleanup: mounts left under $BENCH_ROOT:"
		grep -F -- "$BENCH_ROOT" /proc/self/mountinfo >&2
		rc=1
	fi
	rm -rf --one-file-system "$BENCH_ROOT" "$BENCH_IDS" "$BENCH_BIN" ||
		{ bench_log "cleanup: rm -rf $BENCH_ROOT failed"; rc=1; }
	left=$(find /sys/fs/cgroup -maxdepth 3 -name "$BENCH_TAG" 2>/dev/null)
	if [ -n "$left" ]; then
		bench_log "cleanup: cgroups left: $(echo $left)"
		rc=1
	fi
	[ $rc -eq 0 ] && bench_log "cleanup: $BENCH_ROOT removed; no cgroups ($BENCH_TAG), mounts or processes left"
	BENCH_ROOT=
	return $rc
}
