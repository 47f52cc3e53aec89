#!/bin/bash
# `del` of a qos device while it holds requests (qos.iops=20, fio at QD32:
# most requests wait in the filter's FIFO) returns within a bound, fio ends
# (with errors) soon after, the daemon exits and nothing is left in D state.
. "${srcdir:-.}/lib.sh"
require_tool fio

id=$(add_dev --filter qos --qos.iops 20 -t null --size 256M) || exit 1
pid=$(dev_pid $id)
timeout 90 fio --name=qdel --filename=/dev/ublkb$id --ioengine=io_uring --direct=1 \
	--rw=randread --bs=4k --iodepth=32 --runtime=60 --time_based >/tmp/fio.qdel.out 2>&1 &
fpid=$!
track_pid $fpid
sleep 3
kill -0 $fpid 2>/dev/null || fail "fio ended early: $(tail -5 /tmp/fio.qdel.out)"

t0=$(date +%s%N)
out=$(timeout 60 "$UBLK" del -n $id 2>&1)
rc=$?
del_ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 124 ] && fail "del hung (60 s) with requests held by qos"
[ $rc = 0 ] || fail "del failed: $out"
# Held requests are released at 20/s: 32 of them take under 2 s.
[ $del_ms -lt 15000 ] || fail "del took $del_ms ms with requests held by qos"
wait_for "! kill -0 $fpid 2>/dev/null" 15 || fail "fio still running 15 s after del"
wait $fpid
[ $? = 124 ] && fail "fio hung"
wait_for "! process_alive $pid" 10 || fail "daemon $pid still running after del"
assert_not_stuck fio ublk-server
assert_no_devices
pass "del with held requests: $del_ms ms"
