#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/edge.sh: what the shared edge (docs/edge.md) costs, side by side in ONE run (the
# machine is shared and noisy, so only figures from one run compare):
#   1. throughput: wrk against one busybox vServer's httpd (a small static page) reached
#      directly over plain HTTP (http://VSERVER_IP/), through the edge over HTTPS
#      (https://a.test:PORT/, TLS terminated by HAProxy, X-Forwarded-For added), and, as a
#      diagnostic, through the edge over plain HTTP (a --tls off domain): SECS s each,
#      ROUNDS rounds in rotating order; requests/s, p50 and p99 (wrk --latency), and the
#      SYNs the vServer dropped meanwhile (a p99 near 1 s is then SYN retransmission);
#   2. the latency the edge adds: p50 and p99 of the HTTPS path minus the direct one;
#   3. time to a certificate: from `wirt domain add` to the first good HTTPS answer
#      (curl --cacert <Pebble's root>, the vServer's page), ISSUE times with fresh domains,
#      against Pebble (Debian's, no validation sleep) on this machine.
# Everything is on this machine: Pebble and its DNS (pebble-challtestsrv, both run by
# tests/integration/acme_ca.py) on 127.77.7.1, the edge on 127.77.7.10 with free high
# ports, the vServer at 10.233.7.10 (10.233.7.0/24 is blackholed on the host meanwhile).
# wrk verifies no certificate and has no --resolve: it runs in a private mount namespace
# whose /etc/hosts maps the test domains to the edge, so it sends the right SNI. Each wrk
# connection is kept alive to its target; busybox httpd closes every connection, so on
# the edge paths HAProxy opens a new one to the vServer for each request (as it would to
# any web server that does not keep connections alive). wrk times a request from its
# write, so the direct path's per-request connect is not in its latency while the edge's
# connect to the vServer is; with more than about 8 connections busybox httpd's listen
# queue overflows and the edge paths' p99 becomes a 1 s SYN retransmission (syn_drops).
# A host config of its own (WIRT_CONFIG), so /etc/wirt/wirt.conf does not matter.
# Usage: bench/edge.sh   (env: SECS=10 ROUNDS=3 THREADS=2 CONNS=8 ISSUE=5
#        BENCH_OUT=bench/out WIRT=build/wirt)
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
THREADS=${THREADS:-2}
CONNS=${CONNS:-8}
ISSUE=${ISSUE:-5}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[ "$(id -u)" = 0 ] || bench_die "run as root"
for c in wrk haproxy uacme pebble pebble-challtestsrv openssl curl python3 ss ip unshare; do
	command -v $c >/dev/null || bench_die "$c is not installed"
done
mkdir -p "$OUT"
REPORT=$OUT/edge-$STAMP.txt

LO=127.77.7
CA_IP=$LO.1 EDGE_IP=$LO.10
NET=10.233.7.0/24 GUEST=10.233.7.10
if ss -Hltn | awk '{ print $4 }' | grep -q "^$LO\."; then
	bench_die "something listens on $LO.0/24 already: $(ss -Hltn | grep "$LO\." | tr '\n' ';')"
fi
ip route show table all | grep -qF 10.233.7. && bench_die "10.233.7.0/24 is in use on this host"

free_port() {
	python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"
}
HTTP_PORT=$(free_port $EDGE_IP)
HTTPS_PORT=$(free_port $EDGE_IP)

TMP=$(mktemp -d /tmp/wirt-bench-edge.XXXXXX)
PEBBLE_PID='' ROUTE=''
edge_cleanup() {
	local rc=0 left
	if [ -n "${BENCH_ROOT:-}" ] && [ -d "$BENCH_ROOT" ]; then
		for name in "$BENCH_ROOT"/vservers/*; do
			[ -d "$name" ] && { w delete --force "${name##*/}" >/dev/null 2>&1 || true; }
		done
		w edge stop >/dev/null 2>&1 || { bench_log "cleanup: wirt edge stop failed"; rc=1; }
		left=$(pgrep -f "$BENCH_ROOT/edge" || true)
		if [ -n "$left" ]; then
			bench_log "cleanup: edge processes left after wirt edge stop: ${left//$'\n'/ }; killing them"
			# shellcheck disable=SC2086
			kill -9 $left 2>/dev/null || true
			rc=1
		fi
	fi
	if [ -n "$PEBBLE_PID" ]; then
		kill "$PEBBLE_PID" 2>/dev/null || true
		wait "$PEBBLE_PID" 2>/dev/null || true
	fi
	bench_cleanup || rc=1
	[ -z "$ROUTE" ] || ip route del blackhole $NET 2>/dev/null || true
	sleep 0.5
	left=$(ss -Hltnp | grep "$LO\." || true)
	if [ -n "$left" ]; then
		bench_log "cleanup: still listening on $LO.0/24: $left"
		rc=1
	fi
	rm -rf "$TMP"
	return $rc
}
trap 'edge_cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

ip route add blackhole $NET
ROUTE=1

# Pebble + DNS: every name resolves to the edge; HTTP-01 is validated on its http_port
python3 "$BENCH_DIR/../tests/integration/acme_ca.py" --ip $CA_IP --http-port "$HTTP_PORT" \
	--default-ipv4 $EDGE_IP --env "$TMP/pebble.env" >"$TMP/pebble.log" 2>&1 &
PEBBLE_PID=$!
for _ in $(seq 100); do [ -e "$TMP/pebble.env" ] && break; sleep 0.1; done
[ -e "$TMP/pebble.env" ] || bench_die "Pebble did not start: $(cat "$TMP/pebble.log")"
# shellcheck disable=SC1091
. "$TMP/pebble.env"

export WIRT_CONFIG=$TMP/wirt.conf
cat >"$WIRT_CONFIG" <<EOF
[edge]
listen = $EDGE_IP
http_port = $HTTP_PORT
https_port = $HTTPS_PORT
acme_directory = $PEBBLE_DIRECTORY
acme_email = hostmaster@wirt-test.org
acme_ca_bundle = $PEBBLE_HTTPS_CA
EOF

bench_root_new
bench_template_busybox
w create web --ip $GUEST >/dev/null
w start web
MARK="bench-edge-$RANDOM$RANDOM"
w exec web -- sh -c "echo $MARK > /var/www/index.html"
for _ in $(seq 50); do curl -sf -m 2 "http://$GUEST/" | grep -q "$MARK" && break; sleep 0.2; done
curl -sf -m 2 "http://$GUEST/" | grep -q "$MARK" || bench_die "the vServer's httpd does not answer"

good_https() { # DOMAIN: the vServer's page over verified HTTPS through the edge
	curl -sf -m 5 --cacert "$PEBBLE_ROOT" --resolve "$1:$HTTPS_PORT:$EDGE_IP" \
		"https://$1:$HTTPS_PORT/" 2>/dev/null | grep -q "$MARK"
}
now() { date +%s.%N; }

# ---- 3. domain add -> first good HTTPS answer (first: it also registers the account and
# starts the edge, so it is reported apart) ----
ISSUE_LINES=()
for i in $(seq 0 "$ISSUE"); do
	d="c$i.test"
	t0=$(now)
	w domain add web "$d" >/dev/null 2>"$TMP/add.err" || bench_die "wirt domain add web $d: $(cat "$TMP/add.err")"
	t1=$(now)
	until good_https "$d"; do
		if (($(echo "$(now) - $t0 > 60" | bc))); then
			bench_die "$d: no good HTTPS answer 60 s after domain add: $(w domain list "web")"
		fi
		sleep 0.01
	done
	t2=$(now)
	ISSUE_LINES+=("$(printf '%s %.3f %.3f' "$d" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t0" | bc)")")
done

# ---- 1. wrk ----
w domain add web a.test >/dev/null
w domain add web plain.test --tls off >/dev/null
good_https a.test || bench_die "a.test: no good HTTPS answer"
printf '%s a.test plain.test\n' "$EDGE_IP" >"$TMP/hosts"
curl -sf -m 5 --resolve "plain.test:$HTTP_PORT:$EDGE_IP" "http://plain.test:$HTTP_PORT/" | grep -q "$MARK" ||
	bench_die "plain.test: the edge does not route plain HTTP"

declare -A URL=(
	[direct]="http://$GUEST/"
	[edge-https]="https://a.test:$HTTPS_PORT/"
	[edge-http]="http://plain.test:$HTTP_PORT/"
)
ORDER=(direct edge-https edge-http)
GPID=$(bench_status_field web pid)
# SYNs the vServer's listening sockets dropped (busybox httpd listens with a small
# backlog): a p99 near 1 s with drops is TCP's SYN retransmission, not the proxy
listen_drops() {
	nsenter --net=/proc/"$GPID"/ns/net cat /proc/net/netstat | awk '/^TcpExt:/ {
		if (!h) { for (i = 1; i <= NF; i++) n[i] = $i; h = 1 }
		else for (i = 1; i <= NF; i++) if (n[i] == "ListenDrops") print $i }'
}
run_wrk() { # NAME ROUND
	local before
	before=$(listen_drops)
	# shellcheck disable=SC2016
	unshare -m --propagation private sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' \
		"$TMP/hosts" wrk -t"$THREADS" -c"$CONNS" -d"${SECS}s" --latency "${URL[$1]}" \
		>"$TMP/wrk-$1-$2.txt" 2>&1 || bench_die "wrk $1: $(cat "$TMP/wrk-$1-$2.txt")"
	echo $(($(listen_drops) - before)) >"$TMP/drops-$1-$2"
}
for r in $(seq "$ROUNDS"); do
	for k in $(seq 0 $((${#ORDER[@]} - 1))); do
		name=${ORDER[$(((k + r) % ${#ORDER[@]}))]}
		bench_log "round $r: $name"
		run_wrk "$name" "$r"
	done
done

# wrk's figures of one run: "RPS P50_MS P99_MS ERRORS"
parse_wrk() {
	awk '
	function ms(v) {
		if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
		if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
		if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
		return v
	}
	/^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx or 3xx responses:/ { err += $NF }
	/Socket errors:/ { gsub(",", ""); err += $4 + $6 + $8 + $10 }
	END { printf "%.0f %.3f %.3f %d\n", rps, p50, p99, err }' "$1"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

{
	echo "# bench/edge.sh $STAMP"
	echo "wirt: $BENCH_WIRT_VERSION"
	echo "host: $(uname -r), $(nproc) CPUs; $(haproxy -v | head -1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); pebble $(dpkg-query -W -f '${Version}' pebble 2>/dev/null || echo '?')"
	echo "command: bench/edge.sh (SECS=$SECS ROUNDS=$ROUNDS THREADS=$THREADS CONNS=$CONNS ISSUE=$ISSUE)"
	echo "wrk -t$THREADS -c$CONNS -d${SECS}s --latency URL, rounds in rotating order;" \
		"syn_drops: SYNs the vServer's listen queue dropped meanwhile (ListenDrops)"
	echo
	printf '%-11s %-40s %5s %10s %9s %9s %7s %11s\n' path url round req/s p50_ms p99_ms errors \
		syn_drops
	for name in "${ORDER[@]}"; do
		for r in $(seq "$ROUNDS"); do
			read -r rps p50 p99 err < <(parse_wrk "$TMP/wrk-$name-$r.txt")
			printf '%-11s %-40s %5s %10s %9s %9s %7s %11s\n' "$name" "${URL[$name]}" "$r" "$rps" \
				"$p50" "$p99" "$err" "$(cat "$TMP/drops-$name-$r")"
			echo "$rps $p50 $p99 $err" >>"$TMP/fig-$name"
		done
	done
	echo
	printf '%-11s %10s %9s %9s %7s   (medians of the rounds)\n' path req/s p50_ms p99_ms errors
	for name in "${ORDER[@]}"; do
		rps=$(cut -d' ' -f1 "$TMP/fig-$name" | median)
		p50=$(cut -d' ' -f2 "$TMP/fig-$name" | median)
		p99=$(cut -d' ' -f3 "$TMP/fig-$name" | median)
		err=$(awk '{ s += $4 } END { print s }' "$TMP/fig-$name")
		printf '%-11s %10s %9s %9s %7s\n' "$name" "$rps" "$p50" "$p99" "$err"
		eval "M_${name//-/_}='$rps $p50 $p99'"
	done
	# shellcheck disable=SC2154
	read -r d_rps d_p50 d_p99 <<<"$M_direct"
	# shellcheck disable=SC2154
	read -r e_rps e_p50 e_p99 <<<"$M_edge_https"
	echo
	printf 'HTTPS through the edge: %.1f %% of the direct HTTP requests/s; added latency p50 %+.3f ms, p99 %+.3f ms\n' \
		"$(echo "100 * $e_rps / $d_rps" | bc -l)" "$(echo "$e_p50 - $d_p50" | bc -l)" "$(echo "$e_p99 - $d_p99" | bc -l)"
	echo
	echo "domain add -> first good HTTPS answer (Pebble on this machine; c0 also registers the ACME account and starts the edge):"
	printf '  %-10s %12s %16s\n' domain "add_returns_s" "first_https_s"
	for l in "${ISSUE_LINES[@]}"; do
		# shellcheck disable=SC2086
		printf '  %-10s %12s %16s\n' $l
	done
	printf '  median of c1..c%s: %s s\n' "$ISSUE" \
		"$(printf '%s\n' "${ISSUE_LINES[@]:1}" | awk '{ print $3 }' | median)"
} | tee "$REPORT"
echo "report: $REPORT"
