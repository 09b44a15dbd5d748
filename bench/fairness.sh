#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/fairness.sh: how exactly --cpu-weight splits a contended CPU. For each N (default
# 2, 4 and 8) N busybox vServers are pinned to CPU 0 (--cpuset 0) with weights 100, 200,
# ..., N x 100, each runs one CPU hog (busybox sh: while :; do :; done), and every
# vServer's cpuacct.usage delta over MEASURE seconds (default 10) gives its measured
# share of what the N got together; against it the configured share w_i / sum(w).
# Reported per vServer: both shares and the relative error (measured - configured) /
# configured; per N and trial: the largest |relative error|, and how much of CPU 0 the
# N got in all (the rest went to the host's other tasks, which compete with wirt's
# parent cgroup, not inside it). Then "2-mixed": the same with 4 hogs in the vServer of
# weight 100 and 1 in that of weight 200, which must still split 1:2 (MIXED=0: skip).
# Usage: bench/fairness.sh [N...]   (default 2 4 8; env: MEASURE=10 TRIALS=3 SETTLE=2
#        BENCH_OUT=bench/out WIRT=...)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

MEASURE=${MEASURE:-10}
TRIALS=${TRIALS:-3}
SETTLE=${SETTLE:-2}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(2 4 8)
for n in "${COUNTS[@]}"; do
	[[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 2 ] || bench_die "usage: fairness.sh [N...] (N >= 2)"
done
[ "$(id -u)" = 0 ] || bench_die "run as root"
mkdir -p "$OUT"
CSV=$OUT/fairness-$STAMP.csv
REPORT=$OUT/fairness-$STAMP.txt

trap 'bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_template_busybox
bench_log "root $BENCH_ROOT, cgroup tag $BENCH_TAG, N=${COUNTS[*]}, $(date -Is)"

cg() { echo "/sys/fs/cgroup/$1/$BENCH_TAG/$2/$3"; } # CONTROLLER NAME FILE
# Elapsed ns by bash's clock; no fork, so reading 8 counters takes microseconds.
now() { NOW=$((10#${EPOCHREALTIME/./} * 1000)); }
# CPU 0's busy jiffies (all but idle and iowait) from /proc/stat: how loaded it was.
cpu0_busy() { awk '$1 == "cpu0" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

echo "n,trial,name,weight,shares,configured,measured,rel_err,usage_ns,wall_ns" >"$CSV"
: >"$REPORT"
say() { echo "$*" | tee -a "$REPORT"; }
say "# wirt fairness: N hogs pinned to CPU 0, weights 100..Nx100, $(date -Is)"
say "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); $BENCH_WIRT_VERSION"
say "command: bench/fairness.sh ${COUNTS[*]} (MEASURE=$MEASURE TRIALS=$TRIALS SETTLE=$SETTLE)"

run_n() { # N [LABEL HOGS...]   (HOGS: hogs in vServer 1, 2, ...; default one each)
	local n=$1 i j t names=() shares hogs=("${@:3}") k=$1${2:+-$2}
	for ((i = 1; i <= n; i++)); do
		names+=("f$k-$i")
		w create "f$k-$i" --cpuset 0 --cpu-weight $((100 * i)) >/dev/null ||
			bench_die "wirt create f$k-$i failed"
		w start "f$k-$i" >/dev/null || bench_die "wirt start f$k-$i failed"
		[ "$(cat "$(cg cpuset "f$k-$i" cpuset.cpus)")" = 0 ] ||
			bench_die "f$k-$i: cpuset.cpus is not 0"
	done
	# Detached from the exec: the hog is reparented to the guest's init and the exec
	# returns; stop --force ends it with the vServer.
	for ((i = 1; i <= n; i++)); do
		for ((j = 0; j < ${hogs[i - 1]:-1}; j++)); do
			w exec "f$k-$i" -- /bin/sh -c 'while :; do :; done </dev/null >/dev/null 2>&1 &' ||
				bench_die "wirt exec f$k-$i (hog) failed"
		done
	done
	sleep "$SETTLE"
	for ((t = 1; t <= TRIALS; t++)); do
		local -a u0=() u1=()
		local b0 b1 t0 t1
		b0=$(cpu0_busy)
		now; t0=$NOW
		for i in "${names[@]}"; do read -r v <"$(cg cpuacct "$i" cpuacct.usage)"; u0+=("$v"); done
		sleep "$MEASURE"
		for i in "${names[@]}"; do read -r v <"$(cg cpuacct "$i" cpuacct.usage)"; u1+=("$v"); done
		now; t1=$NOW
		b1=$(cpu0_busy)
		for ((i = 1; i <= n; i++)); do
			read -r shares <"$(cg cpu "f$k-$i" cpu.shares)"
			echo "$k,$t,f$k-$i,$((100 * i)),$shares,,,,$((u1[i - 1] - u0[i - 1])),$((t1 - t0))"
		done | awk -F, -v OFS=, '{ l[NR] = $0; w[NR] = $4; u[NR] = $9; sw += $4; su += $9 }
			END { for (i = 1; i <= NR; i++) {
				split(l[i], f, ","); c = w[i] / sw; m = su ? u[i] / su : 0
				f[6] = sprintf("%.4f", c); f[7] = sprintf("%.4f", m)
				f[8] = sprintf("%+.4f", (m - c) / c)
				print f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9], f[10] } }' >>"$CSV"
		awk -F, -v k="$k" -v n="$n" -v t="$t" -v hz="$(getconf CLK_TCK)" -v busy=$((b1 - b0)) \
			'$1 == k && $2 == t { e = sqrt($8 * $8); if (e > max || who == "") { max = e; who = $3 }
				su += $9; wall = $10 }
			END { printf "N=%s trial %d: max |rel err| %.1f%% (%s); the %d got %.3f of CPU 0" \
				" (CPU 0 busy %.3f) over %.2f s\n", k, t, max * 100, who, n, su / wall,
				busy / hz / (wall / 1e9), wall / 1e9 }' "$CSV" | tee -a "$REPORT"
	done
	for i in "${names[@]}"; do
		w stop --force "$i" >/dev/null || bench_die "wirt stop --force $i failed"
		w delete "$i" >/dev/null || bench_die "wirt delete $i failed"
	done
}

for n in "${COUNTS[@]}"; do
	bench_log "N=$n: creating, starting, hogs"
	run_n "$n"
done
# The weight is the cgroup's, not each process's: with 4 hogs in the light vServer
# (weight 100) and 1 in the heavy one (200) the split must still be 1:2.
if [ "${MIXED:-1}" = 1 ]; then
	bench_log "2-mixed: 4 hogs in the vServer of weight 100, 1 in that of weight 200"
	run_n 2 mixed 4 1
fi

# Per N: each vServer's configured and measured share (mean over the trials), and the
# worst relative error of any single trial.
{
	echo
	echo "| N | vServer | weight | cpu.shares | configured | measured (mean of trials) | rel. error (mean) | worst trial |"
	echo "|---:|---|---:|---:|---:|---:|---:|---:|"
	awk -F, 'NR > 1 { k = $1 SUBSEP $3; if (!(k in c)) { o[++m] = k }
			c[k] = $6; s[k] += $7; e[k] += $8; cnt[k]++; w[k] = $4; sh[k] = $5; nn[k] = $1
			nm[k] = $3; a = $8 < 0 ? -$8 : $8; if (a > worst[k]) { worst[k] = a; ws[k] = $8 } }
		END { for (j = 1; j <= m; j++) { k = o[j]
			printf "| %s | %s | %d | %d | %.1f %% | %.1f %% | %+.1f %% | %+.1f %% |\n", nn[k], nm[k],
				w[k], sh[k], c[k] * 100, s[k] / cnt[k] * 100, e[k] / cnt[k] * 100, ws[k] * 100 } }' "$CSV"
	echo
	awk -F, 'NR > 1 { a = $8 < 0 ? -$8 : $8; if (a > max[$1]) max[$1] = a
			if (!($1 in seen)) { seen[$1] = 1; o[++m] = $1 }
			k = $1 SUBSEP $2; if (a > tm[k]) tm[k] = a; tn[$1] = $2 > tn[$1] ? $2 : tn[$1] }
		END { for (j = 1; j <= m; j++) { n = o[j]; l = ""
			for (t = 1; t <= tn[n]; t++) l = l sprintf("%s%.1f%%", t > 1 ? ", " : "", tm[n, t] * 100)
			printf "N=%s: max |relative error| over all trials %.1f%% (per trial: %s)\n", n, max[n] * 100, l } }' "$CSV"
	echo "data: $CSV"
} | tee -a "$REPORT"
