#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/memory-floor.sh: the smallest memory limit with which a guest starts and runs a
# command, found by bisection in STEP (64 KiB) steps between LO (64K) and HI (16M):
#   wirt         `wirt start` of a busybox vServer (init + httpd), 1 s for its init to
#                settle, then `wirt exec NAME -- /bin/true`; ok = both exit 0 and the
#                vServer still runs
#   wirt-clean   the same, and nothing in the guest was OOM-killed on the way (httpd)
#   crun, runc   `crun run` / `runc run` of /bin/true from an OCI bundle on the same
#                rootfs with linux.resources.memory.limit; ok = exit 0 (+ "-userns"
#                variants with a user namespace of 65536 ids, as a vServer has)
# Each floor is then tried CONFIRM times, and one step below it; "works from" is the
# smallest limit from the bisected floor up that worked CONFIRM times in a row.
# wirt refuses --memory below WIRT_MEMORY_MIN (src/lib/spec.h), at create and at set,
# and applies its own limit before the guest runs, so here the limit is put one level
# up: on the vServer's parent cgroup (memory/wirt-<tag>/), made fresh by this script
# before each start with an empty child that keeps wirt from removing it. The parent
# holds only that one vServer, and a parent's limit bounds its subtree (use_hierarchy
# is always 1), so this is the vServer's own limit plus the kernel memory of the
# vServer's memory cgroup itself (charged to the parent; measured below, ~60 KiB).
# Two modes: warm (the guest's busybox is in the page cache, charged to another cgroup:
# every vServer after the first of a template) and cold (it and the runtimes' binaries
# dropped from the page cache with `dd iflag=nocache count=0` before each try, so the
# guest faults them in and is charged for them).
# Also reported: peaks without a limit, what is in the vServer's cgroup at the floor and
# without a limit (memory.stat, kmem, each process's RSS/PSS), and each namespace's
# kernel memory (unshare in a probe memory cgroup).
# Usage: bench/memory-floor.sh [RUNTIME...]   (default: wirt wirt-clean crun crun-userns
#        runc runc-userns; env: MODES="warm cold" CONFIRM=5 LO=64K HI=16M STEP=64K
#        BENCH_OUT=bench/out WIRT=...)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

kib() { # 256K / 16M -> bytes
	local v=$1
	case $v in
	*K) echo $((${v%K} * 1024)) ;; *M) echo $((${v%M} * 1048576)) ;; *) echo "$v" ;;
	esac
}
LO=$(kib "${LO:-64K}")
HI=$(kib "${HI:-16M}")
STEP=$(kib "${STEP:-64K}")
CONFIRM=${CONFIRM:-5}
MODES=${MODES:-warm cold}
RUNTIMES=("$@")
[ ${#RUNTIMES[@]} -gt 0 ] || RUNTIMES=(wirt wirt-clean crun crun-userns runc runc-userns)
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[ "$(id -u)" = 0 ] || bench_die "run as root"
command -v jq >/dev/null || bench_die "jq is not installed"
mkdir -p "$OUT"
CSV=$OUT/memory-floor-$STAMP.csv
REPORT=$OUT/memory-floor-$STAMP.txt
MEMCG=/sys/fs/cgroup/memory
[ -e $MEMCG/memory.limit_in_bytes ] || bench_die "needs the cgroup v1 memory controller at $MEMCG"

# crun's and runc's containers and the namespace probes live under a parent of our own,
# in every hierarchy crun/runc create it in; removed on exit.
FLOOR_CG=wirt-bench-floor-$$
floor_cleanup() {
	local d
	if [ -n "${BENCH_ROOT:-}" ] && [ -d "$BENCH_ROOT/vservers/floor" ]; then
		w stop --force floor >/dev/null 2>&1 || true
		parent_remove "$VS_PARENT"
	fi
	for rt in crun runc; do
		command -v $rt >/dev/null || continue
		for id in "${OCI_ID:-x}-$rt" "${OCI_ID:-x}-$rt-userns"; do
			rt_cmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
		done
	done
	for d in /sys/fs/cgroup/*/"$FLOOR_CG"; do
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null || true
		rmdir "$d" 2>/dev/null || bench_log "cleanup: cannot remove $d"
	done
}
trap 'floor_cleanup; bench_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_template_busybox
bench_log "root $BENCH_ROOT, cgroup tag $BENCH_TAG, $(date -Is)"
w create floor >/dev/null || bench_die "wirt create floor failed"
VS_PARENT=$MEMCG/$BENCH_TAG
VS_CG=$VS_PARENT/floor

# crun 1.8 refuses to run on this hybrid host unless the cgroup2 controllers are hidden
# (see start-latency.sh): each crun call runs in a private mount namespace with an
# empty file bound over cgroup.controllers.
HIDE=0
ctl=/sys/fs/cgroup/unified/cgroup.controllers
if [ -n "$(cat "$ctl" 2>/dev/null)" ] && [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
	HIDE=1
	: >"$BENCH_ROOT/empty"
fi
rt_cmd() { # RUNTIME ARGS...   (killed after 30 s)
	if [ "$1" = crun ] && [ $HIDE = 1 ]; then
		shift
		timeout 30 unshare --mount sh -c 'mount --bind "$1" "$2" && shift 2 && exec crun "$@"' \
			sh "$BENCH_ROOT/empty" "$ctl" "$@"
	else
		timeout 30 "$@"
	fi
}
OCI_ID=wirt-bench-floor-$$
oci_bundle() { # DIR USERNS(0|1) CGROUP_NAME
	mkdir -p "$1"
	(cd "$1" && crun spec)
	jq --arg root "$BENCH_ROOTFS" --argjson userns "$2" --arg cg "/$FLOOR_CG/$3" '
		.process.terminal = false | .process.args = ["/bin/true"]
		| .root = {path: $root, readonly: true} | .linux.cgroupsPath = $cg
		| if $userns == 1 then
			.linux.namespaces += [{type: "user"}]
			| .linux.uidMappings = [{containerID: 0, hostID: 2000000000, size: 65536}]
			| .linux.gidMappings = [{containerID: 0, hostID: 2000000000, size: 65536}]
		  else . end' "$1/config.json" >"$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}
oci_limit() { # DIR LIMIT (-1: none)
	jq --argjson l "$2" 'if $l < 0 then del(.linux.resources.memory)
		else .linux.resources.memory = {limit: $l, swap: $l} end' "$1/config.json" \
		>"$1/config.json.new"
	mv "$1/config.json.new" "$1/config.json"
}

# Page cache: warm reads the guest's busybox into the cache from here (charged to this
# script's cgroup, not the guest's); cold drops it and the runtimes' binaries.
CACHE_FILES=("$BENCH_ROOTFS/bin/busybox" "$WIRT" "$BENCH_BIN/wirt-supervisor")
for rt in crun runc; do command -v $rt >/dev/null && CACHE_FILES+=("$(command -v $rt)"); done
cache_prepare() { # warm|cold
	local f
	for f in "${CACHE_FILES[@]}"; do
		[ -f "$f" ] || continue
		if [ "$1" = cold ]; then
			dd if="$f" iflag=nocache count=0 status=none
		else
			cat "$f" >/dev/null
		fi
	done
}

memstat() { # CGDIR KEY
	awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print "" }' "$1/memory.stat" 2>/dev/null
}
oomkills() { awk '$1 == "oom_kill" { print $2 }' "$1/memory.oom_control" 2>/dev/null; }
rd() { cat "$1" 2>/dev/null || echo ""; }
# Whom the OOM killer chose in this run's cgroups: "GUEST TASK PID" lines from the
# kernel log, collected after every try (the ring buffer is too small to wait for the
# end). wirt-<tag> and wirt-bench-floor-PID are this run's alone.
oom_log() {
	dmesg 2>/dev/null | sed -n "s#.*oom-kill:.*task_memcg=/\($BENCH_TAG\|$FLOOR_CG\)/\([^,]*\),task=\([^,]*\),pid=\([0-9]*\).*#\2 \3 \4#p" |
		sed "s|^floor |wirt |" >>"$CSV.oom" || true
}

# A fresh memory cgroup DIR with LIMIT (-1: none) over its subtree. Fresh, because a
# removed child's kernel objects (dentries, inodes) are reparented to its parent and
# would be counted against the next try's limit. HOLD=1 adds an empty child cgroup:
# wirt removes a vServer's parent at start (stale state) and stop when it has no other
# child, and that would drop the limit. The limit is written while the cgroup is empty
# (a write below usage can fail with EBUSY), then force_empty drains the per-CPU charge
# batch (64 pages) that making the child may have left in the parent's counter. BASE is
# the usage then: the child cgroup's own kernel memory (~12 KiB).
parent_new() { # DIR LIMIT [HOLD]
	local d=$1 l=$2 c
	if [ -d "$d" ]; then
		for c in "$d"/*/; do [ -d "$c" ] && { rmdir "$c" 2>/dev/null || true; }; done
		rmdir "$d" 2>/dev/null || { bench_log "cannot remove $d"; return 1; }
	fi
	mkdir "$d"
	echo "$l" >"$d/memory.limit_in_bytes" || return 1
	if [ -e "$d/memory.memsw.limit_in_bytes" ]; then
		echo "$l" >"$d/memory.memsw.limit_in_bytes" || return 1
	fi
	if [ "$l" != -1 ] && [ "$(cat "$d/memory.limit_in_bytes")" != "$l" ]; then
		bench_log "$d: memory.limit_in_bytes reads $(cat "$d/memory.limit_in_bytes"), not $l"
		return 1
	fi
	[ "${3:-0}" = 1 ] && mkdir "$d/bench-hold"
	echo 0 >"$d/memory.force_empty" 2>/dev/null || true
	echo 0 >"$d/memory.max_usage_in_bytes"
	echo 0 >"$d/memory.kmem.max_usage_in_bytes" 2>/dev/null || true
	BASE=$(rd "$d/memory.usage_in_bytes")
}
parent_remove() { # DIR
	rmdir "$1/bench-hold" 2>/dev/null || true
	rmdir "$1" 2>/dev/null || true
}

echo "runtime,mode,phase,limit,ok,rc,base,peak,kmem_peak,usage,kmem,rss,cache,mapped_file,oom_kills(child/parent),failcnt,note" >"$CSV"
T_NOTE=
# One try. Appends a CSV line; returns 0 when the guest started and ran the command.
try_wirt() { # wirt|wirt-clean MODE PHASE LIMIT
	local name=$1 mode=$2 phase=$3 l=$4 rc=0 ok=0 st peak kpeak usage kmem rss cache mapped oom fail
	w stop --force floor >/dev/null 2>&1 || true
	cache_prepare "$mode"
	parent_new "$VS_PARENT" "$l" 1 || bench_die "cannot set up $VS_PARENT with limit $l"
	if ! timeout 30 "$WIRT" --root "$BENCH_ROOT" start floor >/dev/null 2>"$BENCH_ROOT/err"; then
		rc="start"
	else
		sleep 1
		timeout 30 "$WIRT" --root "$BENCH_ROOT" exec floor -- /bin/true \
			>/dev/null 2>>"$BENCH_ROOT/err" || rc="exec"
		st=$(w status floor --json 2>/dev/null | jq -r .state)
		[ "$rc" != 0 ] || [ "$st" = running ] || rc=state:$st
	fi
	# wirt-clean: nothing in the guest may have been OOM-killed on the way either.
	[ "$rc" = 0 ] && [ "$name" = wirt-clean ] && [ "$(oomkills "$VS_CG")" != 0 ] && rc="oom-kill"
	[ "$rc" = 0 ] && ok=1
	peak=$(rd "$VS_PARENT/memory.max_usage_in_bytes")
	kpeak=$(rd "$VS_PARENT/memory.kmem.max_usage_in_bytes")
	usage=$(rd "$VS_CG/memory.usage_in_bytes") kmem=$(rd "$VS_CG/memory.kmem.usage_in_bytes")
	rss=$(memstat "$VS_CG" total_rss) cache=$(memstat "$VS_CG" total_cache)
	mapped=$(memstat "$VS_CG" total_mapped_file)
	oom="$(oomkills "$VS_CG")/$(oomkills "$VS_PARENT")" fail=$(rd "$VS_PARENT/memory.failcnt")
	[ "$ok" = 1 ] && [ "$phase" = breakdown ] && breakdown "$name $mode at the floor, $l B" "$VS_CG"
	T_NOTE=$(tr '\n,' ' ;' <"$BENCH_ROOT/err" | cut -c1-200)
	w stop --force floor >/dev/null 2>&1 || true
	parent_remove "$VS_PARENT"
	oom_log
	echo "$name,$mode,$phase,$l,$ok,$rc,$BASE,$peak,$kpeak,$usage,$kmem,$rss,$cache,$mapped,$oom,$fail,$T_NOTE" >>"$CSV"
	[ $ok = 1 ]
}

try_oci() { # RUNTIME(crun|runc[-userns]) MODE PHASE LIMIT
	local name=$1 mode=$2 phase=$3 l=$4 rt=${1%-userns} rc=0 ok=0 d=$MEMCG/$FLOOR_CG
	local b=$BENCH_ROOT/oci/$1 id=$OCI_ID-$1
	oci_limit "$b" "$l"
	rt_cmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
	cache_prepare "$mode"
	# The container's own cgroup is below $d, which has no limit: its peak, kernel
	# memory peak and OOM kills are kept there after the runtime removed the child.
	parent_new "$d" -1 || bench_die "cannot set up $d"
	# `run` waits for /bin/true, then deletes the container.
	rt_cmd "$rt" run --bundle "$b" "$id" >/dev/null 2>"$BENCH_ROOT/err" </dev/null || rc=$?
	[ "$rc" = 0 ] && ok=1
	rt_cmd "$rt" delete -f "$id" >/dev/null 2>&1 || true
	oom_log
	T_NOTE=$(tr '\n,' ' ;' <"$BENCH_ROOT/err" | cut -c1-200)
	echo "$name,$mode,$phase,$l,$ok,$rc,$BASE,$(rd $d/memory.max_usage_in_bytes),$(rd $d/memory.kmem.max_usage_in_bytes),,,,,,$(oomkills $d),,$T_NOTE" >>"$CSV"
	[ $ok = 1 ]
}

try() { # RUNTIME MODE PHASE LIMIT
	case $1 in wirt | wirt-clean) try_wirt "$@" ;; *) try_oci "$@" ;; esac
}

# What is in a running vServer's memory cgroup: its counters and each process's memory.
breakdown() { # LABEL CGDIR
	local p
	{
		echo "### $1"
		echo "cgroup: usage $(rd "$2/memory.usage_in_bytes") B, of it kernel (kmem) $(rd "$2/memory.kmem.usage_in_bytes") B;" \
			"memory.stat rss $(memstat "$2" total_rss), cache $(memstat "$2" total_cache)," \
			"mapped_file $(memstat "$2" total_mapped_file), shmem $(memstat "$2" total_shmem)," \
			"inactive_file $(memstat "$2" total_inactive_file), active_file $(memstat "$2" total_active_file);" \
			"peak $(rd "$2/memory.max_usage_in_bytes") B, kmem peak $(rd "$2/memory.kmem.max_usage_in_bytes") B"
		for p in $(cat "$2/cgroup.procs" 2>/dev/null); do
			awk -v p="$p" -v c="$(cat /proc/$p/comm 2>/dev/null)" '
				FILENAME ~ /smaps_rollup/ && /^(Rss|Pss|Pss_Anon|Pss_File):/ { v[$1] = $2 }
				FILENAME ~ /status/ && /^VmPTE:/ { v[$1] = $2 }
				END { printf "  pid %s %s: RSS %s kB, PSS %s kB (anon %s, file %s), page tables %s kB\n",
					p, c, v["Rss:"], v["Pss:"], v["Pss_Anon:"], v["Pss_File:"], v["VmPTE:"] }' \
				"/proc/$p/smaps_rollup" "/proc/$p/status" 2>/dev/null || true
		done
	} >>"$REPORT.breakdown"
}

# Bisection over LO + k*STEP. Prints "FLOOR RELIABLE PASS_AT_FLOOR PASS_BELOW":
# FLOOR, the bisected smallest limit that worked; RELIABLE, the smallest from FLOOR up
# that worked CONFIRM times in a row; PASS_*, how often FLOOR and FLOOR-STEP worked in
# CONFIRM tries. "none" when even HI failed; FLOOR=LO when LO worked.
bisect() { # RUNTIME MODE
	local rt=$1 mode=$2 lo hi mid kmax pass below k i
	kmax=$(((HI - LO) / STEP))
	if ! try "$rt" "$mode" bisect "$HI"; then
		echo "none none 0 0"
		return
	fi
	lo=-1 hi=$kmax
	if try "$rt" "$mode" bisect "$LO"; then
		hi=0
	fi
	while ((hi - lo > 1)); do
		mid=$(((lo + hi) / 2))
		if try "$rt" "$mode" bisect $((LO + mid * STEP)); then hi=$mid; else lo=$mid; fi
	done
	below=0
	if ((hi > 0)); then
		for ((i = 0; i < CONFIRM; i++)); do
			try "$rt" "$mode" below $((LO + (hi - 1) * STEP)) && below=$((below + 1))
		done
	fi
	k=$hi
	while :; do
		pass=0
		for ((i = 0; i < CONFIRM; i++)); do
			try "$rt" "$mode" floor $((LO + k * STEP)) && pass=$((pass + 1)) || break
		done
		[ $k -eq "$hi" ] && first_pass=$pass
		((pass == CONFIRM || k >= kmax)) && break
		k=$((k + 1))
	done
	echo "$((LO + hi * STEP)) $((LO + k * STEP)) $first_pass $below"
}

say() { echo "$*" | tee -a "$REPORT"; }
: >"$REPORT"
: >"$REPORT.breakdown"
: >"$CSV.oom"
say "# memory floor: smallest limit to start and run a command, $(date -Is)"
say "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); $BENCH_WIRT_VERSION"
say "crun: $(crun --version 2>/dev/null | head -1); runc: $(runc --version 2>/dev/null | head -1)"
say "command: bench/memory-floor.sh ${RUNTIMES[*]} (MODES='$MODES' CONFIRM=$CONFIRM LO=$LO HI=$HI STEP=$STEP)"

for rt in "${RUNTIMES[@]}"; do
	case $rt in
	wirt | wirt-clean) ;;
	crun | runc | crun-userns | runc-userns)
		command -v "${rt%-userns}" >/dev/null || { bench_log "$rt: not installed, skipped"; continue; }
		u=0; [ "$rt" = "${rt%-userns}" ] || u=1
		oci_bundle "$BENCH_ROOT/oci/$rt" $u "$rt" ;;
	*) bench_die "unknown runtime '$rt'" ;;
	esac
	for mode in $MODES; do
		# Without a limit: the peak the guest reaches (3 tries, the largest).
		[ "$rt" = wirt-clean ] || for i in 1 2 3; do try "$rt" "$mode" nolimit -1 || bench_log "$rt $mode: fails without a limit"; done
		[ "$rt" = wirt ] && [ "$mode" = warm ] && {
			cache_prepare warm; parent_new "$VS_PARENT" -1 1
			w start floor >/dev/null && sleep 1 && w exec floor -- /bin/true &&
				breakdown "wirt warm, no limit" "$VS_CG"
			w stop --force floor >/dev/null 2>&1 || true
			parent_remove "$VS_PARENT"
		}
		bench_log "$rt $mode: bisecting"
		read -r f rel pf pb < <(bisect "$rt" "$mode")
		say "$rt $mode: floor $f B ($((f / 1024)) KiB; worked $pf of $CONFIRM there, $pb of $CONFIRM at $STEP B less); works $CONFIRM of $CONFIRM from $rel B ($((rel / 1024)) KiB)"
		echo "$rt,$mode,result,$f,,$rel,,,,,,,,,,,pass $pf/$CONFIRM below $pb/$CONFIRM" >>"$CSV"
		# What is in the cgroup at that limit: a try that works, up to 5 tries.
		if [ "$rt" != "${rt#wirt}" ] && [ "$rel" != none ]; then
			for i in 1 2 3 4 5; do try "$rt" "$mode" breakdown "$rel" && break; done ||
				bench_log "$rt $mode: failed 5 times at $rel for the breakdown"
		fi
	done
done

# What each namespace costs in kernel memory: `unshare [--NS] --fork busybox sleep` in
# a probe memory cgroup of its own (joined before unshare, so the namespace is charged
# there); kmem (exact to the page, unlike usage_in_bytes, which includes the kernel's
# per-CPU charge batches of 256 KiB) and rss after 0.5 s, median of 3.
ns_probe() { # LABEL UNSHARE-FLAGS...
	local label=$1 d=$MEMCG/$FLOOR_CG/ns i v=()
	shift
	for i in 1 2 3; do
		parent_new "$d" -1 || continue
		sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$d" \
			unshare "$@" --fork "$BENCH_ROOTFS/bin/busybox" sleep 3 &
		sleep 0.5
		v+=("$(rd "$d/memory.kmem.usage_in_bytes") $(memstat "$d" total_rss)")
		# shellcheck disable=SC2046 # one pid a word
		kill -9 $(cat "$d/cgroup.procs") 2>/dev/null || true
		wait 2>/dev/null || true
		sleep 0.2
		rmdir "$d" 2>/dev/null || true
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 2p | awk -v l="$label" '{ print l "," $1 "," $2 }'
}
# A child memory cgroup's own kernel memory, charged to its parent (median of 3).
memcg_probe() {
	local d=$MEMCG/$FLOOR_CG/ns i k0 v=()
	for i in 1 2 3; do
		parent_new "$d" -1 || continue
		k0=$(rd "$d/memory.kmem.usage_in_bytes")
		mkdir "$d/child"
		v+=($(($(rd "$d/memory.kmem.usage_in_bytes") - k0)))
		rmdir "$d/child" "$d"
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 2p
}
mkdir -p "$MEMCG/$FLOOR_CG"
{
	echo "namespace,kmem,rss"
	ns_probe none
	for ns in user mount pid net uts ipc cgroup; do ns_probe "$ns" --$ns; done
	ns_probe all --user --mount --pid --net --uts --ipc --cgroup
	echo "memcg-child,$(memcg_probe),"
} >"$CSV.ns" 2>/dev/null # not bash's "Killed" notes of the probes

{
	echo
	echo "## Without a limit: peaks of the guest's cgroup subtree (largest of 3 tries); max_usage"
	echo "## counts the kernel's per-CPU charge batches (up to 256 KiB a CPU), kmem is exact"
	awk -F, '$3 == "nolimit" { k = $1 " " $2; if ($8 > p[k]) p[k] = $8; if ($9 > kp[k]) kp[k] = $9
			if (!(k in o)) { o[k] = ++m; n[m] = k } }
		END { for (i = 1; i <= m; i++) printf "%-20s max_usage %6.0f KiB, kmem peak %6.0f KiB\n",
			n[i], p[n[i]] / 1024, kp[n[i]] / 1024 }' "$CSV"
	echo
	echo "## Kernel memory of each namespace (unshare --NS --fork busybox sleep, median of 3)"
	awk -F, 'NR == 2 { bk = $2 } NR > 1 && $1 != "memcg-child" {
			printf "%-7s kmem %5.0f KiB (%+4.0f), rss %4.0f KiB\n", $1, $2 / 1024, ($2 - bk) / 1024, $3 / 1024 }
		$1 == "memcg-child" { printf "a child memory cgroup itself (mkdir): %.0f KiB of kmem, charged to its parent\n", $2 / 1024 }' "$CSV.ns"
	echo
	echo "## What is in the vServer's cgroup"
	cat "$REPORT.breakdown"
	if [ -s "$CSV.oom" ]; then
		echo
		echo "## OOM kills in this run's tries, by guest and victim (from the kernel log)"
		sort -u "$CSV.oom" | awk '{ n[$1 " " $2]++ } END { for (k in n) print k, n[k] }' |
			sort -k1,1 -k3,3nr | awk '{ printf "%-12s %-18s %d\n", $1, $2, $3 }'
	fi
	echo
	echo "data: $CSV $CSV.ns $CSV.oom"
} | tee -a "$REPORT"
