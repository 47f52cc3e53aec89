#!/bin/bash
# While a qos.iops=500 device holds requests, an unlimited device is served
# at full speed: its IOPS with the limited device busy are at least half of
# its IOPS alone (the VM has 2 vCPUs shared by both fio jobs) and at least
# twice the limit; the limited one still measures 450-550.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"

lim=$(add_dev --filter qos --qos.iops 500 -t null --size 1G) || exit 1
free=$(add_dev -t null --size 1G) || exit 1
job="--rw=randread --bs=4k --iodepth=32 --ramp_time=2 --runtime=10 --time_based"

run_fio alone --filename=/dev/ublkb$free $job
alone=$(fio_field alone 8)
run_fio limited --filename=/dev/ublkb$lim $job &
bg=$!
track_pid $bg
run_fio shared --filename=/dev/ublkb$free $job
wait $bg || fail "fio on the limited device failed"
shared=$(fio_field shared 8)
limited=$(fio_field limited 8)
echo "unlimited alone $alone IOPS, beside the limited device $shared IOPS; limited $limited IOPS"
in_range "$limited" 450 550 || fail "qos.iops=500 beside another device: $limited IOPS"
[ $((shared * 2)) -ge "$alone" ] || fail "unlimited device slowed from $alone to $shared IOPS"
[ "$shared" -ge 1000 ] || fail "unlimited device only $shared IOPS"
"$UBLK" del -n $lim
"$UBLK" del -n $free
assert_no_devices
pass "unlimited: $alone IOPS alone, $shared beside; limited: $limited"
