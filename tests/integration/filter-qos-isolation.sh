#!/bin/bash
# While a qos.iops=500 device holds requests, an unlimited device is served
# at full speed. Control: the same unlimited job beside a plain device that
# fio itself limits to 500 IOPS (--rate_iops), so both runs carry the same
# neighbour load and differ only in where the limit is applied. Two rounds,
# interleaved (the loaded VM's speed drifts): the unlimited device does at
# least half the control's IOPS beside qos, and the qos device measures
# 450-550 each time.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"

lim=$(add_dev --filter qos --qos.iops 500 -t null --size 1G) || exit 1
plain=$(add_dev -t null --size 1G) || exit 1
free=$(add_dev -t null --size 1G) || exit 1
job="--rw=randread --bs=4k --iodepth=32 --ramp_time=2 --runtime=10 --time_based"

# beside NAME DEV [FIO ARGS]: the unlimited job beside a 500 IOPS job on DEV.
beside() {
	run_fio "$1-n" --filename=/dev/ublkb$2 $job "${@:3}" &
	bg=$!
	track_pid $bg
	run_fio "$1-f" --filename=/dev/ublkb$free $job
	wait $bg || fail "fio on the 500 IOPS device ($1) failed"
	echo "$1: unlimited $(fio_field "$1-f" 8) IOPS beside $(fio_field "$1-n" 8) IOPS"
}

ctl=0 qos=0
for r in 1 2; do
	beside ctl$r $plain --rate_iops=500
	beside qos$r $lim
	limited=$(fio_field qos$r-n 8)
	in_range "$limited" 450 550 || fail "qos.iops=500 beside another device: $limited IOPS"
	ctl=$((ctl + $(fio_field ctl$r-f 8)))
	qos=$((qos + $(fio_field qos$r-f 8)))
done
[ $((qos * 2)) -ge $ctl ] ||
	fail "unlimited device: $qos IOPS (2 runs) beside qos, $ctl beside a fio-limited device"
for id in $lim $plain $free; do
	"$UBLK" del -n $id
done
assert_no_devices
pass "unlimited beside qos: $((qos / 2)) IOPS, beside fio --rate_iops=500: $((ctl / 2))"
