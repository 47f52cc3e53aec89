#!/bin/bash
# Zero copy limits (UBLK_PARAM_TYPE_DMA_ALIGN / SEGMENT): with -z the device
# advertises the alignment its backing's O_DIRECT needs, the logical block
# size (dma_alignment 511 for 512-byte blocks; 3 is the ublk default), and
# no segment limit, so a 1K direct read (ext4's superblock) still works and
# fio verify passes; given values (--dma_alignment, --max_segments,
# --max_segment_size, --seg_boundary_mask) show instead; a bad value is one
# line and no device.
. "${srcdir:-.}/lib.sh"
require_feature ZERO_COPY

scratch_dir
img=$SCRATCH/zc.img
truncate -s 64M "$img"

q() { cat /sys/block/ublkb$1/queue/$2; }
check() {
	[ "$(q $1 $2)" = "$3" ] || fail "dev $1: queue/$2 is $(q $1 $2), expected $3"
}

id=$(add_dev -t loop -z "$img")
check $id dma_alignment 511
check $id max_segments 65535
# A 1K direct read at 1K (what ext4's superblock read is): refused with
# EINVAL if the device asked for page-aligned memory.
dd if=/dev/ublkb$id of=/dev/null bs=1024 skip=1 count=1 iflag=direct status=none ||
	fail "dev $id: a 1K direct read fails"
run_fio "zcl-$id" --filename=/dev/ublkb$id --rw=randwrite --bs=4k-1M --iodepth=16 \
	--size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del -n $id"

id=$(add_dev -t loop -z --dma_alignment 511 --max_segments 64 --max_segment_size 64K \
	--seg_boundary_mask 0xffff "$img")
check $id dma_alignment 511
check $id max_segments 64
check $id max_segment_size 65536
run_fio "zcl2-$id" --filename=/dev/ublkb$id --rw=randrw --bs=512-256k --iodepth=8 \
	--size=4M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del -n $id"

# Without zero copy nothing is advertised unless asked: the ublk default.
id=$(add_dev -t null --size 64M --copy)
check $id dma_alignment 3
"$UBLK" del -n $id || fail "del -n $id"

expect_fail "dma_alignment must be a mask" "$UBLK" add -t loop -z --dma_alignment 4096 "$img"
expect_fail "max_segment_size must be a size from 4K" "$UBLK" add -t loop -z --max_segment_size 1K "$img"
assert_no_devices
pass
