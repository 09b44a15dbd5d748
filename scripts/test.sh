#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every test suite, from a fresh Debian 12 machine (as root): set-up, then
#  1. the release build with warnings as errors: unit tests, fuzz corpus replay;
#  2. an ASan+UBSan build (clang): the same, and the integration tests against it;
#  3. the integration tests (real vServers) against the release build, with a Debian
#     template (debootstrap, cached in /var/cache/wirt-test) booting systemd;
#  4. the same engine on a pure cgroup v2 host: a qemu guest with Debian's kernel
#     (tests/vm, about a minute and a half);
#  5. each fuzz target for a short run (WIRT_FUZZ_SECONDS, default 10).
# Exits non-zero when any suite fails.
set -eu
cd "$(dirname "$0")/.."
scripts/setup.sh --test

echo "== unit (release build, -Werror)"
meson test -C build --print-errorlogs

echo "== unit (ASan+UBSan)"
if [ ! -d build-asan ]; then
	CC=clang meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false \
		--buildtype=debug -Dwerror=true >/dev/null
fi
ninja -C build-asan >/dev/null
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs

echo "== integration (real vServers, ASan+UBSan build)"
WIRT_BIN="$PWD/build-asan/wirt" ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=halt_on_error=1 \
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

echo "== integration (real vServers, release build; also a Debian guest with systemd)"
WIRT_BIN="$PWD/build/wirt" WIRT_TEST_DEBIAN=1 \
	/usr/bin/python3 -m pytest -q -p no:cacheprovider tests/integration

echo "== vm (cgroup v2 in qemu)"
tests/vm/run.sh

echo "== fuzz (${WIRT_FUZZ_SECONDS:-10}s a target)"
tests/fuzz/run.sh "${WIRT_FUZZ_SECONDS:-10}"

echo "== all suites passed"
