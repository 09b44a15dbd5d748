#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/start-latency.sh: how long a guest takes to start, side by side in ONE hyperfine
# run (the machine is shared and noisy, so only ratios from one run mean something):
#   wirt start      until the guest's PID 1 has exec'd (a --prepare stops it first)
#   wirt exec       /bin/true in a running vServer
#   wirt start+stop a whole start and forced stop, what `crun run` of /bin/true also does
#   wirt --version  the CLI's fixed cost (exec + dynamic linking)
#   crun run        /bin/true from an OCI bundle on the same busybox rootfs (+ userns)
#   runc run        the same bundle (+ userns)
#   floor           unshare --mount --pid --uts --ipc --net --fork chroot ROOTFS /bin/true
# Usage: bench/start-latency.sh   (env: RUNS=30 WARMUP=3 BENCH_OUT=bench/out WIRT=...)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[ "$(id -u)" = 0 ] || bench_die "run as root"
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed"
mkdir -p "$OUT"

trap 'bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_log "root $BENCH_ROOT, cgroup tag $BENCH_TAG"
bench_template_busybox
w create b1 >/dev/null
w create b2 >/dev/null
w create b3 >/dev/null
w start b2 || bench_die "wirt start b2 failed"
w exec b2 -- /bin/true || bench_die "wirt exec b2 -- /bin/true failed"

# OCI bundles on the template's rootfs, read-only, running /bin/true. The "userns"
# variants map 65536 ids like a vServer does, so they pay for a user namespace too.
oci_bundle() { # DIR USERNS(0|1)
	mkdir -p "$1"
	(cd "$1" && crun spec)
	jq --arg root "$BENCH_ROOTFS" --argjson userns "$2" '
		.process.terminal = false | .process.args = ["/bin/true"]
		| .root = {path: $root, readonly: true}
		| if $userns == 1 then
			.linux.namespaces += [{type: "user"}]
			| .linux.uidMappings = [{containerID: 0, hostID: 2000000000, size: 65536}]
			| .linux.gidMappings = [{containerID: 0, hostID: 2000000000, size: 65536}]
		  else . end' "$1/config.json" >"$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}

names=() cmds=() preps=()
add() { names+=("$1"); cmds+=("$2"); preps+=("${3:-true}"); }

wq="$WIRT --root $BENCH_ROOT"
add "wirt start" "$wq start b1" "$wq stop --force b1 >/dev/null 2>&1 || true"
add "wirt exec" "$wq exec b2 -- /bin/true"
# A whole life, comparable with `crun run` (which also waits for the exit and deletes).
add "wirt start+stop --force" "$wq start b3 && $wq stop --force b3" \
	"$wq stop --force b3 >/dev/null 2>&1 || true"
# The CLI's fixed cost (exec, dynamic linking), part of every wirt line above.
add "wirt --version" "$wq --version"

# crun 1.8 refuses any run on a hybrid host whose cgroup2 mount lists a controller
# ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), even
# with --cgroup-manager=disabled: the check comes first. Here only hugetlb is listed
# there and nothing uses it, so hyperfine runs in a private mount namespace in which
# an empty file is bound over /sys/fs/cgroup/unified/cgroup.controllers. That costs
# nothing per run and changes nothing for wirt (which does not read that file) or runc.
hide_v2_controllers=0
ctl=/sys/fs/cgroup/unified/cgroup.controllers
if [ -n "$(cat "$ctl" 2>/dev/null)" ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
	hide_v2_controllers=1
	bench_log "hybrid cgroups with '$(cat $ctl)' in cgroup2: hiding them from crun"
fi
b=$BENCH_ROOT/oci
id=wirt-bench-$$
for rt in crun runc; do
	command -v $rt >/dev/null || { bench_log "$rt not installed: skipped"; continue; }
	oci_bundle "$b/$rt" 0
	oci_bundle "$b/$rt-userns" 1
	add "$rt run" "$rt run --bundle $b/$rt $id-$rt" "$rt delete -f $id-$rt >/dev/null 2>&1 || true"
	add "$rt run (userns)" "$rt run --bundle $b/$rt-userns $id-$rt-u" \
		"$rt delete -f $id-$rt-u >/dev/null 2>&1 || true"
done
add "floor: unshare+chroot" \
	"unshare --mount --pid --uts --ipc --net --fork chroot $BENCH_ROOTFS /bin/true"

md=$OUT/start-latency-$STAMP.md
json=$OUT/start-latency-$STAMP.json
args=(--warmup "$WARMUP" --runs "$RUNS" --export-markdown "$md" --export-json "$json")
for i in "${!cmds[@]}"; do args+=(--prepare "${preps[$i]}"); done
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done

bench_log "$(hyperfine --version), $(crun --version | head -1), $(runc --version | head -1)"
bench_log "kernel $(uname -r), $(nproc) cpus, $(date -Is); $BENCH_WIRT_VERSION"
if [ $hide_v2_controllers = 1 ]; then
	: >"$BENCH_ROOT/empty"
	unshare --mount sh -c 'mount --bind "$1" "$2" && shift 2 && exec hyperfine "$@"' \
		sh "$BENCH_ROOT/empty" "$ctl" "${args[@]}"
else
	hyperfine "${args[@]}"
fi

# Ratios against the floor and against crun run, from hyperfine's own means.
echo
echo "Ratios (mean / mean), same hyperfine run:"
jq -r '
	(.results | map({key: .command, value: .mean}) | from_entries) as $m
	| ($m["floor: unshare+chroot"]) as $floor | ($m["crun run"] // null) as $crun
	| .results[] | [.command, (.mean * 1000 | . * 100 | round / 100 | tostring) + " ms",
		"± " + (.stddev * 1000 | . * 100 | round / 100 | tostring),
		"x floor " + (.mean / $floor | . * 100 | round / 100 | tostring),
		(if $crun then "x crun " + (.mean / $crun | . * 100 | round / 100 | tostring)
		 else "" end)] | @tsv' "$json" | column -t -s $'\t'
echo
echo "markdown: $md"
echo "json:     $json"
