#!/bin/bash
# `ublk-server del -n ID` of one daemon device: it goes, the others stay
# LIVE under the same daemon, and del does not wait for the daemon to exit
# (it serves on, even after its last device is deleted). A reload starts the
# deleted stanzas again.
. "${srcdir:-.}/daemon-lib.sh"

cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
[global]
run_dir = $RUN
[device d0]
target = null
size = 128M
[device d1]
target = null
size = 128M
[device d2]
target = null
size = 128M
EOF
start_daemon "$cfg"
wait_devices 3
d0=$(dev_of d0) d1=$(dev_of d1) d2=$(dev_of d2)

t0=$SECONDS
"$UBLK" del -n $d1 || fail "del -n $d1"
[ $((SECONDS - t0)) -lt 5 ] || fail "del -n $d1 took $((SECONDS - t0)) s"
[ -e /dev/ublkb$d1 ] && fail "/dev/ublkb$d1 still there"
"$UBLK" list -n $d1 >/dev/null 2>&1 && fail "dev $d1 still listed"
assert_live d0
assert_live d2
process_alive $DPID || fail "daemon exited: $(cat "$DERR")"
wait_log "\[device d1\]: /dev/ublkb$d1 was stopped from outside"
wait_for "[ ! -e '$RUN/d1.state' ]" 5 || fail "d1.state left"
dd if=/dev/zero of=/dev/ublkb$d0 bs=64k count=64 oflag=direct 2>/dev/null || fail "IO on d0"

# The last two: del returns at once although the daemon does not exit.
"$UBLK" del -n $d0 || fail "del -n $d0"
t0=$SECONDS
"$UBLK" del -n $d2 || fail "del -n $d2"
[ $((SECONDS - t0)) -lt 5 ] || fail "del of the last device waited $((SECONDS - t0)) s for the daemon"
assert_no_devices
process_alive $DPID || fail "daemon exited with its last device: $(cat "$DERR")"
wait_for "[ -z \"\$(ls '$RUN' | grep state)\" ]" 5 || fail "state files left: $(ls "$RUN")"

# The file still describes them: a reload serves them again.
kill -HUP $DPID
wait_devices 6
for n in d0 d1 d2; do
	assert_live $n
done

stop_daemon
assert_no_devices
assert_no_state_files
pass "del -n of daemon devices: others LIVE, no wait; reload restarts them"
