#!/bin/bash
# qos.iops=500 over null: fio random reads at QD32 for 10 s measure
# 450-550 IOPS (after a 2 s ramp that spends the bucket filled while idle);
# the requests over the limit wait, none fails.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"

id=$(add_dev --filter qos --qos.iops 500 -t null --size 1G) || exit 1
run_fio qos-iops --filename=/dev/ublkb$id --rw=randread --bs=4k --iodepth=32 \
	--ramp_time=2 --runtime=10 --time_based
iops=$(fio_field qos-iops 8)
in_range "$iops" 450 550 || fail "qos.iops=500: fio measured $iops IOPS"
"$UBLK" del -n $id
assert_no_devices
pass "qos.iops=500: $iops IOPS at QD32 over 10 s"
