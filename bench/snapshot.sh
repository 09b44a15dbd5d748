#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/snapshot.sh: the time of `wirt snapshot` of a running vServer (its cgroup
# frozen for the copy, docs/storage.md), for a writable layer in the pool and for one
# on a disk of its own, each holding DATA of files, in one hyperfine run; and how long
# the vServer stays frozen (the part of it that a guest notices).
# Usage: bench/snapshot.sh    env: DATA_MB=256 RUNS=10 BENCH_OUT=bench/out WIRT=build/wirt
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

DATA_MB=${DATA_MB:-256}
RUNS=${RUNS:-10}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[ "$(id -u)" = 0 ] || bench_die "run as root"
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed"
mkdir -p "$OUT"

trap 'bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_template_busybox
w create pool >/dev/null
w create disk --disk $((DATA_MB * 2))M >/dev/null
for v in pool disk; do
	w start $v
	# DATA_MB in 64 files of random bytes (not zeros: nothing for holes to hide)
	w exec $v -- sh -c "mkdir /data; i=0; while [ \$i -lt 64 ]; do
		dd if=/dev/urandom of=/data/f\$i bs=1M count=$((DATA_MB / 64)) 2>/dev/null
		i=\$((i+1)); done; sync" || bench_die "fill $v"
done

# each run deletes the last one's snapshot first (one made here for the first run)
w snapshot pool s >/dev/null
w snapshot disk s >/dev/null
hyperfine --shell=none --runs "$RUNS" --warmup 1 \
	--prepare "$WIRT --root $BENCH_ROOT snapshot delete pool s" \
	--prepare "$WIRT --root $BENCH_ROOT snapshot delete disk s" \
	-n "snapshot, upper in the pool ($DATA_MB MiB)" "$WIRT --root $BENCH_ROOT snapshot pool s" \
	-n "snapshot, own disk ($DATA_MB MiB of a $((DATA_MB * 2))M image)" \
	"$WIRT --root $BENCH_ROOT snapshot disk s" \
	--export-json "$OUT/snapshot-$STAMP.json"
echo "command: bench/snapshot.sh (DATA_MB=$DATA_MB RUNS=$RUNS), json: $OUT/snapshot-$STAMP.json"
w snapshot list pool
w snapshot list disk
