#!/bin/bash
# rbd: snap= serves the snapshot read-only: the device is read-only, writes
# fail, and it reads what the image held when the snapshot was taken, while
# the image itself (on another device) has moved on.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool cmp

rbd_cluster
scratch_dir
rbd_image snap 16
head -c 16M /dev/urandom >$SCRATCH/a
head -c 16M /dev/urandom >$SCRATCH/b

id=$(add_dev -t rbd rbd/snap)
dev=/dev/ublkb$id
dd if=$SCRATCH/a of=$dev bs=1M oflag=direct conv=fsync status=none || fail "write a"
# The image is in use: librbd asks the lock owner (the daemon) to snapshot.
timeout 120 rbd snap create --no-progress rbd/snap@s1 || fail "rbd snap create"
dd if=$SCRATCH/b of=$dev bs=1M oflag=direct conv=fsync status=none || fail "write b"

sid=$(add_dev -t rbd --spec rbd/snap --snap s1)
sdev=/dev/ublkb$sid
[ "$(blockdev --getro $sdev)" = 1 ] || fail "snapshot device is not read-only"
cmp $SCRATCH/a $sdev || fail "snapshot device does not read the snapshot's content"
cmp $SCRATCH/b $dev || fail "image device does not read the latest content"
dd if=/dev/zero of=$sdev bs=4k count=1 oflag=direct status=none 2>/dev/null &&
	fail "a write to the snapshot device succeeded"
# The positional form pool/image@snap too.
"$UBLK" del -n $sid || fail "del -n $sid"
sid=$(add_dev -t rbd rbd/snap@s1)
cmp $SCRATCH/a /dev/ublkb$sid || fail "rbd/snap@s1 does not read the snapshot's content"
"$UBLK" del -n $sid || fail "del -n $sid"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
