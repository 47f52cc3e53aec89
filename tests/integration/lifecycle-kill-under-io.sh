#!/bin/bash
# kill -9 of every daemon at once while null, loop and stripe devices each
# run two fio jobs, plus a loop device with recovery (-r 1 -i 1): fio on the
# three without recovery fails within seconds and their devices end DEAD;
# the recoverable one is QUIESCED with its IO held; `list` shows exactly
# that; `del -a` then ends the held IO too, and leaves no device, node,
# daemon or process in D state.
. "${srcdir:-.}/lib.sh"
require_tool fio
require_sole_user

scratch_dir
truncate -s 32M $SCRATCH/loop.img $SCRATCH/rec.img $SCRATCH/a.img $SCRATCH/b.img

plain=()
plain+=($(add_dev -t null --size 256M))
plain+=($(add_dev -t loop $SCRATCH/loop.img))
plain+=($(add_dev -t stripe $SCRATCH/a.img $SCRATCH/b.img))
rec=$(add_dev -t loop $SCRATCH/rec.img -r 1 -i 1)
ids=("${plain[@]}" $rec)

declare -A fio pid
for id in "${ids[@]}"; do
	pid[$id]=$(dev_pid $id)
	timeout 90 fio --name=kill$id --filename=/dev/ublkb$id --ioengine=io_uring --direct=1 \
		--rw=randrw --bs=4k --iodepth=16 --numjobs=2 --runtime=60 --time_based \
		>$SCRATCH/fio.$id.out 2>&1 &
	fio[$id]=$!
done
sleep 3
for id in "${ids[@]}"; do
	kill -0 ${fio[$id]} 2>/dev/null || fail "fio on device $id ended early: $(tail -5 $SCRATCH/fio.$id.out)"
done

t0=$(date +%s%N)
kill -9 "${pid[@]}"
for id in "${plain[@]}"; do
	wait_for "! kill -0 ${fio[$id]} 2>/dev/null" 15 ||
		fail "fio on device $id still running 15 s after its daemon died"
	wait ${fio[$id]}
	rc=$?
	[ $rc = 124 ] && fail "fio on device $id hung"
	[ $rc = 0 ] && fail "fio on device $id succeeded although its daemon died"
done
fail_ms=$((($(date +%s%N) - t0) / 1000000))
for id in "${ids[@]}"; do
	wait_for "! process_alive ${pid[$id]}" 10 || fail "daemon ${pid[$id]} survived kill -9"
done
kill -0 ${fio[$rec]} 2>/dev/null ||
	fail "fio on the recoverable device $rec did not wait: $(tail -5 $SCRATCH/fio.$rec.out)"

# list: every device, the plain ones DEAD, the recoverable one QUIESCED.
for id in "${plain[@]}"; do
	state=$(dev_state $id)
	[ "$state" = DEAD ] || fail "device $id: state $state, expected DEAD"
	wait_for "[ ! -e /dev/ublkb$id ]" 5 || fail "/dev/ublkb$id still there"
done
state=$(dev_state $rec)
[ "$state" = QUIESCED ] || fail "device $rec: state $state, expected QUIESCED"
[ -b /dev/ublkb$rec ] || fail "/dev/ublkb$rec went away"
listed=$("$UBLK" list | sed -n 's/^dev id \([0-9]*\):.*/\1/p' | sort -n | tr '\n' ' ')
expected=$(printf '%s\n' "${ids[@]}" | sort -n | tr '\n' ' ')
[ "$listed" = "$expected" ] || fail "list shows devices '$listed', expected '$expected'"
echo "ok: fio on the plain devices failed within $fail_ms ms; list: $("$UBLK" list | grep -c DEAD) DEAD, 1 QUIESCED"

t0=$(date +%s%N)
out=$(timeout 60 "$UBLK" del -a 2>&1)
rc=$?
del_ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 124 ] && fail "del -a hung (60 s)"
[ $rc = 0 ] || fail "del -a failed: $out"
wait_for "! kill -0 ${fio[$rec]} 2>/dev/null" 15 || fail "held fio still running 15 s after del -a"
wait ${fio[$rec]}
[ $? = 124 ] && fail "held fio hung"
assert_not_stuck fio ublk-server
assert_no_devices
pass "IO failed within $fail_ms ms of kill -9; del -a of dead + quiesced devices: $del_ms ms"
