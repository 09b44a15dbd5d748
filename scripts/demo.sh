#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job, from a fresh Debian 12 machine (as root): set up wirt, build the
# built-in busybox template, create the vServer 'web1' with an address of its own
# (routed: reachable from this host; DEMO_IP, default 10.199.0.10, a private address
# that stays on this machine), start it with its web server, and fetch the page it
# serves from the host. Run it again and it reuses what is there.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh
WIRT=/usr/local/bin/wirt

$WIRT template list | grep -q '^busybox ' || $WIRT template build busybox
IP=${DEMO_IP:-10.199.0.10}
$WIRT status web1 >/dev/null 2>&1 || $WIRT create web1 --hostname web1.example --ip "$IP"
# a web1 from before it had an address gets one (live, if it runs)
$WIRT status web1 | grep -q "^addresses: .*$IP/" || $WIRT set web1 "ip=$IP"
$WIRT status web1 | grep -q 'state: *running' || $WIRT start web1
$WIRT status web1
echo
echo "--- the page web1 serves (fetched by this host from http://$IP/) ---"
# httpd is started by the guest's init: give it a moment on a slow machine
for i in 1 2 3 4 5 6 7 8 9 10; do
	busybox wget -qO- "http://$IP/" 2>/dev/null && exit 0
	sleep 0.5
done
echo "demo: web1 did not serve a page; see 'wirt logs web1'" >&2
exit 1
