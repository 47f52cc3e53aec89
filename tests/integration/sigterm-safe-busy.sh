#!/bin/bash
# SIGTERM to an `add` daemon whose device is open (SAFE_STOP_DEV): the device
# is not yanked; it serves on (reads and writes work) until the holder lets
# go, then the daemon stops and deletes it and exits.
. "${srcdir:-.}/lib.sh"
require_feature SAFE_STOP_DEV

scratch_dir
img=$SCRATCH/sigterm.img
truncate -s 32M "$img"
trap 'rc=$?; exec 3<&-; (exit $rc); on_exit' EXIT
id=$(add_dev -t loop "$img")
pid=$(dev_pid $id)
dd if=/dev/urandom of=$SCRATCH/data bs=64k count=16 status=none

exec 3</dev/ublkb$id
kill -TERM $pid
sleep 1.5
process_alive $pid || fail "daemon $pid exited while the device was open"
[ "$(dev_state $id)" = LIVE ] || fail "dev $id: state $(dev_state $id) while open"
dd if=$SCRATCH/data of=/dev/ublkb$id bs=64k oflag=direct status=none || fail "write while SIGTERMed"
cmp -n $((1 << 20)) $SCRATCH/data /dev/ublkb$id || fail "read back while SIGTERMed"
exec 3<&-

wait_for "! process_alive $pid" 10 || fail "daemon $pid still running after the device was released"
wait_for "! \"$UBLK\" list -n $id >/dev/null 2>&1" 5 || fail "dev $id not deleted"
assert_no_devices
pass "served while open, deleted once released"
