#!/bin/bash
# The NBD server is killed (SIGKILL) in the middle of a fio verify run and
# started again on the same socket over the same file: the device
# reconnects and resends what was in flight, fio finishes with zero errors
# and every block verifies.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
require_tool fio

img=$SCRATCH/disk.img
truncate -s 64M "$img"
start_nbdkit file "$img"
id=$(add_dev -t nbd -q 2 "$NBD_URI")
dev=/dev/ublkb$id

# Rate-limited so the run spans both kills however fast the machine is
# (unlimited, a quiet host finished it in under 3 s): 2 x 200 IOPS of 16k
# over 24 MiB a job is ~8 s of writes, then as long verifying.
fio --name=reconnect --filename=$dev --ioengine=io_uring --direct=1 --rw=randwrite \
	--bs=16k --iodepth=32 --numjobs=2 --offset_increment=32M --size=24M --rate_iops=200 \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
	--output-format=terse --terse-version=3 >$SCRATCH/fio.out 2>&1 &
fpid=$!
for kill in 1 2; do
	sleep 3
	process_alive $fpid || fail "fio ended before kill $kill: $(tail -5 $SCRATCH/fio.out)"
	stop_server
	sleep 1
	start_nbdkit file "$img"
	echo "ok: server killed and restarted ($kill)"
done
wait $fpid || fail "fio failed across server restarts: $(tail -5 $SCRATCH/fio.out)"
# terse v3: field 5 is the job's error (errno of the first failure).
errs=$(awk -F';' '{ s += $5 } END { print s + 0 }' $SCRATCH/fio.out)
[ "$errs" = 0 ] || fail "fio reported $errs errors: $(cat $SCRATCH/fio.out)"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "two server restarts during a verify run, 0 errors (${SECONDS} s)"
