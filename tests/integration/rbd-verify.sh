#!/bin/bash
# rbd: what fio writes is what it reads back (crc32c verify), 4k at iodepth
# 32 and 1M at iodepth 4, with one and two queues, on an image of the test
# cluster.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"

rbd_cluster
rbd_image verify 64

for q in 1 2; do
	id=$(add_dev -t rbd -q $q rbd/verify)
	dev=/dev/ublkb$id
	size=$(blockdev --getsize64 $dev)
	[ "$size" = 67108864 ] || fail "-q $q: size $size, expected 67108864"
	off=$(((q - 1) * 32))
	t0=$SECONDS
	run_fio "rbd-q$q-4k" --filename=$dev --rw=randwrite --bs=4k --iodepth=32 \
		--size=4M --offset=${off}M --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0
	echo "  -q $q 4k iodepth 32: $((SECONDS - t0)) s"
	t0=$SECONDS
	run_fio "rbd-q$q-1M" --filename=$dev --rw=randwrite --bs=1M --iodepth=4 \
		--size=16M --offset=$((off + 8))M --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0
	echo "  -q $q 1M iodepth 4: $((SECONDS - t0)) s"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: -q $q: fio verify 4k x 32 and 1M x 4"
done
assert_no_devices
pass "${SECONDS} s"
