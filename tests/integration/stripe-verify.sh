#!/bin/bash
# stripe over 2 files: fio crc32c verify for 8k, 64k and 1M blocks at
# iodepth 1 and 32, with one queue (64K chunks) and two queues (8K chunks,
# so a 1M request is 128 pieces); then the files, de-striped by hand, hold
# exactly the device's bytes.
. "${srcdir:-.}/lib.sh"
require_tool cmp

scratch_dir
a=$SCRATCH/a.img b=$SCRATCH/b.img
truncate -s 32M "$a" "$b"

# destripe CHUNK: the whole device rebuilt from the two files, on stdout.
destripe() {
	rm -rf $SCRATCH/pieces && mkdir $SCRATCH/pieces
	split -b $1 -d -a 5 "$a" $SCRATCH/pieces/a.
	split -b $1 -d -a 5 "$b" $SCRATCH/pieces/b.
	list=() i=0 n=$((32 * 1024 * 1024 / $1))
	while [ $i -lt $n ]; do
		printf -v p '%05d' $i
		list+=($SCRATCH/pieces/a.$p $SCRATCH/pieces/b.$p)
		i=$((i + 1))
	done
	cat "${list[@]}"
	rm -rf $SCRATCH/pieces
}

for cfg in "1 64K 65536" "2 8K 8192"; do
	set -- $cfg
	q=$1 chunk=$2 bytes=$3
	id=$(add_dev -t stripe -q $q --chunk_size $chunk "$a" "$b")
	dev=/dev/ublkb$id
	size=$(blockdev --getsize64 $dev)
	[ "$size" = 67108864 ] || fail "-q $q: size $size, expected 67108864"
	io_opt=$(cat /sys/block/ublkb$id/queue/optimal_io_size)
	[ "$io_opt" = $((bytes * 2)) ] || fail "-q $q: optimal_io_size $io_opt, expected $((bytes * 2))"
	verify_matrix stripe-q$q-chunk$chunk $dev $(((q - 1) * 32))M
	# Known data at the start, then the whole layout on disk.
	dd if=/dev/urandom of=$SCRATCH/pattern bs=1M count=2 status=none
	dd if=$SCRATCH/pattern of=$dev bs=1M oflag=direct status=none || fail "dd to $dev"
	destripe $bytes >$SCRATCH/destriped
	cmp -n 2097152 $SCRATCH/pattern $SCRATCH/destriped ||
		fail "-q $q chunk $chunk: the files do not hold the data striped by $chunk"
	cmp $dev $SCRATCH/destriped ||
		fail "-q $q chunk $chunk: device and de-striped files differ"
	rm -f $SCRATCH/destriped
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: -q $q chunk $chunk: fio verify 8k/64k/1M x iodepth 1/32, layout checked"
done
assert_no_devices
pass "${SECONDS} s"
