#!/bin/bash
# Without recovery, kill -9 of the daemon while fio runs: fio's IO fails
# within seconds (nothing waits for a daemon that will not come), the
# device is DEAD and its disk gone, no process is stuck in D state, and
# `del` removes what is left.
. "${srcdir:-.}/lib.sh"
require_tool fio

scratch_dir
img=$SCRATCH/loop.img
truncate -s 32M "$img"

id=$(add_dev -t loop "$img")
dev=/dev/ublkb$id
pid=$(dev_pid $id)

timeout 60 fio --name=nrec --filename=$dev --ioengine=io_uring --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --numjobs=2 --runtime=40 --time_based \
	>$SCRATCH/fio.out 2>&1 &
fio_pid=$!
sleep 2
kill -0 $fio_pid 2>/dev/null || fail "fio ended early: $(tail -5 $SCRATCH/fio.out)"

t0=$(date +%s%N)
kill -9 $pid
wait_for "! kill -0 $fio_pid 2>/dev/null" 10 || fail "fio still running 10 s after the daemon died"
ms=$((($(date +%s%N) - t0) / 1000000))
wait $fio_pid
rc=$?
[ $rc = 124 ] && fail "fio hung"
[ $rc = 0 ] && fail "fio succeeded although its device's daemon died"
grep -q -E 'Input/output error|No such device|error=' $SCRATCH/fio.out ||
	fail "fio did not report IO errors: $(tail -5 $SCRATCH/fio.out)"
echo "ok: fio failed $ms ms after kill -9: $(grep -m1 -E 'error' $SCRATCH/fio.out)"

wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
state=$(dev_state $id)
[ "$state" = DEAD ] || fail "state $state after the daemon died, expected DEAD"
wait_for "[ ! -e $dev ]" 5 || fail "$dev still there after its daemon died"
out=$(timeout 10 dd if=$dev of=/dev/null bs=4k count=1 iflag=direct 2>&1) &&
	fail "a new read of $dev succeeded: $out"
assert_not_stuck fio dd ublk-server

out=$(timeout 30 "$UBLK" del -n $id 2>&1) || fail "del -n $id: $out"
assert_no_devices
pass "fio failed ${ms} ms after kill -9"
