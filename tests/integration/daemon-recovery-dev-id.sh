#!/bin/bash
# Daemon mode with `recovery =`: `dev_id = N` of a device whose daemon died
# (QUIESCED, no state file) is re-attached; the same with another size is
# left alone, and a daemon with no other device exits non-zero.
. "${srcdir:-.}/daemon-lib.sh"

other=$(add_dev -t null --size 64M -r 1)
kill -9 "$(dev_pid $other)"
wait_for "[ \"\$(dev_state $other)\" = QUIESCED ]" 10 || fail "dev $other: $(dev_state $other)"

# Two stanzas cannot name the same dev_id: one file each.
cat >"$SCRATCH/wrongsize.ini" <<EOF
[global]
run_dir = $RUN
[device wrongsize]
target = null
size = 32M
recovery = on
dev_id = $other
EOF
cat >"$SCRATCH/byid.ini" <<EOF
[global]
run_dir = $RUN
[device byid]
target = null
size = 64M
recovery = on
dev_id = $other
EOF
start_daemon "$SCRATCH/wrongsize.ini"
wait_log "\[device wrongsize\] /dev/ublkb$other left by a previous daemon has 67108864 bytes in blocks of 512, the target now gives 33554432 in blocks of 512: not re-attaching"
wait_for "! process_alive $DPID" 10 || fail "daemon with no device did not exit"
wait $DPID && fail "daemon exit 0 without any device"
[ "$(dev_state $other)" = QUIESCED ] || fail "dev $other: $(dev_state $other) after a refused re-attach"

start_daemon "$SCRATCH/byid.ini"
wait_devices 1
recovered byid || fail "byid not re-attached: $(cat "$DOUT" "$DERR")"
[ "$(dev_of byid)" = $other ] || fail "byid: dev $(dev_of byid), expected $other"
assert_live byid
dd if=/dev/zero of=/dev/ublkb$other bs=64k count=16 oflag=direct status=none || fail "IO on $other"

kill -INT $DPID
wait $DPID || fail "exit status $? after SIGINT"
assert_no_devices
assert_no_state_files
pass "dev_id = $other re-attached; with another size refused"
