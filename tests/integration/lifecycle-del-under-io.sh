#!/bin/bash
# `del -a` while null, loop and stripe devices (one with recovery) each run
# two fio jobs: del returns within a bound, every fio ends (with errors) soon
# after, every daemon exits, no process is left in D state, and no device,
# device node or daemon is left.
. "${srcdir:-.}/lib.sh"
require_tool fio
require_sole_user

scratch_dir
truncate -s 32M $SCRATCH/loop.img $SCRATCH/rec.img $SCRATCH/a.img $SCRATCH/b.img

ids=()
ids+=($(add_dev -t null --size 256M))
ids+=($(add_dev -t loop $SCRATCH/loop.img))
ids+=($(add_dev -t stripe $SCRATCH/a.img $SCRATCH/b.img))
ids+=($(add_dev -t loop $SCRATCH/rec.img -r 1 -i 1))
pids=()
for id in "${ids[@]}"; do
	pids+=($(dev_pid $id))
done

fios=()
for id in "${ids[@]}"; do
	timeout 90 fio --name=del$id --filename=/dev/ublkb$id --ioengine=io_uring --direct=1 \
		--rw=randrw --bs=4k --iodepth=16 --numjobs=2 --runtime=60 --time_based \
		>$SCRATCH/fio.$id.out 2>&1 &
	fios+=($!)
done
sleep 3
for i in "${!ids[@]}"; do
	kill -0 ${fios[$i]} 2>/dev/null ||
		fail "fio on device ${ids[$i]} ended early: $(tail -5 $SCRATCH/fio.${ids[$i]}.out)"
done

t0=$(date +%s%N)
out=$(timeout 60 "$UBLK" del -a 2>&1)
rc=$?
del_ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 124 ] && fail "del -a hung (60 s) with IO in flight"
[ $rc = 0 ] || fail "del -a failed: $out"

for i in "${!ids[@]}"; do
	wait_for "! kill -0 ${fios[$i]} 2>/dev/null" 15 ||
		fail "fio on deleted device ${ids[$i]} still running 15 s after del"
	wait ${fios[$i]}
	[ $? = 124 ] && fail "fio on device ${ids[$i]} hung"
done
fio_ms=$((($(date +%s%N) - t0) / 1000000))
for pid in "${pids[@]}"; do
	wait_for "! process_alive $pid" 10 || fail "daemon $pid still running after del -a"
done
assert_not_stuck fio ublk-server
assert_no_devices
pass "del -a of 4 busy devices: $del_ms ms, all fio gone after $fio_ms ms"
