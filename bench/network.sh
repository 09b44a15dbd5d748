#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/network.sh: what a routed vServer's network costs, side by side in ONE run (the
# machine is shared and noisy, so only ratios from one run mean something):
#   1. throughput: iperf3 host -> vServer over its veth against iperf3 over the host's
#      loopback, SECS s each, ROUNDS rounds in rotating order; two diagnostic lines
#      beside them: the same vServer with its veth's MTU lowered to 1500 on both ends
#      (wirt's default is 65535: src/lib/hostconf.h), and a plain veth pair made by
#      hand (`ip link add`, MTU 1500, a scratch netns, no wirt);
#   2. latency: a one-byte TCP ping-pong (python3, one connection, TCP_NODELAY) host ->
#      vServer against host -> loopback (and the hand-made veth); p50 and p99;
#   3. set-up cost: hyperfine of `wirt start` of a vServer with --ip against one without
#      (same template; a --prepare stops it first), with wirt's nft table present and
#      as the first of its root (the start creates the table), and `stop --force`;
#      then N networked vServers (10.232.x.y) started one after another, each start
#      timed: the median of the last 10 against the first 10, plus a probe (one vServer
#      with and one without --ip, started PROBE times with 0 and with N running).
# The servers (iperf3, the ping-pong's) are the host's programs run in the vServer's
# network namespace with `nsenter --net=/proc/<guest init>/ns/net`: the packets take
# exactly the path a guest's own server would get (routing, the veth, wirt's nft
# table), but the server process is not in the vServer's cgroups.
# Addresses: 10.232.0.0/16 and fd00:232::/64 only. A host config of its own
# (WIRT_CONFIG, empty: no pool, no uplink), so /etc/wirt/wirt.conf does not matter.
# Usage: bench/network.sh [N]   (default 200; env: SECS=10 ROUNDS=3 RTT=10000 RUNS=30
#        WARMUP=3 PROBE=10 BENCH_OUT=bench/out WIRT=...)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

N=${1:-200}
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
RTT=${RTT:-10000}
RUNS=${RUNS:-30}
WARMUP=${WARMUP:-3}
PROBE=${PROBE:-10}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
if ! [[ $N =~ ^[0-9]+$ ]] || [ "$N" -lt 10 ] || [ "$N" -gt 2500 ]; then
	bench_die "usage: network.sh [N]   (10 <= N <= 2500)"
fi
[ "$(id -u)" = 0 ] || bench_die "run as root"
for c in iperf3 hyperfine python3 jq ip nsenter ss unshare; do
	command -v $c >/dev/null || bench_die "$c is not installed"
done
mkdir -p "$OUT"
REPORT=$OUT/network-$STAMP.txt
CSV=$OUT/network-$STAMP

# Ports on loopback and in the vServers: others run iperf3 on 5201 here.
PORT=52320
GUEST4=10.232.0.10 GUEST6=fd00:232::10
HAND4=10.232.255.1 HAND_GW=169.254.232.1
HAND_IF=nbh$$

BG_PIDS=() HOLDER=
net_cleanup() {
	local rc=0 p left
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	ip link del "$HAND_IF" 2>/dev/null || true
	if [ -n "$HOLDER" ]; then kill "$HOLDER" 2>/dev/null || true; wait "$HOLDER" 2>/dev/null || true; fi
	bench_cleanup || rc=1
	# wirt removes the veth (with its routes) and, with the last vServer, the table
	[ -n "${NET_PREFIX:-}" ] || return $rc
	left=$(ip -o link show | awk -F': ' -v p="$NET_PREFIX" 'index($2, p) == 1 { sub(/@.*/, "", $2); print $2 }')
	if [ -n "$left" ]; then
		bench_log "cleanup: links left: ${left//$'\n'/ }; deleting them"
		for p in $left; do ip link del "$p" 2>/dev/null || true; done
		rc=1
	fi
	for p in inet bridge; do
		if nft list table $p "$NET_TABLE" >/dev/null 2>&1; then
			bench_log "cleanup: nft table $p $NET_TABLE left; deleting it"
			nft delete table $p "$NET_TABLE" || true
			rc=1
		fi
	done
	if ip -o link show "$HAND_IF" >/dev/null 2>&1 || ip route show | grep -qF 10.232.; then
		bench_log "cleanup: 10.232 routes or $HAND_IF left: $(ip route show | grep -F 10.232. | tr '\n' ';')"
		rc=1
	fi
	[ $rc -ne 0 ] || bench_log "cleanup: no link ($NET_PREFIX*, $HAND_IF), route or nft table ($NET_TABLE) left"
	return $rc
}
trap 'net_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

# bench_root_new, but under /tmp/wirt-bench-net.XXXXXX, so that this root is told apart
# from the other scripts' at a glance.
bench_root_new
rmdir "$BENCH_ROOT"
BENCH_ROOT=$(mktemp -d /tmp/wirt-bench-net.XXXXXX)
chmod 0755 "$BENCH_ROOT"
BENCH_TAG=$(bench_cgroup_tag "$BENCH_ROOT")
# wirt's names for a non-default root (src/lib/network.c wirt_network_names): the same
# FNV-1a as the cgroup tag.
NET_TABLE=wirt_${BENCH_TAG#wirt-}
NET_PREFIX=w${BENCH_TAG:5:4}-
# The supervisor runs wirt-network from beside the wirt binary (bench_root_new copies it).
[ -x "$BENCH_BIN/wirt-network" ] || bench_die "no wirt-network beside $WIRT_SRC"
export WIRT_CONFIG=$BENCH_ROOT/host.conf
: >"$WIRT_CONFIG"
bench_log "root $BENCH_ROOT, cgroup tag $BENCH_TAG, nft table $NET_TABLE, links $NET_PREFIX*"
bench_template_busybox

# bash's own clock (see density.sh): now sets NOW in ns.
now() { NOW=$((10#${EPOCHREALTIME/./} * 1000)); }
# p50 p99 mean of a file of numbers, one a line
stats() { sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
	END { if (!NR) { print "- - -"; exit }
		i50 = int(NR * 0.50 + 0.5); i99 = int(NR * 0.99 + 0.5); if (i50 < 1) i50 = 1
		printf "%.1f %.1f %.1f\n", v[i50], v[i99], s / NR }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) printf "%.2f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Waits until something listens on TCP PORT in the netns of the command prefix NS...
wait_listen() { # PORT NS...
	local port=$1 k; shift
	for ((k = 0; k < 100; k++)); do
		[ -n "$("$@" ss -Hltn "sport = :$port")" ] && return 0
		sleep 0.05
	done
	bench_die "nothing listens on port $port"
}

# ---- the vServer, and a plain veth pair by hand -------------------------------------

w create n1 --ip "$GUEST4" --ip "$GUEST6" >/dev/null || bench_die "wirt create n1 failed"
w start n1 >/dev/null || bench_die "wirt start n1 failed"
IFACE=$(w status n1 | sed -n 's/^interface:[[:space:]]*\([^ ]*\).*/\1/p')
[[ $IFACE == "$NET_PREFIX"* ]] || bench_die "n1's interface '$IFACE' is not named $NET_PREFIX*"
# Command prefixes that run a program in a network namespace (exec'd, so $! is the
# program's own pid).
GUEST_NS=(nsenter --net="/proc/$(bench_status_field n1 pid)/ns/net")
# shellcheck disable=SC2034 # used through namerefs
HOST_NS=()
ip route get "$GUEST4" | grep -qF "dev $IFACE" || bench_die "$GUEST4 is not routed to $IFACE"

# A scratch netns held by a sleep; a veth into it made with ip(8), routed like a
# vServer's (the guest's address as a /32 on the host side, a link-local gateway
# inside), named outside every wirt prefix, so no wirt rule matches its packets.
unshare --net sleep infinity &
HOLDER=$!
sleep 0.2
HAND_NS=(nsenter --net="/proc/$HOLDER/ns/net")
ip link add "$HAND_IF" type veth peer name eth0 netns "$HOLDER"
ip addr add "$HAND_GW/32" dev "$HAND_IF" scope host
ip link set "$HAND_IF" up
ip route add "$HAND4/32" dev "$HAND_IF"
"${HAND_NS[@]}" ip link set lo up
"${HAND_NS[@]}" ip link set eth0 up
"${HAND_NS[@]}" ip addr add "$HAND4/32" dev eth0
"${HAND_NS[@]}" ip route add "$HAND_GW/32" dev eth0
"${HAND_NS[@]}" ip route add default via "$HAND_GW" dev eth0

MTU0=$(cat "/sys/class/net/$IFACE/mtu") # what wirt gave it (65535 by default)
set_mtu() { # MTU: both ends of n1's veth
	ip link set dev "$IFACE" mtu "$1"
	"${GUEST_NS[@]}" ip link set dev eth0 mtu "$1"
}

offloads=$( { ethtool -k "$IFACE" 2>/dev/null || echo 'ethtool not installed'; } |
	grep -E '^(tcp-segmentation-offload|generic-segmentation-offload|generic-receive-offload|tx-checksumming|rx-checksumming|scatter-gather):' |
	tr '\n' ' ')

{
	echo "# wirt network: throughput, latency, set-up cost; $(date -Is)"
	echo "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); $BENCH_WIRT_VERSION"
	echo "command: bench/network.sh $N  (SECS=$SECS ROUNDS=$ROUNDS RTT=$RTT RUNS=$RUNS WARMUP=$WARMUP PROBE=$PROBE)"
	echo "$(iperf3 --version | head -1); $(hyperfine --version); $(python3 --version)"
	echo "vServer n1: $GUEST4 $GUEST6 on $IFACE (mtu $(cat "/sys/class/net/$IFACE/mtu"));" \
		"route: $(ip route get "$GUEST4" | head -1)"
	echo "offloads of $IFACE: $offloads"
	echo "nft tables on the host: $(nft list tables | tr '\n' ' ')"
} | tee "$REPORT"

# ---- 1. throughput -------------------------------------------------------------------

# One iperf3 test; appends "label gbit/s retransmits" to $CSV.tput.
iperf() { # LABEL ADDR NS-ARRAY-NAME
	local label=$1 addr=$2 srv json
	local -n ns=$3
	"${ns[@]}" iperf3 -s -1 -B "$addr" -p "$PORT" >/dev/null 2>&1 &
	srv=$!
	BG_PIDS+=("$srv")
	wait_listen "$PORT" "${ns[@]}"
	json=$(iperf3 -c "$addr" -p "$PORT" -t "$SECS" -J) || bench_die "iperf3 $label failed"
	wait "$srv" || true
	jq -r --arg l "$label" '[$l, (.end.sum_received.bits_per_second / 1e9),
		.end.sum_sent.retransmits] | @tsv' <<<"$json" >>"$CSV.tput"
	bench_log "throughput: $(tail -1 "$CSV.tput")"
}
variants=(loopback vserver vserver-mtu1500 hand-veth)
one_variant() {
	case $1 in
	loopback) iperf loopback 127.0.0.1 HOST_NS ;;
	vserver) iperf vserver "$GUEST4" GUEST_NS ;;
	vserver-mtu1500) set_mtu 1500; iperf vserver-mtu1500 "$GUEST4" GUEST_NS; set_mtu "$MTU0" ;;
	hand-veth) iperf hand-veth "$HAND4" HAND_NS ;;
	esac
}
: >"$CSV.tput"
for ((r = 0; r < ROUNDS; r++)); do
	for ((v = 0; v < ${#variants[@]}; v++)); do
		one_variant "${variants[(r + v) % ${#variants[@]}]}"
	done
done

# ---- 2. latency ----------------------------------------------------------------------

PINGPONG='
import socket, sys, time
mode, addr, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
if mode == "server":
    s = socket.socket(fam)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(4)
    while True:
        c, _ = s.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while True:
            b = c.recv(1)
            if not b:
                break
            c.sendall(b)
        c.close()
n, warm = int(sys.argv[4]), int(sys.argv[5])
c = socket.create_connection((addr, port))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
clock, send, recv, out = time.perf_counter_ns, c.send, c.recv, []
for i in range(warm + n):
    t0 = clock()
    send(b"x")
    if recv(1) != b"x":
        sys.exit("short reply")
    out.append(clock() - t0)
c.close()
sys.stdout.write("".join("%.3f\n" % (t / 1000) for t in out[warm:]))
'
lat_targets=(loopback vserver hand-veth)
declare -A lat_addr=([loopback]=127.0.0.1 [vserver]=$GUEST4 [hand-veth]=$HAND4)
declare -A lat_ns=([loopback]=HOST_NS [vserver]=GUEST_NS [hand-veth]=HAND_NS)
for t in "${lat_targets[@]}"; do
	declare -n ns=${lat_ns[$t]}
	"${ns[@]}" python3 -c "$PINGPONG" server "${lat_addr[$t]}" $((PORT + 1)) &
	BG_PIDS+=($!)
	wait_listen $((PORT + 1)) "${ns[@]}"
	unset -n ns
	: >"$CSV.rtt-$t"
done
# RTT round trips per target, in 5 chunks alternating between the targets, 200 more
# at the start of each chunk thrown away (a fresh connection, cold caches).
chunk=$(( (RTT + 4) / 5 ))
for ((r = 0; r < 5; r++)); do
	for ((v = 0; v < ${#lat_targets[@]}; v++)); do
		t=${lat_targets[(r + v) % ${#lat_targets[@]}]}
		python3 -c "$PINGPONG" client "${lat_addr[$t]}" $((PORT + 1)) "$chunk" 200 \
			>>"$CSV.rtt-$t" || bench_die "ping-pong to $t failed"
	done
done

# ---- 3. set-up cost: hyperfine ---------------------------------------------------------

w create s0 >/dev/null
w create s1 --ip 10.232.0.20 >/dev/null
w create s2 --ip 10.232.0.21 --ip fd00:232::21 >/dev/null
wq="$WIRT --root $BENCH_ROOT"
q=">/dev/null 2>&1 || true"
names=() cmds=() preps=()
add() { names+=("$1"); cmds+=("$2"); preps+=("$3"); }
add "start, no network" "$wq start s0" "$wq stop --force s0 $q"
add "start, --ip (v4), table present" "$wq start s1" "$wq stop --force s1 $q; $wq start n1 $q"
add "start, --ip v4+v6, table present" "$wq start s2" "$wq stop --force s2 $q; $wq start n1 $q"
add "start, --ip (v4), first of its root: creates the table" "$wq start s1" \
	"$wq stop --force s1 $q; $wq stop --force s2 $q; $wq stop --force n1 $q"
add "stop --force, no network" "$wq stop --force s0" "$wq start s0 $q"
add "stop --force, --ip (v4), table present" "$wq stop --force s1" \
	"$wq start n1 $q; $wq start s1 $q"
args=(--warmup "$WARMUP" --runs "$RUNS" --export-markdown "$CSV.hyperfine.md"
	--export-json "$CSV.hyperfine.json")
for i in "${!cmds[@]}"; do args+=(--prepare "${preps[$i]}"); done
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine "${args[@]}" >&2
for s in s0 s1 s2; do w stop --force $s >/dev/null 2>&1 || true; done
w start n1 >/dev/null 2>&1 || true
[ "$(bench_status_field n1 pid)" != null ] || bench_die "n1 is not running after hyperfine"

# ---- 3b. N networked vServers ----------------------------------------------------------

addr_of() { echo "10.232.$((1 + ($1 - 1) / 250)).$(( ($1 - 1) % 250 + 1 ))"; }
w create pnet --ip 10.232.0.30 >/dev/null
w create pnone >/dev/null
# Elapsed ms of a wirt command; fails with it.
time_w() {
	local t0
	now; t0=$NOW
	w "$@" >/dev/null 2>"$BENCH_ROOT/err" || { cat "$BENCH_ROOT/err" >&2; return 1; }
	now; awk -v d=$((NOW - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }'
}
probe() { # RUNNING
	local k t
	for ((k = 1; k <= PROBE; k++)); do
		for p in pnet pnone; do
			t=$(time_w start $p) || bench_die "wirt start $p failed"
			w stop --force $p >/dev/null || bench_die "wirt stop --force $p failed"
			echo "$1,$p,$k,$t" >>"$CSV.probe.csv"
		done
	done
}
echo "running,vserver,k,start_ms" >"$CSV.probe.csv"
probe 0

echo "i,create_ms,start_ms" >"$CSV.ramp.csv"
started=0
for ((i = 1; i <= N; i++)); do
	c=$(time_w create "r$i" --ip "$(addr_of "$i")") || bench_die "wirt create r$i failed"
	s=$(time_w start "r$i") || bench_die "wirt start r$i failed"
	started=$i
	echo "$i,$c,$s" >>"$CSV.ramp.csv"
	(( i % 50 == 0 )) && bench_log "$i networked vServers running"
done
elems=$(nft list set inet "$NET_TABLE" v4_owned | grep -o '10\.232\.[0-9.]*' | wc -l)
links=$(ip -o link show | awk -F': ' -v p="$NET_PREFIX" 'index($2, p) == 1' | wc -l)
probe "$started"

echo "i,stop_ms" >"$CSV.stop.csv"
for ((i = started; i >= 1; i--)); do
	t=$(time_w stop --force "r$i") || bench_die "wirt stop --force r$i failed"
	echo "$i,$t" >>"$CSV.stop.csv"
done

# ---- report ----------------------------------------------------------------------------

{
	echo
	echo "## 1. throughput, iperf3 host -> server, ${SECS} s each, $ROUNDS rounds (Gbit/s; retransmits)"
	awk -F'\t' '{ g[$1] = g[$1] sprintf(" %.2f", $2); r[$1] = r[$1] " " $3; if (!($1 in o)) o[$1] = ++n; k[o[$1]] = $1 }
		END { for (i = 1; i <= n; i++) printf "%-18s %s   (retr%s)\n", k[i], g[k[i]], r[k[i]] }' "$CSV.tput"
	for v in "${variants[@]}"; do
		printf '%s %s\n' "$v" "$(awk -F'\t' -v v="$v" '$1 == v { print $2 }' "$CSV.tput" | median)"
	done | awk '{ m[$1] = $2; o[NR] = $1 }
		END { for (i = 1; i <= NR; i++)
			printf "median %-18s %6.2f Gbit/s  x loopback %.2f\n", o[i], m[o[i]], m[o[i]] / m["loopback"]
			printf "target vserver >= 0.9 x loopback: %s\n", ((m["vserver"] / m["loopback"] >= 0.9) ? "met" : "NOT met") }'
	# the ratio within each round (the two ran next to each other)
	awk -F'\t' '{ n[$1]++; v[$1, n[$1]] = $2 }
		END { printf "per round vserver/loopback:"; for (i = 1; i <= n["vserver"]; i++)
			printf " %.2f", v["vserver", i] / v["loopback", i]; print "" }' "$CSV.tput"
	echo
	echo "## 2. TCP round trip, one-byte ping-pong, python3, $((chunk * 5)) per target (µs)"
	for t in "${lat_targets[@]}"; do
		read -r p50 p99 mean < <(stats "$CSV.rtt-$t")
		echo "$t $p50 $p99 $mean"
	done | awk '{ a[$1] = $2; b[$1] = $3; c[$1] = $4; o[NR] = $1 }
		END { for (i = 1; i <= NR; i++) { t = o[i]
			printf "%-10s p50 %7.1f  p99 %7.1f  mean %7.1f   x loopback: p50 %.2f, p99 %.2f\n",
				t, a[t], b[t], c[t], a[t] / a["loopback"], b[t] / b["loopback"] } }'
	echo
	echo "## 3. wirt start / stop --force, hyperfine --warmup $WARMUP --runs $RUNS (ms)"
	jq -r '(.results[0].mean) as $base | .results[] | [.command,
		(.mean * 1000 | . * 10 | round / 10 | tostring) + " ± " + (.stddev * 1000 | . * 10 | round / 10 | tostring),
		"median " + (.median * 1000 | . * 10 | round / 10 | tostring),
		"min " + (.min * 1000 | . * 10 | round / 10 | tostring)] | @tsv' "$CSV.hyperfine.json" |
		column -t -s $'\t'
	echo
	echo "## 3b. $started networked vServers started one after another (plus n1 running)"
	echo "nft: $elems of the ramp's addresses in $NET_TABLE v4_owned, $links links $NET_PREFIX* at the peak"
	awk -F, -v n="$started" 'NR > 1 { c[$1] = $2; s[$1] = $3 }
		END { for (i = 1; i <= 10; i++) { print "sf", s[i]; print "sl", s[n - 10 + i]; print "cf", c[i]; print "cl", c[n - 10 + i] }
			for (i = 1; i <= n; i++) print "s" int((i - 1) / 50), s[i] }' "$CSV.ramp.csv" |
		sort -k1,1 -k2,2n | awk '{ v[$1, ++n[$1]] = $2 }
		END { for (k in n) { m = n[k]; med[k] = m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2 }
			printf "start:  median of first 10 %.1f ms, of last 10 %.1f ms, ratio %.2f\n", med["sf"], med["sl"], med["sl"] / med["sf"]
			printf "create: median of first 10 %.1f ms, of last 10 %.1f ms, ratio %.2f\n", med["cf"], med["cl"], med["cl"] / med["cf"]
			printf "start, median per 50:"; for (i = 0; ("s" i) in n; i++) printf " %d-%d: %.1f", i * 50 + 1, i * 50 + n["s" i], med["s" i]; print " ms" }'
	awk -F, -v n="$started" 'NR > 1 { t[$1] = $2 }
		END { for (i = 1; i <= 10; i++) { print "a", t[n - 10 + i]; print "b", t[i] } }' "$CSV.stop.csv" |
		sort -k1,1 -k2,2n | awk -v N="$started" '{ v[$1, ++n[$1]] = $2 }
		END { for (k in n) med[k] = (v[k, 5] + v[k, 6]) / 2
			printf "stop --force, in reverse: median of the first 10 (%d..%d running) %.1f ms, of the last 10 (10..1) %.1f ms, ratio %.2f\n", N, N - 9, med["a"], med["b"], med["a"] / med["b"] }'
	tail -n +2 "$CSV.probe.csv" | awk -F, '{ print $1 "/" $2, $4 }' | sort -k1,1 -k2,2n |
		awk '{ v[$1, ++n[$1]] = $2 }
		END { for (k in n) { m = n[k]; med[k] = m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2 }
			for (k in med) { split(k, a, "/"); if (a[1] != 0) big = a[1] }
			printf "probe (median of %d starts): pnet %.1f ms with 0 running, %.1f with %d, ratio %.2f;" \
				" pnone %.1f / %.1f, ratio %.2f; network share of a start: %.1f ms with 0, %.1f ms with %d\n",
				n["0/pnet"], med["0/pnet"], med[big "/pnet"], big, med[big "/pnet"] / med["0/pnet"],
				med["0/pnone"], med[big "/pnone"], med[big "/pnone"] / med["0/pnone"],
				med["0/pnet"] - med["0/pnone"], med[big "/pnet"] - med[big "/pnone"], big }'
	echo "data: $CSV.*"
} | tee -a "$REPORT"
