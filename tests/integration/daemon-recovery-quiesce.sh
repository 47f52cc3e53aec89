#!/bin/bash
# Daemon mode with `recovery =`: `ublk-server quiesce -n` of a daemon
# device: the daemon serves on, keeps the state file, and a reload (SIGHUP)
# re-attaches to it.
. "${srcdir:-.}/daemon-lib.sh"
require_feature QUIESCE

cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
[global]
run_dir = $RUN
[device q]
target = null
size = 64M
recovery = on
EOF
start_daemon "$cfg"
wait_devices 1
q=$(dev_of q)
assert_live q

"$UBLK" quiesce -n $q || fail "quiesce -n $q"
wait_log "\[device q\]: /dev/ublkb$q was quiesced from outside and waits for recovery (QUIESCED)"
process_alive $DPID || fail "daemon exited: $(cat "$DERR")"
[ -f "$RUN/q.state" ] || fail "q.state removed"
[ "$(dev_state $q)" = QUIESCED ] || fail "dev $q: $(dev_state $q)"
kill -HUP $DPID
wait_devices 2
wait_log "reloaded $cfg: serving 1 of 1 devices"
recovered q || fail "reload did not re-attach"
[ "$(dev_of q)" = $q ] || fail "q: dev $(dev_of q) after reload"
assert_live q
dd if=/dev/zero of=/dev/ublkb$q bs=64k count=16 oflag=direct status=none || fail "IO on $q"

kill -INT $DPID
wait $DPID || fail "exit status $? after SIGINT"
assert_no_devices
assert_no_state_files
pass "quiesce from outside, reload re-attached dev $q"
