#!/bin/bash
# loop on a file advertises discard; blkdiscard punches holes: the range
# reads back as zeroes, the rest keeps its data, and the backing file's
# allocated blocks drop, for a range and for the whole device.
. "${srcdir:-.}/lib.sh"
require_tool blkdiscard
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 64M "$img"
id=$(add_dev -t loop "$img")
dev=/dev/ublkb$id
max=$(cat /sys/block/ublkb$id/queue/discard_max_bytes)
[ "${max:-0}" -gt 0 ] || fail "discard not advertised (discard_max_bytes $max)"

dd if=/dev/urandom of=$SCRATCH/data bs=1M count=32 status=none
dd if=$SCRATCH/data of=$dev bs=1M oflag=direct status=none || fail "dd to $dev"
full=$(stat -c %b "$img")
[ "$full" -ge 65536 ] || fail "backing file has $full blocks after a 32 MiB write"

# A 1 MiB hole at 4 MiB: zeroes there, the data around it intact.
blkdiscard -o 4M -l 1M $dev || fail "blkdiscard -o 4M -l 1M"
dd if=$dev of=$SCRATCH/back bs=1M count=32 iflag=direct status=none || fail "read back"
cmp -n 1048576 -i 4194304:0 $SCRATCH/back /dev/zero || fail "discarded range is not zeroes"
cmp -n 4194304 $SCRATCH/data $SCRATCH/back || fail "data before the discarded range changed"
cmp -i 5242880 $SCRATCH/data $SCRATCH/back || fail "data after the discarded range changed"
part=$(stat -c %b "$img")
[ "$part" -le $((full - 2048)) ] || fail "blocks $full -> $part after discarding 1 MiB"

# The whole device.
blkdiscard $dev || fail "blkdiscard $dev"
cmp -n 67108864 $dev /dev/zero || fail "device is not all zeroes after blkdiscard"
empty=$(stat -c %b "$img")
[ "$empty" -lt 1024 ] || fail "backing file still has $empty blocks after blkdiscard (had $full)"

"$UBLK" del -n $id
assert_no_devices
pass "allocated blocks $full -> $part -> $empty"
