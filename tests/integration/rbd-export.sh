#!/bin/bash
# rbd: what is written through /dev/ublkbN is in the cluster: after an fsync
# (FLUSH) and while the device is still attached, `rbd export` of the image
# equals the expected bytes (written ranges and zeroes elsewhere).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool cmp

rbd_cluster
scratch_dir
rbd_image export 32
head -c 8M /dev/urandom >$SCRATCH/a
head -c 1M /dev/urandom >$SCRATCH/b
truncate -s 32M $SCRATCH/expected
dd if=$SCRATCH/a of=$SCRATCH/expected bs=1M seek=2 conv=notrunc status=none
dd if=$SCRATCH/b of=$SCRATCH/expected bs=4k seek=$((28 * 256 + 3)) conv=notrunc status=none

id=$(add_dev -t rbd rbd/export)
dev=/dev/ublkb$id
dd if=$SCRATCH/a of=$dev bs=1M seek=2 oflag=direct conv=fsync status=none || fail "write a"
dd if=$SCRATCH/b of=$dev bs=4k seek=$((28 * 256 + 3)) oflag=direct conv=fsync status=none ||
	fail "write b"
timeout 120 rbd export rbd/export $SCRATCH/exported >/dev/null 2>&1 || fail "rbd export"
cmp $SCRATCH/expected $SCRATCH/exported || fail "rbd export differs from what was written"
# And the device reads back the same.
cmp $SCRATCH/expected $dev || fail "the device reads back other bytes"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "export equals 9 MiB written at two offsets (${SECONDS} s)"
