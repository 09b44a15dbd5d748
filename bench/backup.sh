#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# bench/backup.sh: time and size of `wirt export` and `wirt import` of a running Debian
# vServer (template bookworm minbase, plus DATA of its own: a copy of its /usr/share,
# text that compresses, and RANDOM_MB of random bytes, which does not), each beside
# GNU tar + zstd doing the same work (same trees, xattrs and ACLs, zstd -3 on all
# cores) in one hyperfine run; and the time of a snapshot of the running vServer.
# Usage: bench/backup.sh    env: RANDOM_MB=64 RUNS=5 BENCH_OUT=bench/out WIRT=build/wirt
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
. "$(dirname "$0")/lib.sh"

RANDOM_MB=${RANDOM_MB:-64}
RUNS=${RUNS:-5}
OUT=${BENCH_OUT:-$BENCH_DIR/out}
STAMP=$(date +%Y%m%d-%H%M%S)
[ "$(id -u)" = 0 ] || bench_die "run as root"
command -v hyperfine >/dev/null || bench_die "hyperfine is not installed"
command -v zstd >/dev/null || bench_die "zstd is not installed"
mkdir -p "$OUT"

OTHER=$(mktemp -d /tmp/wirt-bench-other.XXXXXX)
WORK=$(mktemp -d /tmp/wirt-bench-work.XXXXXX)
chmod 0755 "$OTHER"
cleanup() {
	local rc=0
	if [ -d "$OTHER/vservers" ]; then
		for v in "$OTHER"/vservers/*; do
			[ -d "$v" ] && { "$WIRT" --root "$OTHER" delete --force "${v##*/}" >/dev/null || rc=1; }
		done
	fi
	rm -rf --one-file-system "$OTHER" "$WORK"
	bench_cleanup || rc=1
	return $rc
}
trap 'cleanup || exit 1' EXIT
trap 'exit 130' INT TERM

bench_root_new
bench_log "building the debian template (debootstrap, a few minutes)"
w template build debian >/dev/null || bench_die "template build debian"
w create deb --template debian --network none >/dev/null
w start deb
w exec deb -- sh -c "cp -a /usr/share /srv/share &&
	dd if=/dev/urandom of=/srv/random bs=1M count=$RANDOM_MB 2>/dev/null && sync" ||
	bench_die "fill the vServer"

TEMPLATE=$BENCH_ROOT/templates/debian/rootfs
UPPER=$BENCH_ROOT/vservers/deb/upper
tsize=$(du -sb "$TEMPLATE" | cut -f1)
usize=$(du -sb "$UPPER" | cut -f1)
mib() { echo "$(($1 / 1048576)) MiB"; }
bench_log "template $(mib "$tsize"), the vServer's own files $(mib "$usize")"

TAR_FLAGS="--xattrs --xattrs-include=* --acls --numeric-owner --sparse"
ZSTD="zstd -3 -T0 -q"
# each export writes its file anew; GNU tar reads the same trees (the stopped view: no
# frozen copy first, which wirt makes of a running vServer)
hyperfine --runs "$RUNS" --warmup 1 \
	-n "wirt export (template + own files, running)" \
	"$WIRT --root $BENCH_ROOT export deb $WORK/full.tar.zst" \
	-n "wirt export --no-template (own files, running)" \
	"$WIRT --root $BENCH_ROOT export deb $WORK/own.tar.zst --no-template" \
	-n "tar + zstd of template + own files" \
	"tar $TAR_FLAGS -C $TEMPLATE -cf - . -C $UPPER . | $ZSTD -o $WORK/tar-full.tar.zst -f" \
	-n "tar + zstd of own files" \
	"tar $TAR_FLAGS -C $UPPER -cf - . | $ZSTD -o $WORK/tar-own.tar.zst -f" \
	--export-json "$OUT/backup-export-$STAMP.json"

# imports: into another root dir (as another host: the template comes along), into
# this one with the template there; tar's extraction of the same archive beside them
mkdir -p "$WORK/x"
hyperfine --runs "$RUNS" \
	--prepare "sh -c '$WIRT --root $OTHER delete --force moved >/dev/null 2>&1; $WIRT --root $OTHER template delete debian >/dev/null 2>&1; true'" \
	-n "wirt import, another root (template comes along)" \
	"$WIRT --root $OTHER import $WORK/full.tar.zst moved" \
	--prepare "sh -c '$WIRT --root $BENCH_ROOT delete --force copy >/dev/null 2>&1; true'" \
	-n "wirt import --no-template archive, template here" \
	"$WIRT --root $BENCH_ROOT import $WORK/own.tar.zst copy" \
	--prepare "rm -rf $WORK/x; mkdir $WORK/x" \
	-n "tar + zstd extraction of the full archive" \
	"sh -c '$ZSTD -dc $WORK/full.tar.zst | tar $TAR_FLAGS -C $WORK/x -xf -'" \
	--export-json "$OUT/backup-import-$STAMP.json"
w start copy
w exec copy -- sh -c 'test -s /srv/random && ls /srv/share | head -1' >/dev/null ||
	bench_die "the imported vServer does not hold the files"

w snapshot deb s >/dev/null
hyperfine --shell=none --runs "$RUNS" --warmup 1 \
	--prepare "$WIRT --root $BENCH_ROOT snapshot delete deb s" \
	-n "snapshot of the running Debian vServer ($(mib "$usize") of its own)" \
	"$WIRT --root $BENCH_ROOT snapshot deb s" \
	--export-json "$OUT/backup-snapshot-$STAMP.json"

echo "sizes: template $(mib "$tsize"), own files $(mib "$usize") (apparent, du -sb)"
for f in full own tar-full tar-own; do
	printf '  %-14s %s\n' "$f.tar.zst" "$(mib "$(stat -c %s "$WORK/$f.tar.zst")")"
done
echo "command: bench/backup.sh (RANDOM_MB=$RANDOM_MB RUNS=$RUNS), $BENCH_WIRT_VERSION"
