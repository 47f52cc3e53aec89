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
	for bs in 8k 64k 1M; do
		for depth in 1 32; do
			t0=$SECONDS
			run_fio "loop-q$q-$bs-d$depth" --filename=$dev --rw=randwrite \
				--bs=$bs --iodepth=$depth --size=16M --offset=$(((q - 1) * 32))M \
				--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
			echo "  -q $q bs $bs iodepth $depth: $((SECONDS - t0)) s"
		done
	done
	# The device and its file agree byte for byte (nothing cached aside).
	cmp $dev "$img" || fail "-q $q: /dev/ublkb$id and $img differ"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: -q $q: fio verify 8k/64k/1M x iodepth 1/32, device == file"
done
assert_no_devices
pass "${SECONDS} s"
