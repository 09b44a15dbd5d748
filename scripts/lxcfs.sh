#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Starts lxcfs (Debian's package) when it is not serving its files yet, so that vServers
# started from now on see their own limits in /proc/meminfo, cpuinfo, stat, uptime, ...
# (see docs/lxcfs.md). Safe to run again. As root.
#   scripts/lxcfs.sh            start it if needed
#   scripts/lxcfs.sh --status   exit 0 when it serves its files, 1 when not
# On a systemd host the package's unit runs it (enabled here); elsewhere lxcfs is started
# in the background with its log in /var/log/lxcfs.log.
# vServers started while lxcfs was down keep the host's view until they are restarted.
set -eu

DIR="${WIRT_LXCFS_DIR:-/var/lib/lxcfs}"
LOG=/var/log/lxcfs.log
PIDFILE=/run/lxcfs.pid

# Serving: a FUSE mount at DIR (statfs type 0x65735546) whose files can be read. A dead
# daemon leaves its mount behind, and reading it then fails (ENOTCONN).
serving() {
	[ "$(stat -f -c %t "$DIR" 2>/dev/null)" = 65735546 ] &&
		head -c1 "$DIR/proc/meminfo" >/dev/null 2>&1
}

if [ "${1:-}" = "--status" ]; then
	serving
	exit
fi

[ "$(id -u)" = 0 ] || { echo "lxcfs.sh: run as root" >&2; exit 1; }
command -v lxcfs >/dev/null || { echo "lxcfs.sh: lxcfs is not installed (apt-get install lxcfs)" >&2; exit 1; }

if serving; then
	echo "lxcfs.sh: lxcfs serves $DIR"
	exit 0
fi

if [ -d /run/systemd/system ] && [ "$DIR" = /var/lib/lxcfs ]; then
	# The same options as below, so a guest sees the same on every host.
	dropin=/etc/systemd/system/lxcfs.service.d/wirt.conf
	if [ ! -e "$dropin" ]; then
		mkdir -p "${dropin%/*}"
		printf '[Service]\nExecStart=\nExecStart=/usr/bin/lxcfs -l --enable-cfs /var/lib/lxcfs\n' >"$dropin"
		systemctl daemon-reload
	fi
	systemctl enable lxcfs >/dev/null 2>&1
	# Not serving: stopped, or its daemon died and left the mount (the unit's stop
	# unmounts it). Nothing can be using it, so a restart loses nothing.
	systemctl restart lxcfs
else
	# A daemon that died leaves its mount: lxcfs refuses to mount over it.
	if grep -q " $DIR fuse" /proc/self/mounts; then
		fusermount -u "$DIR" 2>/dev/null || umount -l "$DIR"
	fi
	mkdir -p "$DIR"
	# -f and our own backgrounding keep its messages: daemonized, it sends them nowhere.
	# -l virtualizes /proc/loadavg; --enable-cfs shows a --cpus cap as that many CPUs.
	setsid lxcfs -f -l --enable-cfs -p "$PIDFILE" "$DIR" </dev/null >>"$LOG" 2>&1 &
fi

i=0
until serving; do
	i=$((i + 1))
	if [ "$i" -gt 50 ]; then
		echo "lxcfs.sh: lxcfs did not come up at $DIR; see $LOG" >&2
		exit 1
	fi
	sleep 0.1
done
echo "lxcfs.sh: lxcfs serves $DIR"
