#!/bin/bash
# -q 2, -d 1024 and -n 7 reach the kernel; a taken id is refused.
. "${srcdir:-.}/lib.sh"

a=$(add_dev -t null -q 2 -d 1024)
b=$(add_dev -t null -q 1 -d 1)
# The kernel caps queues at the number of CPUs (2 in the test VM).
c=$(add_dev -t null -q 4 -d 64 -n 7)
ncpu=$(nproc)
[ $ncpu -gt 4 ] && ncpu=4
[ "$c" = 7 ] || fail "-n 7 gave device $c"
"$UBLK" list -n $a | grep -q "nr_hw_queues 2 queue_depth 1024" || fail "$("$UBLK" list -n $a)"
"$UBLK" list -n $b | grep -q "nr_hw_queues 1 queue_depth 1 " || fail "$("$UBLK" list -n $b)"
"$UBLK" list -n 7 | grep -q "nr_hw_queues $ncpu queue_depth 64 " || fail "$("$UBLK" list -n 7)"
[ "$(cat /sys/block/ublkb$a/queue/nr_requests)" -ge 1000 ] 2>/dev/null ||
	echo "note: nr_requests $(cat /sys/block/ublkb$a/queue/nr_requests)"

for d in $a $b $c; do
	run_fio qd$d --filename=/dev/ublkb$d --rw=randread --bs=4k --iodepth=64 \
		--runtime=2 --time_based --numjobs=2
done
expect_fail "device id 7 is already in use" "$UBLK" add -t null -n 7

for d in $a $b $c; do
	"$UBLK" del -n $d || fail "del -n $d failed"
done
assert_no_devices
pass
