#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the libFuzzer targets with clang (meson -Dfuzz=true) and runs each for a while.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]     default: 30 s each, all targets
#
# The build goes to $FUZZ_BUILD_DIR (default build-fuzz/ in the source tree). New
# inputs libFuzzer finds go to $FUZZ_BUILD_DIR/corpus/<target>/, not into the
# checked-in seeds: copy the interesting ones (small, a new kind of input) into
# tests/fuzz/corpus/<target>/ by hand, where they replay as unit tests. A crash
# leaves its input in $FUZZ_BUILD_DIR/artifacts/ and makes this script fail.
set -eu

seconds=${1:-30}
[ $# -gt 0 ] && shift
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
targets=${*:-fuzz-config fuzz-size fuzz-net fuzz-oci-config fuzz-oci-names fuzz-backup-manifest fuzz-domain}

if [ ! -f "$build/build.ninja" ]; then
	CC=${CC:-clang} meson setup "$build" "$src" -Dfuzz=true -Dbuildtype=debugoptimized
fi
for t in $targets; do
	ninja -C "$build" "tests/fuzz/$t"
done

status=0
for t in $targets; do
	mkdir -p "$build/corpus/$t" "$build/artifacts"
	dict=
	[ -f "$src/tests/fuzz/$t.dict" ] && dict="-dict=$src/tests/fuzz/$t.dict"
	echo "== $t for ${seconds}s"
	# The first corpus dir receives new inputs; the checked-in seeds are only read.
	if ! "$build/tests/fuzz/$t" -max_total_time="$seconds" -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$t-" $dict \
		"$build/corpus/$t" "$src/tests/fuzz/corpus/$t"; then
		echo "$t: failed, see $build/artifacts/" >&2
		status=1
	fi
done
exit $status
