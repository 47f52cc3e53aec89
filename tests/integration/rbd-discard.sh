#!/bin/bash
# rbd: DISCARD and WRITE_ZEROES reach the cluster: the device advertises
# both; after a discard (blkdiscard) and a write-zeroes that may unmap
# (fallocate --punch-hole) the image's used size (`rbd du`) shrinks and the
# range reads back as zeroes; a write-zeroes with NOUNMAP (blkdiscard -z,
# BLKZEROOUT) zeroes and keeps the space allocated.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool blkdiscard
require_tool fallocate
require_tool cmp

rbd_cluster
rbd_image discard 64
id=$(add_dev -t rbd rbd/discard)
dev=/dev/ublkb$id
[ "$(cat /sys/block/ublkb$id/queue/discard_max_bytes)" -gt 0 ] || fail "no discard advertised"
[ "$(cat /sys/block/ublkb$id/queue/write_zeroes_max_bytes)" -gt 0 ] ||
	fail "no write zeroes advertised"

dd if=/dev/urandom of=$dev bs=1M count=48 oflag=direct conv=fsync status=none || fail "write"
used0=$(rbd_used discard)
[ -n "$used0" ] && [ "$used0" -ge $((48 << 20)) ] || fail "rbd du: used '$used0' after 48 MiB"

blkdiscard -o 0 -l 16M $dev || fail "blkdiscard"
sync
used1=$(rbd_used discard)
[ "$used1" -lt "$used0" ] || fail "discard: rbd du used $used0 -> $used1, did not shrink"
cmp -n $((16 << 20)) $dev /dev/zero || fail "discarded range does not read as zeroes"

fallocate --punch-hole -o 16M -l 16M $dev || fail "fallocate --punch-hole (write zeroes)"
sync
used2=$(rbd_used discard)
[ "$used2" -lt "$used1" ] || fail "write zeroes: rbd du used $used1 -> $used2, did not shrink"
cmp -i $((16 << 20)):0 -n $((16 << 20)) $dev /dev/zero ||
	fail "write-zeroed range does not read as zeroes"

blkdiscard -z -o 32M -l 16M $dev || fail "blkdiscard -z (write zeroes, no unmap)"
sync
used3=$(rbd_used discard)
[ "$used3" = "$used2" ] || fail "write zeroes NOUNMAP: rbd du used $used2 -> $used3, changed"
cmp -i $((32 << 20)):0 -n $((16 << 20)) $dev /dev/zero ||
	fail "NOUNMAP write-zeroed range does not read as zeroes"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "rbd du used $((used0 >> 20)) -> $((used1 >> 20)) (discard) -> $((used2 >> 20)) (zeroes) -> $((used3 >> 20)) MiB (zeroes, no unmap) (${SECONDS} s)"
