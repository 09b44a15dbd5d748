#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/run.sh: every benchmark, one after the other (never at the same time: each is
# the others' noise). Logs and data go to $BENCH_OUT (default bench/out).
# Usage: bench/run.sh [N]   (N vServers for density.sh and stats-cost.sh, default 200)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_OUT=${BENCH_OUT:-$here/out}
mkdir -p "$BENCH_OUT"
stamp=$(date +%Y%m%d-%H%M%S)
rc=0
"$here/start-latency.sh" 2>&1 | tee "$BENCH_OUT/run-$stamp-start-latency.log" || rc=1
"$here/density.sh" "${1:-200}" 2>&1 | tee "$BENCH_OUT/run-$stamp-density.log" || rc=1
"$here/fairness.sh" 2>&1 | tee "$BENCH_OUT/run-$stamp-fairness.log" || rc=1
"$here/memory-floor.sh" 2>&1 | tee "$BENCH_OUT/run-$stamp-memory-floor.log" || rc=1
"$here/stats-cost.sh" "${1:-200}" 2>&1 | tee "$BENCH_OUT/run-$stamp-stats-cost.log" || rc=1
"$here/network.sh" "${1:-200}" 2>&1 | tee "$BENCH_OUT/run-$stamp-network.log" || rc=1
echo "logs: $BENCH_OUT/run-$stamp-*.log"
exit $rc
