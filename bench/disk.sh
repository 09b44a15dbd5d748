#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/disk.sh: what a vServer's own disk (--disk: a sparse ext4 image on a loop
# device under the overlay, docs/storage.md) costs in write throughput. fio writes,
# in one run, alternating round by round, into three places:
#   host     a directory of the pool (the root dir's filesystem), directly
#   overlay  /tmp of a running vServer without a disk (overlay, upper in the pool)
#   disk     /tmp of a running vServer with --disk (overlay, upper in the image)
# fio runs on the host and reaches the vServers through /proc/PID/root: the same
# overlay, image and loop device the guest's own writes go through (a busybox guest has
# no fio of its own). Jobs: sequential 1M writes of SEQ_SIZE with a final fsync;
# random 4K direct writes (libaio, iodepth 16) for RAND_SECONDS over a RAND_SIZE file.
# Usage: bench/disk.sh    env: ROUNDS=3 SEQ_SIZE=512M RAND_SIZE=256M RAND_SECONDS=5
#                              DISK=2G BENCH_OUT=bench/out WIRT=build/wirt
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
SEQ_SIZE=${SEQ_SIZE:-512M}
RAND_SIZE=${RAND_SIZE:-256M}
RAND_SECONDS=${RAND_SECONDS:-5}
DISK=${DISK:-2G}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[ "$(id -u)" = 0 ] || bench_die "run as root"
for t in fio jq; do command -v $t >/dev/null || bench_die "$t is not installed"; done
mkdir -p "$OUT"

trap 'bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_template_busybox
w create pool >/dev/null
w create disk --disk "$DISK" >/dev/null
w start pool
w start disk
mkdir -p "$BENCH_ROOT/hostdir"
target() { # NAME -> directory
	case $1 in
	host) echo "$BENCH_ROOT/hostdir" ;;
	overlay) echo "/proc/$(bench_status_field pool pid)/root/tmp" ;;
	disk) echo "/proc/$(bench_status_field disk pid)/root/tmp" ;;
	esac
}

RAW=$OUT/disk-$STAMP.csv
echo "round,place,job,MiB_per_s" >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
	for place in host overlay disk; do
		dir=$(target "$place")
		seq=$(fio --name=seq --directory="$dir" --rw=write --bs=1M --size="$SEQ_SIZE" \
			--end_fsync=1 --output-format=json | jq '.jobs[0].write.bw_bytes')
		rand=$(fio --name=rand --directory="$dir" --rw=randwrite --bs=4k --size="$RAND_SIZE" \
			--direct=1 --ioengine=libaio --iodepth=16 --time_based \
			--runtime="$RAND_SECONDS" --output-format=json | jq '.jobs[0].write.bw_bytes')
		rm -f "$dir"/seq.* "$dir"/rand.*
		echo "$r,$place,seq,$(awk -v b="$seq" 'BEGIN{printf "%.1f", b/1048576}')" >>"$RAW"
		echo "$r,$place,rand4k,$(awk -v b="$rand" 'BEGIN{printf "%.1f", b/1048576}')" >>"$RAW"
		bench_log "round $r $place: seq $((seq / 1048576)) MiB/s, rand4k $((rand / 1048576)) MiB/s"
	done
done

echo "command: bench/disk.sh (ROUNDS=$ROUNDS SEQ_SIZE=$SEQ_SIZE RAND_SIZE=$RAND_SIZE RAND_SECONDS=$RAND_SECONDS DISK=$DISK), raw: $RAW"
awk -F, 'NR > 1 { s[$2","$3] += $4; n[$2","$3]++ }
	END {
		printf "%-8s %14s %14s %12s %12s\n", "place", "seq MiB/s", "rand4k MiB/s", "seq/host", "rand/host"
		split("host overlay disk", p, " ")
		for (i = 1; i <= 3; i++) {
			a = s[p[i]",seq"] / n[p[i]",seq"]; b = s[p[i]",rand4k"] / n[p[i]",rand4k"]
			printf "%-8s %14.1f %14.1f %12.2f %12.2f\n", p[i], a, b,
				a / (s["host,seq"] / n["host,seq"]), b / (s["host,rand4k"] / n["host,rand4k"])
		}
	}' "$RAW"
