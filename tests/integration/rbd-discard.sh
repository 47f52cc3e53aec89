#!/bin/bash
# rbd: DISCARD and WRITE_ZEROES reach the cluster: the device advertises
# both, and after each the image's used size (`rbd du`) shrinks and the
# range reads back as zeroes.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool blkdiscard
require_tool cmp

rbd_cluster
rbd_image discard 64
id=$(add_dev -t rbd rbd/discard)
dev=/dev/ublkb$id
[ "$(cat /sys/block/ublkb$id/queue/discard_max_bytes)" -gt 0 ] || fail "no discard advertised"
[ "$(cat /sys/block/ublkb$id/queue/write_zeroes_max_bytes)" -gt 0 ] ||
	fail "no write zeroes advertised"

dd if=/dev/urandom of=$dev bs=1M count=32 oflag=direct conv=fsync status=none || fail "write"
used0=$(rbd_used discard)
[ -n "$used0" ] && [ "$used0" -ge $((32 << 20)) ] || fail "rbd du: used '$used0' after 32 MiB"

blkdiscard -o 0 -l 16M $dev || fail "blkdiscard"
sync
used1=$(rbd_used discard)
[ "$used1" -lt "$used0" ] || fail "discard: rbd du used $used0 -> $used1, did not shrink"
cmp -n $((16 << 20)) $dev /dev/zero || fail "discarded range does not read as zeroes"

blkdiscard -z -o 16M -l 16M $dev || fail "blkdiscard -z (write zeroes)"
sync
used2=$(rbd_used discard)
[ "$used2" -lt "$used1" ] || fail "write zeroes: rbd du used $used1 -> $used2, did not shrink"
cmp -i $((16 << 20)) -n $((16 << 20)) $dev /dev/zero ||
	fail "write-zeroed range does not read as zeroes"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "rbd du used $((used0 >> 20)) -> $((used1 >> 20)) -> $((used2 >> 20)) MiB (${SECONDS} s)"
