#!/bin/bash
# A tiny IO ring (UBLK_DEBUG_RING_ENTRIES=8: a full ring defers instead of
# submitting) under stripe with 4K chunks, so a 1 MiB request needs up to 256
# SQEs: requests wait for SQEs on the host's deferred list and resume, and
# fio crc32c verify passes with 0 errors, in copy mode and in zero copy.
. "${srcdir:-.}/lib.sh"

scratch_dir
a=$SCRATCH/a.img b=$SCRATCH/b.img
truncate -s 32M "$a" "$b"

modes=(copy)
"$UBLK" features | grep -q "^[[:space:]]*ZERO_COPY " && modes+=(-z)

for mode in "${modes[@]}"; do
	opt=
	[ "$mode" = copy ] || opt=$mode
	export UBLK_DEBUG_RING_ENTRIES=8
	id=$(add_dev -t stripe -q 2 -d 32 $opt --chunk_size 4K "$a" "$b")
	unset UBLK_DEBUG_RING_ENTRIES
	dev=/dev/ublkb$id
	for depth in 1 32; do
		t0=$SECONDS
		run_fio "tiny-$id-d$depth" --filename=$dev --rw=randwrite --bs=1M \
			--iodepth=$depth --size=16M --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --verify_state_save=0
		errs=$(awk -F';' '{ print $5 }' /tmp/fio.tiny-$id-d$depth.out | tail -1)
		[ "$errs" = 0 ] || fail "$mode iodepth $depth: fio reports error $errs"
		echo "  $mode 1M iodepth $depth: $((SECONDS - t0)) s, 0 errors"
	done
	# Reads of the whole device, and a mixed job, still exact.
	run_fio "tiny-$id-rw" --filename=$dev --rw=randrw --bs=4k-1M --iodepth=16 \
		--size=32M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: $mode"
done
assert_no_devices
pass "${modes[*]}"
