#!/bin/bash
# nbd advertises the export's trim and zero: blkdiscard reaches qemu-nbd
# (--discard=unmap), whose raw file loses the blocks; blkdiscard -z
# (WRITE_ZEROES) zeroes a range; the data around both is intact.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
require_tool blkdiscard
require_tool cmp

img=$SCRATCH/disk.img
truncate -s 64M "$img"
start_qemu_nbd disk -f raw --discard=unmap "$img"
id=$(add_dev -t nbd "$NBD_URI")
dev=/dev/ublkb$id
max=$(cat /sys/block/ublkb$id/queue/discard_max_bytes)
[ "${max:-0}" -gt 0 ] || fail "discard not advertised (discard_max_bytes $max)"
wz=$(cat /sys/block/ublkb$id/queue/write_zeroes_max_bytes)
[ "${wz:-0}" -gt 0 ] || fail "write zeroes not advertised (write_zeroes_max_bytes $wz)"

dd if=/dev/urandom of=$SCRATCH/data bs=1M count=32 status=none
dd if=$SCRATCH/data of=$dev bs=1M oflag=direct conv=fsync status=none || fail "dd to $dev"
full=$(stat -c %b "$img")
[ "$full" -ge 65536 ] || fail "raw file has $full blocks after a 32 MiB write"

blkdiscard -o 4M -l 8M $dev || fail "blkdiscard -o 4M -l 8M"
part=$(stat -c %b "$img")
[ "$part" -le $((full - 16384 + 256)) ] || fail "raw file blocks $full -> $part after discarding 8 MiB"
cmp -n 4194304 $SCRATCH/data $dev || fail "data before the discarded range changed"
cmp -i 12582912 -n 20971520 $SCRATCH/data $dev || fail "data after the discarded range changed"

blkdiscard -z -o 16M -l 1M $dev || fail "blkdiscard -z -o 16M -l 1M"
cmp -n 1048576 -i 16777216:0 $dev /dev/zero || fail "zeroed range is not zeroes"
cmp -n 1048576 -i 17825792 $SCRATCH/data $dev || fail "data after the zeroed range changed"

"$UBLK" del -n $id
assert_no_devices
pass "raw file blocks $full -> $part after an 8 MiB discard"
