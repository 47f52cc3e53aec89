#!/bin/bash
# When no stanza's device can be created at runtime (the only one names a
# dev_id that a device `ublk-server add` made holds), the daemon says so and
# exits 1, leaving that device alone.
. "${srcdir:-.}/daemon-lib.sh"

taken=$(add_dev -t null --size 64M)
cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
[global]
run_dir = $RUN
[device clash]
target = null
dev_id = $taken
EOF
# Nothing can start: exit 1 after saying so.
"$UBLK" -c "$cfg" >"$DOUT" 2>"$DERR"
rc=$?
[ $rc = 1 ] || fail "exit status $rc with no device started: $(cat "$DERR")"
grep -q "^ublk-server: $cfg: no device could be started" "$DERR" || fail "log: $(cat "$DERR")"
[ "$(dev_state $taken)" = LIVE ] || fail "dev $taken hurt"
"$UBLK" del -n $taken || fail "del -n $taken"
assert_no_devices
pass "no device could start: exit 1, dev $taken untouched"
