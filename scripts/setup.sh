#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs what wirt needs on Debian 12 (as root), builds it and installs it to
# /usr/local (the `wirt` binary and wirt-autostart.service). Safe to run again.
#   scripts/setup.sh            build deps, runtime deps, build, install
#   scripts/setup.sh --test     also what the test suites need
set -eu
cd "$(dirname "$0")/.."

[ "$(id -u)" = 0 ] || { echo "setup: run as root" >&2; exit 1; }

# Build: compiler, meson, the libraries the engine links. Runtime: the host's static
# busybox is the built-in template; debootstrap builds the debian template; zstd and
# xz read compressed template tarballs through libarchive; haproxy is the shared HTTPS
# edge, uacme gets its certificates, openssl reads them (docs/edge.md).
PKGS="gcc pkg-config meson ninja-build libseccomp-dev libcap-dev libinih-dev libarchive-dev libzstd-dev libmnl-dev
      libjansson-dev libnftables-dev nftables busybox-static debootstrap zstd xz-utils ca-certificates lxcfs
      haproxy uacme openssl"
if [ "${1:-}" = "--test" ]; then
	# sanitizer runtimes for clang builds, the fuzzers, pytest, the benchmark peers,
	# and what tests/vm needs to boot a cgroup v2 guest (qemu, an initramfs, an ext4 disk)
	PKGS="$PKGS clang libclang-rt-14-dev python3 python3-pytest hyperfine crun runc fio jq
	      qemu-system-x86 cpio e2fsprogs iproute2 iperf3 curl"
	# the clients that drive wirt-oci in test_oci_podman.py and test_oci_containerd.py:
	# Podman with conmon (its containers run with --network none; netavark and iptables
	# are what its default bridge network needs) and containerd with its runc shim
	PKGS="$PKGS podman conmon netavark iptables containerd"
	# a private ACME CA with its test DNS for test_domains.py, and wrk for bench/edge.sh
	PKGS="$PKGS pebble wrk"
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ ! -d build ]; then
	meson setup build --buildtype=debugoptimized -Dwerror=true >/dev/null
fi
ninja -C build >/dev/null
ninja -C build install >/dev/null

# lxcfs gives guests their own /proc/meminfo, uptime, ... (docs/lxcfs.md).
scripts/lxcfs.sh >/dev/null || echo "setup: lxcfs is not running: guests see the host's /proc" >&2

# Start vServers created with --autostart at boot, where systemd runs the host.
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	systemctl enable wirt-autostart.service >/dev/null 2>&1 || true
fi
echo "setup: wirt $(/usr/local/bin/wirt --version | cut -d' ' -f2) installed to /usr/local/bin/wirt"
