#!/bin/bash
# -z through a filter that never touches data: fault_inject over loop with
# zero copy is accepted at add time, fio crc32c verify passes, the data
# lands in the file, and the filter is really in the path (its fail_range
# still fails).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"
require_feature ZERO_COPY
require_tool cmp

scratch_dir
img=$SCRATCH/zc.img
truncate -s 32M "$img"

id=$(add_dev --filter fault_inject --fail_range 30M-31M -t loop -q 2 -z "$img") || exit 1
dev=/dev/ublkb$id
run_fio zc-fi --filename=$dev --rw=randwrite --bs=64k --iodepth=32 --size=16M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
dd if=/dev/urandom of=$SCRATCH/pattern bs=1M count=4 status=none
dd if=$SCRATCH/pattern of=$dev bs=1M seek=20 oflag=direct status=none || fail "dd write"
cmp -n 4194304 -i 0:20971520 $SCRATCH/pattern $dev || fail "read back differs"
dd if=$dev of=/dev/null bs=4k count=1 skip=$((30 * 256)) iflag=direct status=none 2>/dev/null &&
	fail "read in fail_range succeeded: fault_inject is not in the path"
"$UBLK" del -n $id || fail "del"
cmp -n 4194304 -i 0:20971520 $SCRATCH/pattern "$img" || fail "the file does not hold the data"
assert_no_devices
pass "fault_inject over loop with -z"
