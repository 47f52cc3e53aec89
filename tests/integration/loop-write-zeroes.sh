#!/bin/bash
# loop on a file advertises WRITE_ZEROES; blkdiscard -z (BLKZEROOUT) zeroes
# a range and the data around it stays.
. "${srcdir:-.}/lib.sh"
require_tool blkdiscard
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 16M "$img"
id=$(add_dev -t loop "$img")
dev=/dev/ublkb$id
max=$(cat /sys/block/ublkb$id/queue/write_zeroes_max_bytes)
[ "${max:-0}" -gt 0 ] || fail "write zeroes not advertised (write_zeroes_max_bytes $max)"

dd if=/dev/urandom of=$SCRATCH/data bs=1M count=16 status=none
dd if=$SCRATCH/data of=$dev bs=1M oflag=direct status=none || fail "dd to $dev"

blkdiscard -z -o 8M -l 1M $dev || fail "blkdiscard -z -o 8M -l 1M"
cmp -n 1048576 -i 8388608:0 $dev /dev/zero || fail "zeroed range is not zeroes"
cmp -n 8388608 $SCRATCH/data $dev || fail "data before the zeroed range changed"
cmp -i 9437184 $SCRATCH/data $dev || fail "data after the zeroed range changed"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "WRITE_ZEROES of 1 MiB at 8 MiB (write_zeroes_max_bytes $max)"
