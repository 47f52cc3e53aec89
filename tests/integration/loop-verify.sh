#!/bin/bash
# loop: what fio writes is what it reads back (crc32c verify), for 8k, 64k
# and 1M blocks at iodepth 1 and 32, with one and two queues; afterwards the
# backing file holds exactly the device's bytes.
. "${srcdir:-.}/lib.sh"
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 64M "$img"

for q in 1 2; do
	id=$(add_dev -t loop -q $q "$img")
	dev=/dev/ublkb$id
	size=$(blockdev --getsize64 $dev)
	[ "$size" = 67108864 ] || fail "-q $q: size $size, expected 67108864"
	verify_matrix loop-q$q $dev $(((q - 1) * 32))M
	# The device and its file agree byte for byte (nothing cached aside).
	cmp $dev "$img" || fail "-q $q: /dev/ublkb$id and $img differ"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: -q $q: fio verify 8k/64k/1M x iodepth 1/32, device == file"
done
assert_no_devices
pass "${SECONDS} s"
