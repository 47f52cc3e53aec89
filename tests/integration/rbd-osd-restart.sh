#!/bin/bash
# rbd: the cluster's OSD restarts under load: IO pauses while it is down
# (nothing fails, nothing completes) and resumes when it is back; fio's
# crc32c verify of everything written sees 0 errors.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool fio

rbd_cluster
scratch_dir
rbd_image osdrestart 32
id=$(add_dev -t rbd -q 2 rbd/osdrestart)
dev=/dev/ublkb$id

# Writes complete on the device (field 5 of its stat).
writes() { awk '{print $5}' /sys/block/ublkb$id/stat; }

fio --name=osdrestart --filename=$dev --ioengine=io_uring --direct=1 --rw=randwrite \
	--bs=4k --iodepth=16 --size=6M --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --verify_backlog=256 --verify_state_save=0 \
	>$SCRATCH/fio.out 2>&1 &
fio_pid=$!
wait_for "[ \$(writes) -gt 100 ]" 60 || fail "fio made no progress: $(cat $SCRATCH/fio.out)"

timeout 120 "$CEPH_CLUSTER" osd-stop "$RBD_CLUSTER_DIR" || fail "osd-stop"
w0=$(writes)
sleep 3
w1=$(writes)
inflight=$(awk '{print $1 + $2}' /sys/block/ublkb$id/inflight)
process_alive $fio_pid || fail "fio ended while the OSD was down: $(cat $SCRATCH/fio.out)"
[ "$w1" = "$w0" ] || fail "writes completed while the OSD was down ($w0 -> $w1)"
[ "$inflight" -gt 0 ] || fail "no request in flight while the OSD was down"
echo "ok: OSD down, IO paused ($inflight in flight, $w1 writes done)"

timeout 120 "$CEPH_CLUSTER" osd-start "$RBD_CLUSTER_DIR" || fail "osd-start"
wait_for "[ \$(writes) -gt $w1 ]" 120 || fail "IO did not resume after the OSD came back"
echo "ok: IO resumed"
wait $fio_pid || fail "fio failed: $(tail -20 $SCRATCH/fio.out)"
grep -q "err= 0" $SCRATCH/fio.out || fail "fio reported errors: $(cat $SCRATCH/fio.out)"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "paused and resumed, 0 verify errors (${SECONDS} s)"
