#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/density.sh: start N busybox vServers (init + httpd each) one after another and
# report whether the Nth starts as fast as the first, and what each one costs:
#   - every `wirt start` timed (bash's $EPOCHREALTIME around it, like date +%s%N); total, first, last, and the mean
#     of the last 10 starts over the mean of the first 10 (target: within 1.2x);
#   - every supervisor's RSS, PSS and USS (Private_Clean + Private_Dirty) from
#     /proc/PID/smaps_rollup (target: < 1 MiB of supervisor memory per vServer);
#   - as context: the guest's own PSS (init, httpd), its memory cgroup's usage, and
#     the host's MemAvailable drop per vServer (noisy on a shared machine).
# Usage: bench/density.sh [N]   (default 200; env: BENCH_OUT=bench/out WIRT=...)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

N=${1:-200}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[[ $N =~ ^[0-9]+$ ]] && [ "$N" -ge 1 ] || bench_die "usage: density.sh [N]"
[ "$(id -u)" = 0 ] || bench_die "run as root"
mkdir -p "$OUT"
CSV=$OUT/density-$N-$STAMP.csv
REPORT=$OUT/density-$N-$STAMP.txt

trap 'bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

# bash's own clock: $(date +%s%N) forks and execs date, which costs 3 ms a call here,
# and would be counted in every interval.
# and would be counted in every interval; so would a $(...) subshell. now sets NOW in ns.
now() { NOW=$((10#${EPOCHREALTIME/./} * 1000)); }
mem_available_kb() { sed -n 's/^MemAvailable:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo; }
# kB of the named smaps_rollup fields of PID, summed.
rollup_kb() { # PID FIELD...
	local pid=$1; shift
	awk -v f=" $* " 'index(f, " " substr($1, 1, length($1) - 1) " ") { s += $2 }
		END { print s + 0 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0
}

bench_root_new
bench_template_busybox
bench_log "root $BENCH_ROOT, cgroup tag $BENCH_TAG, N=$N, $(date -Is)"

now; t0=$NOW
for ((i = 1; i <= N; i++)); do
	w create "d$i" >/dev/null || bench_die "wirt create d$i failed"
done
now; t_create=$(( (NOW - t0) / 1000000 ))
bench_log "created $N vServers in $t_create ms"

# Elapsed ms of a command, output dropped; fails with it.
time_ms() {
	local t0 t1
	now; t0=$NOW
	"$@" >/dev/null 2>&1 || return
	now; t1=$NOW
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }'
}
floor() { unshare --mount --pid --uts --ipc --net --fork chroot "$BENCH_ROOTFS" /bin/true; }
# A probe vServer started and stopped PROBE times with none and with N running: the
# same vServer, so a difference is what the N running ones cost a start.
probe() { # LABEL
	local k t
	for ((k = 1; k <= PROBE; k++)); do
		t=$(time_ms w start probe) || bench_die "wirt start probe failed"
		w stop --force probe >/dev/null || bench_die "wirt stop --force probe failed"
		echo "$1,$k,$t" >>"$CSV.probe"
	done
}
PROBE=${PROBE:-10}
w create probe >/dev/null
echo "running,k,start_ms" >"$CSV.probe"
probe 0

mem_before=$(mem_available_kb)
# floor_ms: the unshare+chroot floor timed right after each start, a control for the
# machine's load at that moment (others share it).
echo "i,start_ms,floor_ms" >"$CSV"
started=0 failed=""
now; t_all=$NOW
for ((i = 1; i <= N; i++)); do
	now; t0=$NOW
	if ! w start "d$i" >/dev/null 2>"$BENCH_ROOT/err"; then
		failed="start d$i: $(cat "$BENCH_ROOT/err")"
		bench_log "$failed"
		break
	fi
	now; t1=$NOW
	started=$i
	f=$(time_ms floor) || f=
	awk -v i=$i -v d=$((t1 - t0)) -v f="$f" 'BEGIN { printf "%d,%.3f,%s\n", i, d / 1e6, f }' >>"$CSV"
	(( i % 25 == 0 )) && bench_log "$i started"
done
now; t_total=$(( (NOW - t_all) / 1000000 ))

# Let every guest's init start httpd before memory is read.
sleep 3
mem_after=$(mem_available_kb)

# Per vServer: supervisor RSS/PSS/USS, fds; guest PSS and cgroup usage; httpd up?
memcg=/sys/fs/cgroup/memory/$BENCH_TAG
echo "name,sup_pid,sup_rss_kb,sup_pss_kb,sup_uss_kb,sup_fds,guest_procs,guest_pss_kb,cg_usage_kb,httpd" \
	>"$CSV.mem"
for ((i = 1; i <= started; i++)); do
	sup=$(bench_status_field "d$i" supervisor_pid)
	[[ $sup =~ ^[0-9]+$ ]] || { echo "d$i,,,,,,,,," >>"$CSV.mem"; continue; }
	rss=$(rollup_kb "$sup" Rss) pss=$(rollup_kb "$sup" Pss)
	uss=$(rollup_kb "$sup" Private_Clean Private_Dirty)
	fds=$(ls "/proc/$sup/fd" 2>/dev/null | wc -l)
	gp=0 gpss=0 httpd=0
	for p in $(cat "$memcg/d$i/cgroup.procs" 2>/dev/null); do
		gp=$((gp + 1))
		gpss=$((gpss + $(rollup_kb "$p" Pss)))
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = httpd ] && httpd=1
	done
	cg=$(( $(cat "$memcg/d$i/memory.usage_in_bytes" 2>/dev/null || echo 0) / 1024 ))
	echo "d$i,$sup,$rss,$pss,$uss,$fds,$gp,$gpss,$cg,$httpd" >>"$CSV.mem"
done

probe "$started"

t_list=$( { /usr/bin/time -f %e "$WIRT" --root "$BENCH_ROOT" list >/dev/null; } 2>&1 )

{
	echo "# wirt density: $N busybox vServers (init + httpd), $(date -Is)"
	echo "host: $(uname -r), $(nproc) cpus; $BENCH_WIRT_VERSION"
	echo "command: bench/density.sh $N"
	[ -n "$failed" ] && echo "STOPPED EARLY: $failed"
	echo "started: $started of $N; create all: $t_create ms; start all: $t_total ms;" \
		"wirt list at $started running: ${t_list}s"
	awk -F, -v n="$started" 'NR > 1 { t[$1] = $2; f[$1] = $3; s += $2 }
		END {
			if (n < 1) exit
			k = n < 10 ? n : 10
			for (i = 1; i <= k; i++) {
				a += t[i]; b += t[n - k + i]; fa += f[i]; fb += f[n - k + i]
				ra += t[i] / f[i]; rb += t[n - k + i] / f[n - k + i]
			}
			printf "start: mean %.1f ms\n", s / n
			printf "start: first %.1f ms, last (#%d) %.1f ms\n", t[1], n, t[n]
			printf "start: mean of first %d %.1f ms, of last %d %.1f ms, ratio last/first %.2f (target <= 1.2)\n",
				k, a / k, k, b / k, b / a
			printf "control: floor after each start, first %d %.1f ms, last %d %.1f ms, ratio %.2f;" \
				" start/floor ratio last/first %.2f\n", k, fa / k, k, fb / k, fb / fa, rb / ra
		}' "$CSV"
	awk -F, 'NR > 1 { n[$1]++; s[$1] += $3; if (!($1 in o)) o[$1] = ++m; r[o[$1]] = $1 }
		END {
			if (m < 2) exit
			printf "probe: same vServer started %d times with 0 running %.1f ms, with %d running %.1f ms, ratio %.2f\n",
				n[r[1]], s[r[1]] / n[r[1]], r[2], s[r[2]] / n[r[2]], (s[r[2]] / n[r[2]]) / (s[r[1]] / n[r[1]])
		}' "$CSV.probe"
	tail -n +2 "$CSV" | cut -d, -f2 | sort -n | awk '{ u[NR] = $1 }
		END { if (NR) printf "start: median %.1f ms, min %.1f, max %.1f\n", u[int((NR + 1) / 2)], u[1], u[NR] }'
	awk -F, 'NR > 1 && $2 != "" { n++; rss += $3; pss += $4; uss += $5; fds += $6; gp += $7
			gpss += $8; cg += $9; h += $10
			if ($5 > umax) umax = $5 }
		END {
			if (!n) { print "memory: no supervisor found"; exit }
			printf "supervisor (per vServer, %d measured): RSS %.0f KiB, PSS %.0f KiB, USS %.0f KiB (max %d), fds %.1f\n",
				n, rss / n, pss / n, uss / n, umax, fds / n
			printf "supervisor total: PSS %.1f MiB, USS %.1f MiB; target < 1024 KiB/vServer: %s\n",
				pss / 1024, uss / 1024, (pss / n < 1024 ? "met (PSS)" : "NOT met (PSS)")
			printf "guest (per vServer): %.1f processes, PSS %.0f KiB, memory cgroup usage %.0f KiB; httpd running in %d of %d\n",
				gp / n, gpss / n, cg / n, h, n
		}' "$CSV.mem"
	awk -v b="$mem_before" -v a="$mem_after" -v n="$started" 'BEGIN {
		if (n) printf "host MemAvailable: %d -> %d KiB, drop %.0f KiB per vServer (context; shared host)\n",
			b, a, (b - a) / n }'
	echo "data: $CSV $CSV.mem $CSV.probe"
} | tee "$REPORT"

now; t0=$NOW
for ((i = started; i >= 1; i--)); do w stop --force "d$i" >/dev/null 2>&1 || true; done
now; bench_log "stop --force of $started vServers: $(( (NOW - t0) / 1000000 )) ms" 2>&1 | tee -a "$REPORT"
[ -z "$failed" ]
