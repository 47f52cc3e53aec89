#!/bin/bash
# One boot of the power-cut test, inside the VM (tests/powercut/run-powercut
# starts it with the disk image as /dev/vda and kills QEMU while it writes).
#
#  1. serve /dev/vda: a ublk loop device (ublk-server) or the kernel's loop
#     driver (the reference), O_DIRECT on vda either way;
#  2. check what the previous boot left (generation UBLK_PC_CHECK_GEN, its
#     last acknowledged record UBLK_PC_ACKED): raw records with pc-record
#     check, or ext4: mount (journal replay), pc-record fscheck, umount,
#     e2fsck -fn must be clean;
#  3. unless UBLK_PC_FINAL=1: write generation UBLK_PC_GEN until the power
#     is cut (pc-record prints "ack GEN N" per acknowledged record).
#
# Environment: UBLK_PC_BUILDDIR, UBLK_PC_VARIANT (ublk-raw, ublk-ext4,
# kloop-raw, kloop-ext4), UBLK_PC_GEN, UBLK_PC_MODE, UBLK_PC_CHECK_GEN (0:
# nothing to check), UBLK_PC_CHECK_MODE, UBLK_PC_ACKED, UBLK_PC_FINAL.
set -u

b=$UBLK_PC_BUILDDIR
rec=$b/tests/powercut/pc-record
# Seconds since the guest booted: where a cut's time goes.
say() { echo "pc: $* (at $(cut -d' ' -f1 /proc/uptime) s)"; }
fail() { say "FAIL: $*"; exit 1; }

# virtio_blk is not in the VM's initramfs (whose image is shared by every
# user of the harness); the host's kernel cache, readable through the 9p
# root, has it. kmod's insmod reads .ko.xz.
kmod=${UBLK_CACHE_DIR:-/var/cache/ublk-server-test}/kernel/$(uname -r)/lib/modules/$(uname -r)/kernel/drivers/block/virtio_blk.ko.xz
[ -e /sys/module/virtio_blk ] || insmod "$kmod" || fail "insmod $kmod"
for _ in $(seq 50); do [ -b /dev/vda ] && break; sleep 0.1; done
[ -b /dev/vda ] || fail "no /dev/vda"

case $UBLK_PC_VARIANT in
ublk-*)
	export UBLK_PLUGIN_DIR=$b/plugins/.libs
	out=$("$b/ublk-server" add -t loop /dev/vda) || fail "ublk-server add: $out"
	id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
	dev=/dev/ublkb$id
	for _ in $(seq 50); do [ -b "$dev" ] && break; sleep 0.1; done
	;;
kloop-*)
	dev=$(losetup --direct-io=on --show -f /dev/vda) || fail "losetup"
	;;
*) fail "unknown variant $UBLK_PC_VARIANT" ;;
esac
[ -b "$dev" ] || fail "no $dev"
say "serving /dev/vda as $dev ($UBLK_PC_VARIANT)"

mnt=/tmp/pc-mnt
case $UBLK_PC_VARIANT in
*-raw)
	if [ "$UBLK_PC_CHECK_GEN" -gt 0 ]; then
		"$rec" check "$dev" "$UBLK_PC_CHECK_GEN" "$UBLK_PC_CHECK_MODE" "$UBLK_PC_ACKED" ||
			fail "check of gen $UBLK_PC_CHECK_GEN"
	fi
	[ "${UBLK_PC_FINAL:-0}" = 1 ] && { say "final check done"; exit 0; }
	exec "$rec" write "$dev" "$UBLK_PC_GEN" "$UBLK_PC_MODE"
	;;
*-ext4)
	mkdir -p $mnt
	mount -t ext4 "$dev" $mnt || fail "mount (journal replay) failed"
	if [ "$UBLK_PC_CHECK_GEN" -gt 0 ]; then
		"$rec" fscheck $mnt/pc "$UBLK_PC_CHECK_GEN" "$UBLK_PC_ACKED" ||
			fail "fscheck of gen $UBLK_PC_CHECK_GEN"
	fi
	umount $mnt || fail "umount"
	out=$(e2fsck -fn "$dev" 2>&1) || fail "e2fsck -fn not clean after the journal replay: $out"
	say "e2fsck -fn clean"
	[ "${UBLK_PC_FINAL:-0}" = 1 ] && { say "final check done"; exit 0; }
	mount -t ext4 "$dev" $mnt || fail "mount"
	rm -rf $mnt/pc && mkdir $mnt/pc && sync -f $mnt || fail "cannot reset $mnt/pc"
	exec "$rec" fswrite $mnt/pc "$UBLK_PC_GEN"
	;;
esac
