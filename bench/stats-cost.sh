#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/stats-cost.sh: what `wirt stats` and `wirt set` cost with N (default 200) busybox
# vServers running, side by side in ONE hyperfine run (-N: no shell in between):
#   wirt stats --json          one refresh of all N (it samples every vServer, sleeps
#                              0.5 s and samples again, for CPU %)
#   wirt stats NAME --json     one vServer (the same two samples and sleep)
#   wirt set NAME memory=96M   a live change; hyperfine's --prepare sets 64M before each
#                              run, untimed, so every timed run changes the limit
#   wirt --version             the CLI's fixed cost, part of every line above
# Wall time minus the 0.5 s sleep is the work; hyperfine's user+system CPU time is the
# work too, without the sleep. From those: the cost of a refresh per vServer. Afterwards
# `strace -c -f` of one `wirt stats --json` counts its system calls (openat, read).
# Usage: bench/stats-cost.sh [N]   (default 200; env: RUNS=20 WARMUP=2 BENCH_OUT=bench/out
#        WIRT=...)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

N=${1:-200}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-2}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || bench_die "usage: stats-cost.sh [N]"
[ "$(id -u)" = 0 ] || bench_die "run as root"
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed"
command -v jq >/dev/null || bench_die "jq is not installed"
mkdir -p "$OUT"
REPORT=$OUT/stats-cost-$N-$STAMP.txt
md=$OUT/stats-cost-$N-$STAMP.md
json=$OUT/stats-cost-$N-$STAMP.json

trap 'bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_template_busybox
bench_log "root $BENCH_ROOT, cgroup tag $BENCH_TAG, N=$N, $(date -Is)"

# Started one after another, as density.sh does; s1 gets a memory limit to change.
w create s1 --memory 64M >/dev/null || bench_die "wirt create s1 failed"
for ((i = 2; i <= N; i++)); do
	w create "s$i" >/dev/null || bench_die "wirt create s$i failed"
done
for ((i = 1; i <= N; i++)); do
	w start "s$i" >/dev/null || bench_die "wirt start s$i failed"
	(( i % 50 == 0 )) && bench_log "$i started"
done
sleep 2

# The commands must do what they are timed for: N entries, s1's limit changes.
got=$(w stats --json | jq 'length')
[ "$got" = "$N" ] || bench_die "wirt stats --json lists $got vServers, not $N"
w set s1 memory=96M || bench_die "wirt set s1 memory=96M failed"
lim=$(cat "/sys/fs/cgroup/memory/$BENCH_TAG/s1/memory.limit_in_bytes")
[ "$lim" = $((96 << 20)) ] || bench_die "s1's memory.limit_in_bytes is $lim after set memory=96M"
w set s1 memory=64M

wq="$WIRT --root $BENCH_ROOT"
names=("wirt stats --json ($N vServers)" "wirt stats s1 --json" "wirt set s1 memory=96M"
	"wirt --version")
cmds=("$wq stats --json" "$wq stats s1 --json" "$wq set s1 memory=96M" "$wq --version")
preps=(true true "$wq set s1 memory=64M" true)
args=(-N --warmup "$WARMUP" --runs "$RUNS" --export-markdown "$md" --export-json "$json")
for i in "${!cmds[@]}"; do args+=(--prepare "${preps[$i]}"); done
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done

bench_log "$(hyperfine --version); kernel $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date -Is)
hyperfine "${args[@]}"

# The system calls of one refresh of all N, by type.
strace_out=$BENCH_ROOT/strace
strace_summary=
if command -v strace >/dev/null; then
	strace -f -c -o "$strace_out" $wq stats --json >/dev/null
	strace_summary=$(awk '$NF ~ /^(openat|read|close|newfstatat|fstat|statx|getdents64|clock_nanosleep|total)$/ {
		printf "%s%s %s", sep, $NF, $4; sep = ", " }' "$strace_out")
fi

{
	echo "# wirt stats / set cost with $N busybox vServers running, $started"
	echo "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); $BENCH_WIRT_VERSION"
	echo "command: bench/stats-cost.sh $N (hyperfine -N --warmup $WARMUP --runs $RUNS)"
	jq -r '.results[] | [.command, (.mean * 1000 | . * 10 | round / 10 | tostring) + " ms",
		"± " + (.stddev * 1000 | . * 10 | round / 10 | tostring),
		"min " + (.min * 1000 | . * 10 | round / 10 | tostring),
		"max " + (.max * 1000 | . * 10 | round / 10 | tostring),
		"user+sys " + ((.user + .system) * 1000 | . * 10 | round / 10 | tostring) + " ms"] | @tsv' \
		"$json" | column -t -s $'\t'
	jq -r --argjson n "$N" '
		(.results | map({key: .command, value: .}) | from_entries) as $r
		| ($r | to_entries | map(select(.key | startswith("wirt stats --json"))) | .[0].value) as $all
		| $r["wirt stats s1 --json"] as $one
		| "refresh of all \($n): wall \($all.mean * 1000 | round) ms, of it 500 ms sleep: work \(($all.mean - 0.5) * 1000 | round) ms; CPU \(($all.user + $all.system) * 1000 | round) ms",
		  "one vServer: wall \($one.mean * 1000 | round) ms, work \(($one.mean - 0.5) * 1000 | . * 10 | round / 10) ms; CPU \(($one.user + $one.system) * 1000 | . * 10 | round / 10) ms",
		  "per additional vServer: wall \((($all.mean - $one.mean) / ($n - 1)) * 1e6 | round) us, CPU \(((($all.user + $all.system) - ($one.user + $one.system)) / ($n - 1)) * 1e6 | round) us"' \
		"$json"
	[ -n "$strace_summary" ] && echo "strace -c -f of one 'wirt stats --json' (calls): $strace_summary"
	echo "markdown: $md"
	echo "json: $json"
} | tee "$REPORT"
