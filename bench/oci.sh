#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/oci.sh: wirt-oci against crun and runc on one OCI bundle (a busybox rootfs,
# config.json from `crun spec` with args ["/bin/true"], terminal false, the namespaces
# `crun spec` gives: pid, network, ipc, uts, mount). Three hyperfine runs, each with the
# floor in it, so that only ratios inside one run are compared:
#   run        R run, and the floor `unshare <the same namespaces> chroot ROOTFS /bin/true`
#              (--shell=none: no shell in the measurement)
#   lifecycle  `R create && R start && R delete --force` (one sh -c string per runtime;
#              hyperfine subtracts the shell's start-up; the floor runs through it too)
#   exec       R exec ID /bin/true into a running `sleep` container (--shell=none)
# and the peak RSS of `R create` (bench/README.md, "Reading the numbers", says what it counts).
# Everything runs in a private mount namespace in which the hybrid host's cgroup2 mount
# (/sys/fs/cgroup/unified) is unmounted: crun 1.8 refuses hybrid hosts. The host's own
# mounts are not touched.
# Usage: bench/oci.sh [RUNTIME...]   (default: wirt-oci crun runc)
#        env: RUNS=50 WARMUP=5 RSS_RUNS=10 BENCH_OUT=bench/out WIRT_OCI_BIN=build/wirt-oci
# Exit: 0 all measured; 2 measured what works, but a runtime or a verb was skipped
# (printed as ERROR, no figure); 1 failure, or something was left behind.
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
RSS_RUNS=${RSS_RUNS:-10}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
# wirt-oci is built beside wirt (meson.build), as tests/integration/ocibundle.py finds it
WIRT_OCI_SRC=${WIRT_OCI_BIN:-${WIRT_SRC%/*}/wirt-oci}
BUSYBOX=${BUSYBOX:-/bin/busybox}
if [ $# -gt 0 ]; then RUNTIMES=("$@"); else RUNTIMES=(wirt-oci crun runc); fi

# --- outside: checks, then the same script again in a private mount namespace ---------
if [ -z "${BENCH_OCI_NS:-}" ]; then
	[ "$(id -u)" = 0 ] || bench_die "run as root"
	for t in hyperfine jq unshare chroot /usr/bin/time; do
		command -v "$t" >/dev/null || bench_die "$t is not installed"
	done
	[ -x "$BUSYBOX" ] || bench_die "$BUSYBOX missing (apt-get install busybox-static)"
	! ldd "$BUSYBOX" >/dev/null 2>&1 || bench_die "$BUSYBOX is not static (busybox-static)"
	command -v crun >/dev/null || bench_die "crun is needed for 'crun spec' (the bundle's config.json)"
	mkdir -p "$OUT"
	exec unshare --mount --propagation private -- env BENCH_OCI_NS=1 bash "$0" "$@"
fi

# --- inside the private mount namespace ----------------------------------------------
# crun 1.8 refuses a hybrid host ("cgroups in hybrid mode not supported, drop all
# controllers from cgroupv2") even with --cgroup-manager=disabled. Unmounting the cgroup2
# mount here makes this namespace a plain cgroup v1 host for all three runtimes alike.
# An empty tmpfs then takes its place: crun still makes a dir for the "0::" line of
# /proc/self/cgroup there and writes a cgroup.procs file into it, which must not land in
# the host's /sys/fs/cgroup tmpfs (hidden under the cgroup2 mount, but there); the
# tmpfs and what crun left in it go away with this namespace.
CG_NOTE="cgroups as the host has them"
CG_PRUNE=/nonexistent
if mountpoint -q /sys/fs/cgroup/unified; then
	umount /sys/fs/cgroup/unified 2>/dev/null || umount -l /sys/fs/cgroup/unified ||
		bench_die "cannot unmount /sys/fs/cgroup/unified in the private mount namespace"
	mount -t tmpfs -o size=1M,mode=0755 bench-oci /sys/fs/cgroup/unified ||
		bench_die "cannot mount a tmpfs on /sys/fs/cgroup/unified in the private mount namespace"
	CG_NOTE="cgroup v1 only: /sys/fs/cgroup/unified unmounted (an empty tmpfs in its place) in this private mount namespace"
	CG_PRUNE=/sys/fs/cgroup/unified
fi

STAMP=$(date +%Y%m%d-%H%M%S)
PFX=bench-oci-$$              # every container id starts with this
TMP=
SKIPPED=()
declare -A BIN                # runtime -> binary

skip() { # RUNTIME VERB REASON...
	local rt=$1 verb=$2
	shift 2
	SKIPPED+=("$rt $verb: $*")
	bench_log "ERROR: $rt $verb skipped, no figure for it: $*"
}

rt_cmd() { echo "${BIN[$1]} --root $TMP/state-$1"; }

# Processes of ours that are still alive: in a cgroup named after a container id, or
# with the temporary dir in the command line (crun's init before exec, wirt-oci's
# helpers). Zombies are left to PID 1.
live_procs() {
	local p st
	{
		find /sys/fs/cgroup -maxdepth 5 -path "$CG_PRUNE" -prune -o -type d -name "*$PFX*" -print 2>/dev/null |
			while read -r d; do cat "$d/cgroup.procs" 2>/dev/null; done
		for p in /proc/[0-9]*; do
			{ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -qF -- "$TMP/" && echo "${p#/proc/}"
		done
	} | sort -un | while read -r p; do
		[ "$p" = $$ ] && continue
		st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$p/status" 2>/dev/null)
		[ "$st" = Z ] || [ -z "$st" ] || echo "$p"
	done
}

# Delete every container of every runtime (the known ids and whatever is in the state
# dirs), then check that no process, cgroup or mount is left; kill and remove by hand
# if one is, and say so. Safe to call twice. Returns 1 if something was left.
cleanup() {
	local rc=0 rt id ids left d
	[ -n "$TMP" ] && [ -d "$TMP" ] || return 0
	trap '' INT TERM # a second Ctrl-C must not cut the cleanup short
	for rt in "${!BIN[@]}"; do
		[ -d "$TMP/state-$rt" ] || continue
		ids=$(for v in probe run life rss exec; do echo "$PFX-$rt-$v"; done
			find "$TMP/state-$rt" -mindepth 1 -maxdepth 1 -type d -printf '%f\n')
		for id in $(echo "$ids" | sort -u); do
			# shellcheck disable=SC2046
			timeout 30 $(rt_cmd "$rt") delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	left=$(live_procs)
	if [ -n "$left" ]; then
		bench_log "cleanup: processes left after delete --force: ${left//$'\n'/ }; killing them"
		# shellcheck disable=SC2086  # one pid a word
		kill -9 $left 2>/dev/null || true
		sleep 1
		rc=1
	fi
	for d in $(find /sys/fs/cgroup -maxdepth 5 -path "$CG_PRUNE" -prune -o -type d -name "*$PFX*" -print 2>/dev/null | sort -r); do
		bench_log "cleanup: cgroup left: $d; removing it"
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || bench_log "cleanup: cannot remove $d"
		rc=1
	done
	if grep -qF -- "$TMP" /proc/self/mountinfo; then
		bench_log "cleanup: mounts left under $TMP:"
		grep -F -- "$TMP" /proc/self/mountinfo >&2
		rc=1
	fi
	rm -rf --one-file-system "$TMP" || { bench_log "cleanup: rm -rf $TMP failed"; rc=1; }
	[ $rc -eq 0 ] && bench_log "cleanup: every container deleted, $TMP removed; no process, cgroup ($PFX-*) or mount left"
	TMP=
	return $rc
}
trap 'cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

TMP=$(mktemp -d /tmp/bench-oci.XXXXXX)
chmod 0755 "$TMP"
bench_log "temporary dir $TMP, container ids $PFX-*; $CG_NOTE"

# --- runtimes ------------------------------------------------------------------------
# wirt-oci is copied first (with the helpers beside it), so a rebuild of build/ during
# the run does not break it.
for rt in "${RUNTIMES[@]}"; do
	case $rt in
	wirt-oci)
		if [ ! -x "$WIRT_OCI_SRC" ]; then
			skip wirt-oci all "$WIRT_OCI_SRC not found (ninja -C build, or set WIRT_OCI_BIN)"
			continue
		fi
		mkdir -p "$TMP/bin"
		cp "$WIRT_OCI_SRC" "$TMP/bin/wirt-oci"
		for helper in wirt-supervisor wirt-network wirt; do
			[ ! -e "${WIRT_OCI_SRC%/*}/$helper" ] || cp "${WIRT_OCI_SRC%/*}/$helper" "$TMP/bin/"
		done
		BIN[wirt-oci]=$TMP/bin/wirt-oci ;;
	crun | runc)
		if ! command -v "$rt" >/dev/null; then
			skip "$rt" all "not installed"
			continue
		fi
		BIN[$rt]=$(command -v "$rt") ;;
	*) bench_die "unknown runtime '$rt' (wirt-oci, crun, runc)" ;;
	esac
	mkdir -m 0700 "$TMP/state-$rt"
done

# --- the bundle ----------------------------------------------------------------------
ROOTFS=$TMP/bundle/rootfs
mkdir -p "$ROOTFS/bin" "$ROOTFS"/{proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$ROOTFS/bin/busybox"
for a in $("$BUSYBOX" --list); do
	[ -e "$ROOTFS/bin/$a" ] || ln -s busybox "$ROOTFS/bin/$a"
done
(cd "$TMP/bundle" && crun spec)
jq '.process.args = ["/bin/true"] | .process.terminal = false' \
	"$TMP/bundle/config.json" >"$TMP/config.json" && mv "$TMP/config.json" "$TMP/bundle/config.json"
# The exec target: the same rootfs running sleep
mkdir -p "$TMP/bundle-sleep"
jq --arg root "$ROOTFS" '.process.args = ["/bin/sleep", "86400"] | .root.path = $root' \
	"$TMP/bundle/config.json" >"$TMP/bundle-sleep/config.json"

# The floor: unshare with the namespaces of config.json, chroot, /bin/true
floor_ns=$(jq -r '[.linux.namespaces[].type | {pid: "--pid --fork", network: "--net",
	mount: "--mount", ipc: "--ipc", uts: "--uts", cgroup: "--cgroup", user: "--user",
	time: "--time"}[.] // error("namespace \(.) in config.json: no unshare flag")] | join(" ")' \
	"$TMP/bundle/config.json")
FLOOR="$(command -v unshare) $floor_ns $(command -v chroot) $ROOTFS /bin/true"
bench_log "bundle $TMP/bundle: namespaces $(jq -c '[.linux.namespaces[].type]' "$TMP/bundle/config.json"), args [\"/bin/true\"]; floor: $FLOOR"
$FLOOR || bench_die "the floor failed: $FLOOR"

# --- probes: each verb once, before hyperfine, so that a runtime that cannot do it is
# skipped with its own error message instead of breaking the run -----------------------
B=$TMP/bundle
probe() { # RUNTIME VERB COMMAND... (a shell string after VERB)
	local rt=$1 verb=$2 err=$TMP/probe-$1-$2.err rc=0
	shift 2
	timeout 60 sh -c "$*" </dev/null >/dev/null 2>"$err" || rc=$?
	[ $rc -ne 0 ] || return 0
	skip "$rt" "$verb" "'${*//$TMP/TMP}' failed (exit $rc): $(head -c 300 "$err" | tr '\n' ' ')"
	timeout 30 sh -c "$(rt_cmd "$rt") delete --force $PFX-$rt-probe" >/dev/null 2>&1 || true
	return 1
}

HAVE_RUN=() HAVE_LIFE=() HAVE_EXEC=() HAVE_RSS=()
for rt in "${RUNTIMES[@]}"; do
	[ -n "${BIN[$rt]:-}" ] || continue
	R=$(rt_cmd "$rt")
	id=$PFX-$rt-probe
	if probe "$rt" run "$R run --bundle $B $id"; then
		HAVE_RUN+=("$rt")
	fi
	if probe "$rt" create+start+delete \
		"$R create --bundle $B $id && $R start $id && $R delete --force $id"; then
		HAVE_LIFE+=("$rt")
		HAVE_RSS+=("$rt")
	fi
	# the exec target stays until the cleanup; its stdio must not hold our pipes open
	id=$PFX-$rt-exec
	if probe "$rt" exec "$R create --bundle $TMP/bundle-sleep $id && $R start $id && $R exec $id /bin/true"; then
		HAVE_EXEC+=("$rt")
	fi
done

# --- hyperfine -----------------------------------------------------------------------
versions() {
	local rt
	for rt in "${!BIN[@]}"; do "${BIN[$rt]}" --version 2>&1 | head -1; done | sort | paste -sd';' -
}
echo "command: bench/oci.sh${*:+ $*}  (RUNS=$RUNS WARMUP=$WARMUP RSS_RUNS=$RSS_RUNS); runtimes: ${RUNTIMES[*]}"
bench_log "$(hyperfine --version); $(versions)"
bench_log "kernel $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -Is); tree $(git -C "$BENCH_DIR" describe --always --dirty 2>/dev/null || echo '?')"
[ -z "${BIN[wirt-oci]:-}" ] || bench_log "wirt-oci: $WIRT_OCI_SRC, built $(date -r "$WIRT_OCI_SRC" -Is)"

# hf NAME HYPERFINE-OPTIONS... -- NAME1 CMD1 NAME2 CMD2 ...
hf() {
	local what=$1 args=()
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	while [ $# -gt 0 ]; do args+=(-n "$1" "$2"); shift 2; done
	echo
	echo "== $what: hyperfine --warmup $WARMUP --runs $RUNS ${args[0]}"
	hyperfine --warmup "$WARMUP" --runs "$RUNS" --export-markdown "$OUT/oci-$STAMP-$what.md" \
		--export-json "$OUT/oci-$STAMP-$what.json" "${args[@]}"
}

# Each command against the run's floor, then wirt-oci/crun, wirt-oci/runc, crun/runc.
ratios() { # WHAT VERB
	local json=$OUT/oci-$STAMP-$1.json verb=$2 a b
	echo
	echo "$1: ratios from this one hyperfine run ($json)"
	jq -r '
		def ms: . * 1000 * 100 | round / 100;
		def r2: . * 100 | round / 100;
		(.results[] | select(.command == "floor")) as $f
		| (["command", "mean ms", "median ms", "min", "max", "mean/floor", "median/floor"] | @tsv),
		  (.results[] | [.command, "\(.mean | ms) ± \(.stddev | ms)", (.median | ms),
			(.min | ms), (.max | ms), (.mean / $f.mean | r2), (.median / $f.median | r2)] | @tsv)
		' "$json" | column -t -s $'\t'
	jq -r '[.results[] | select(.stddev > 0.15 * .mean) | .command] | select(length > 0)
		| "  noisy: σ above 15 % of the mean for \(join(", ")): the machine was busy, repeat"' "$json"
	for pair in wirt-oci:crun wirt-oci:runc crun:runc; do
		a=${pair%:*} b=${pair#*:}
		jq -r --arg a "$a $verb" --arg b "$b $verb" '
			def r2: . * 100 | round / 100;
			(.results | map({key: .command, value: .}) | from_entries) as $r
			| if $r[$a] and $r[$b] then
				"  \($a) / \($b): mean \($r[$a].mean / $r[$b].mean | r2), median \($r[$a].median / $r[$b].median | r2)"
			  else "  \($a) / \($b): n/a, " + ([$a, $b] | map(select($r[.] == null)) | join(", ")) + " not measured (ERROR below)"
			  end' "$json"
	done
}

# Appends NAME CMD pairs for hf to CMDS: VERB TEMPLATE RUNTIME... (in TEMPLATE, @R@ is
# "RUNTIME --root STATE", @ID@ the container id)
cmds_for() {
	local verb=$1 tpl=$2 rt c
	shift 2
	for rt in "$@"; do
		c=${tpl//@R@/$(rt_cmd "$rt")}
		CMDS+=("$rt ${verb/life/create+start+delete}" "${c//@ID@/$PFX-$rt-$verb}")
	done
}

if [ ${#HAVE_RUN[@]} -gt 0 ]; then
	CMDS=()
	cmds_for run "@R@ run --bundle $B @ID@" "${HAVE_RUN[@]}"
	hf run -N -- "${CMDS[@]}" floor "$FLOOR"
fi
if [ ${#HAVE_LIFE[@]} -gt 0 ]; then
	CMDS=()
	cmds_for life "@R@ create --bundle $B @ID@ && @R@ start @ID@ && @R@ delete --force @ID@" "${HAVE_LIFE[@]}"
	hf lifecycle --shell=sh -- "${CMDS[@]}" floor "$FLOOR"
fi
if [ ${#HAVE_EXEC[@]} -gt 0 ]; then
	CMDS=()
	cmds_for exec "@R@ exec @ID@ /bin/true" "${HAVE_EXEC[@]}"
	hf exec -N -- "${CMDS[@]}" floor "$FLOOR"
fi

# --- peak RSS of create ----------------------------------------------------------------
# "create": GNU time's %M, the ru_maxrss that wait4() returns for `R create`: the peak of
# that process over all its execs, and of every descendant it waited for (runc: the
# first `runc init` process, which leaves the container's process behind). "init": VmHWM of the container's process (the pid in `R
# state`) right after create returned, before start: the child that stays and waits to
# exec /bin/true (crun: a fork of crun; runc: the re-exec'd `runc init`, stage 2).
# Each process counts its shared pages (the runtime binary, libc) in full.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "n/a" }'; }
RSS_CSV=$OUT/oci-$STAMP-rss.csv
echo "runtime,try,create_maxrss_kib,init_vmhwm_kib,init_cmd" >"$RSS_CSV"
for rt in "${HAVE_RSS[@]}"; do
	R=$(rt_cmd "$rt")
	id=$PFX-$rt-rss
	for ((i = 1; i <= RSS_RUNS; i++)); do
		# shellcheck disable=SC2086
		/usr/bin/time -f %M -o "$TMP/rss" $R create --bundle "$B" "$id" \
			</dev/null >/dev/null 2>"$TMP/rss.err" ||
			bench_die "$rt create failed during the RSS measurement: $(cat "$TMP/rss.err")"
		# shellcheck disable=SC2086
		pid=$($R state "$id" 2>/dev/null | jq -r '.pid // empty' 2>/dev/null || true)
		hwm=n/a cmd=n/a
		if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
			hwm=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
			cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
			cmd=${cmd//$TMP/TMP}
		fi
		echo "$rt,$i,$(tail -1 "$TMP/rss"),$hwm,\"${cmd% }\"" >>"$RSS_CSV"
		# shellcheck disable=SC2086
		$R delete --force "$id" >/dev/null 2>&1 || bench_die "$rt delete --force $id failed"
	done
done
echo
echo "peak RSS of create, $RSS_RUNS tries each, KiB ($RSS_CSV):"
{
	echo "runtime	create (median)	create (max)	init (median)	init (max)	init's command line"
	for rt in "${HAVE_RSS[@]}"; do
		col() { awk -F, -v rt="$rt" -v c="$1" '$1 == rt && $c != "n/a" { print $c }' "$RSS_CSV"; }
		echo "$rt	$(col 3 | median)	$(col 3 | sort -n | tail -1)	$(col 4 | median)	$(col 4 | sort -n | tail -1)	$(awk -F, -v rt="$rt" '$1 == rt { print $5 }' "$RSS_CSV" | head -1)"
	done
} | column -t -s $'\t'

[ ${#HAVE_RUN[@]} -eq 0 ] || ratios run run
[ ${#HAVE_LIFE[@]} -eq 0 ] || ratios lifecycle create+start+delete
[ ${#HAVE_EXEC[@]} -eq 0 ] || ratios exec exec

echo
echo "markdown/json: $OUT/oci-$STAMP-*.md, $OUT/oci-$STAMP-*.json"
if [ ${#SKIPPED[@]} -gt 0 ]; then
	echo
	for s in "${SKIPPED[@]}"; do echo "ERROR: skipped, no figure: $s"; done
	cleanup || exit 1
	exit 2
fi
