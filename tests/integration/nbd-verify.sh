#!/bin/bash
# nbd -> nbdkit memory: what fio writes is what it reads back (crc32c
# verify), 4k and 1M blocks at iodepth 1 and 32, with one and two queues
# (one NBD connection per queue).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"

start_nbdkit memory 64M
for q in 1 2; do
	id=$(add_dev -t nbd -q $q "$NBD_URI")
	dev=/dev/ublkb$id
	size=$(blockdev --getsize64 $dev)
	[ "$size" = 67108864 ] || fail "-q $q: size $size, expected 67108864"
	for bs in 4k 1M; do
		for depth in 1 32; do
			t0=$SECONDS
			# 4k at depth 1 is one round trip per 4k: 4 MiB of it is enough.
			size=16M
			[ $bs = 4k ] && [ $depth = 1 ] && size=4M
			run_fio "nbd-q$q-$bs-d$depth" --filename=$dev --rw=randwrite \
				--bs=$bs --iodepth=$depth --size=$size --offset=$(((q - 1) * 32))M \
				--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
			echo "  -q $q bs $bs iodepth $depth: $((SECONDS - t0)) s"
		done
	done
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: -q $q: fio verify 4k/1M x iodepth 1/32"
done
assert_no_devices
pass "${SECONDS} s"
