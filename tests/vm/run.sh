#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgroup v2 in a qemu guest (see README.md): boots Debian's kernel with an initramfs
# holding a static wirt and wirt-oci, busybox and checks.sh, on a pure cgroup v2 host,
# and reports what checks.sh found. Exits 0 only when every check passed.
#   tests/vm/run.sh [CHECK...]     every check, or only the named ones (oci-run or
#                                  check_oci_run: either spelling)
# Environment: WIRT_VM_CACHE (default /var/cache/wirt-test/vm), WIRT_VM_KERNEL (a
# linux-image package; default the newest unsigned linux-image-6.*-amd64 apt knows),
# WIRT_VM_BUILD (default build-vm-static), WIRT_VM_TIMEOUT (seconds, default 420),
# WIRT_VM_VERBOSE=1 (stream the whole console), WIRT_VM_SCRIPT=FILE (run FILE in the
# VM instead of checks.sh, to poke at something).
set -eu
cd "$(dirname "$0")/../.."
REPO=$PWD
CACHE=${WIRT_VM_CACHE:-/var/cache/wirt-test/vm}
BUILD=${WIRT_VM_BUILD:-$REPO/build-vm-static}
TIMEOUT=${WIRT_VM_TIMEOUT:-420}
MARK="@@wirt-vm@@"
# Loaded in this order; a dependency is loaded before its user (from the .ko's own
# modinfo). crc32c_generic: ext4's metadata checksums ask the crypto API for crc32c,
# and nothing in the initramfs could load it on demand.
MODULES="virtio_pci virtio_blk crc32c_generic ext4 overlay"

die() {
	echo "vm: $*" >&2
	echo "vm: 0 passed, 1 failed"
	exit 1
}

for t in ${CC:-cc} qemu-system-x86_64 cpio mkfs.ext4 apt-get dpkg xz gzip meson ninja; do
	command -v $t >/dev/null || die "needs $t (scripts/setup.sh --test installs it)"
done
[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
	die "needs a static /bin/busybox (busybox-static)"

# ---- 1. the kernel, fetched once --------------------------------------------------

pick_kernel() {
	apt-cache search --names-only '^linux-image-6\.[0-9.+a-z-]*-amd64-unsigned$' |
		cut -d' ' -f1 | grep -v -e '-rt-' -e '-cloud-' | sort -V | tail -1
}

PKG=${WIRT_VM_KERNEL:-$(pick_kernel)}
[ -n "$PKG" ] || die "apt knows no linux-image-6.*-amd64-unsigned (apt-get update?)"
KDIR=$CACHE/$PKG
if [ ! -e "$KDIR/.complete" ]; then
	echo "vm: fetching $PKG into $CACHE"
	mkdir -p "$CACHE"
	rm -rf "$KDIR" "$CACHE/dl"
	mkdir -p "$CACHE/dl"
	(cd "$CACHE/dl" && apt-get download -q -o APT::Sandbox::User=root "$PKG" >/dev/null) ||
		die "apt-get download $PKG"
	dpkg -x "$CACHE"/dl/*.deb "$KDIR.tmp" || die "dpkg -x $PKG"
	rm -rf "$CACHE/dl"
	mv "$KDIR.tmp" "$KDIR"
	touch "$KDIR/.complete"
fi
VMLINUZ=$(ls "$KDIR"/boot/vmlinuz-* | head -1)
MODDIR=$(ls -d "$KDIR"/lib/modules/* | head -1)
KVER=${MODDIR##*/}

# ---- 2. wirt, static ---------------------------------------------------------------

if [ ! -e "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" --buildtype=debugoptimized -Dprefer_static=true -Dnetwork=false \
		-Dc_link_args=-static >/dev/null || die "meson setup $BUILD"
fi
# libmnl has no static library in Debian: the VM's wirt runs vServers without network
meson configure "$BUILD" -Dnetwork=false >/dev/null || die "meson configure $BUILD"
ninja -C "$BUILD" wirt wirt-supervisor wirt-oci >/dev/null || die "build wirt in $BUILD"
for b in wirt wirt-supervisor wirt-oci; do
	ldd "$BUILD/$b" >/dev/null 2>&1 && die "$BUILD/$b is not static"
done

# ---- 3. the initramfs and the disk -------------------------------------------------

OUT=$BUILD/vm
rm -rf "$OUT"
mkdir -p "$OUT"
IR=$OUT/initramfs
mkdir -p "$IR/bin" "$IR/sbin" "$IR/usr/bin" "$IR/usr/sbin" "$IR/lib/modules" "$IR/etc" \
	"$IR/proc" "$IR/sys" "$IR/dev" "$IR/tmp" "$IR/var/lib/wirt"
cp /bin/busybox "$IR/bin/busybox"
for a in $(/bin/busybox --list-full); do
	[ "$a" = bin/busybox ] || ln -sf /bin/busybox "$IR/$a"
done
install -m 0755 "$BUILD/wirt" "$BUILD/wirt-supervisor" "$BUILD/wirt-oci" "$IR/usr/sbin/"
strip "$IR/usr/sbin/wirt" "$IR/usr/sbin/wirt-supervisor" "$IR/usr/sbin/wirt-oci" 2>/dev/null || true
${CC:-cc} -O2 -static -o "$IR/forkbomb" tests/vm/forkbomb.c || die "build tests/vm/forkbomb.c"
install -m 0755 tests/vm/init "$IR/init"
install -m 0644 tests/vm/checks.sh tests/vm/json.awk "$IR/"
# A script of your own instead of checks.sh, for poking at the VM (its output is
# shown as check lines); checks.sh is still there to source helpers from.
[ -n "${WIRT_VM_SCRIPT:-}" ] && install -m 0644 "$WIRT_VM_SCRIPT" "$IR/debug.sh"
echo "root:x:0:0:root:/root:/bin/sh" >"$IR/etc/passwd"
echo "root:x:0:" >"$IR/etc/group"

ko_file() { # a module's file, compressed or not
	find "$MODDIR/kernel" \( -name "$1.ko" -o -name "$1.ko.xz" -o -name "$1.ko.zst" \) |
		head -1
}
ko_cat() {
	case "$1" in
	*.xz) xz -dc "$1" ;;
	*.zst) zstd -qdc "$1" ;;
	*) cat "$1" ;;
	esac
}
LOADED=" "
add_module() {
	local m f d
	m=$(echo "$1" | tr - _)
	case "$LOADED" in *" $m "*) return 0 ;; esac
	LOADED="$LOADED$m "
	if tr - _ <"$MODDIR/modules.builtin" | grep -q "/$m\.ko$"; then
		return 0
	fi
	f=$(ko_file "$m")
	[ -z "$f" ] && f=$(ko_file "$(echo "$m" | tr _ -)")
	[ -n "$f" ] || die "module $m is neither built in nor in $MODDIR"
	ko_cat "$f" >"$IR/lib/modules/$m.ko"
	for d in $(tr '\0' '\n' <"$IR/lib/modules/$m.ko" | sed -n 's/^depends=//p' | tr , ' '); do
		add_module "$d"
	done
	echo "$m" >>"$OUT/order.rev"
}
: >"$OUT/order.rev"
for m in $MODULES; do
	add_module "$m"
done
# add_module appends a module after its dependencies: that is the load order.
cp "$OUT/order.rev" "$IR/lib/modules/load-order"

(cd "$IR" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/initramfs.cpio.gz"

# The vServers' root dir lives on ext4: idmapped mounts on tmpfs need Linux 6.3+, on
# ext4 5.12+, so the same disk works on Debian 12's 6.1 and on newer kernels.
truncate -s 2G "$OUT/disk.img"
mkfs.ext4 -q -F -L wirt "$OUT/disk.img" || die "mkfs.ext4"

# ---- 4. boot ----------------------------------------------------------------------

ONLY=$(echo "$*" | tr ' ' ,)
APPEND="console=ttyS0 quiet panic=-1 cgroup_no_v1=all"
[ -n "$ONLY" ] && APPEND="$APPEND wirtvm.only=$ONLY"
LOG=$OUT/console.log
echo "vm: booting $KVER (tcg, timeout ${TIMEOUT}s), console in $LOG"
start=$(date +%s)
# KVM is there on the build machines but hangs the guest: TCG, always.
timeout --foreground -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -nographic \
	-m 1024 -smp 2 -no-reboot -nodefaults -serial stdio \
	-kernel "$VMLINUZ" -initrd "$OUT/initramfs.cpio.gz" -append "$APPEND" \
	-drive file="$OUT/disk.img",if=virtio,format=raw,cache=unsafe \
	</dev/null 2>&1 | tr -d '\r' | tee "$LOG" | {
	if [ "${WIRT_VM_VERBOSE:-0}" = 1 ]; then
		cat
	else
		sed -n "s/.*$MARK /  /p"
	fi
}
elapsed=$(($(date +%s) - start))
rm -f "$OUT/disk.img"

# ---- 5. results --------------------------------------------------------------------

pass=$(grep -c "$MARK ok - " "$LOG" || true)
fail=$(grep -c "$MARK not ok - " "$LOG" || true)
skip=$(grep -c "$MARK ok - .*# SKIP" "$LOG" || true)
if ! grep -q "$MARK done" "$LOG"; then
	if grep -q "Kernel panic" "$LOG"; then
		echo "vm: the kernel panicked; the console's end:"
	else
		echo "vm: the VM did not finish its checks within ${TIMEOUT}s; the console's end:"
	fi
	tail -30 "$LOG" | sed 's/^/  | /'
	fail=$((fail + 1))
fi
echo "vm: $pass passed, $fail failed ($skip skipped; ${elapsed}s in the VM)"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
