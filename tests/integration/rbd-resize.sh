#!/bin/bash
# rbd: `rbd resize` to a bigger size grows the block device without a
# restart (librbd's update watch -> ublk_device_resized), and the new space
# takes IO; a shrink is refused: the device keeps its size.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool cmp

rbd_cluster
scratch_dir
rbd_image resize 32
id=$(add_dev -t rbd rbd/resize)
dev=/dev/ublkb$id
[ "$(blockdev --getsize64 $dev)" = $((32 << 20)) ] || fail "initial size $(blockdev --getsize64 $dev)"

timeout 120 rbd resize --size 64M rbd/resize >/dev/null 2>&1 || fail "rbd resize --size 64M"
wait_for "[ \$(blockdev --getsize64 $dev) = $((64 << 20)) ]" 30 ||
	fail "device is $(blockdev --getsize64 $dev) bytes 30 s after rbd resize to 64 MiB"
echo "ok: grew to 64 MiB"
head -c 1M /dev/urandom >$SCRATCH/a
dd if=$SCRATCH/a of=$dev bs=1M seek=60 oflag=direct conv=fsync status=none ||
	fail "write in the new space"
cmp -n $((1 << 20)) -i 0:$((60 << 20)) $SCRATCH/a $dev || fail "new space reads back other bytes"

timeout 120 rbd resize --allow-shrink --size 48M rbd/resize >/dev/null 2>&1 ||
	fail "rbd resize --allow-shrink --size 48M"
sleep 5
[ "$(blockdev --getsize64 $dev)" = $((64 << 20)) ] ||
	fail "device changed to $(blockdev --getsize64 $dev) bytes after a shrink"
echo "ok: shrink refused, device stays 64 MiB"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
