#!/bin/bash
# Daemon mode with `recovery =`: a state file naming a device that is gone,
# one without recovery, one LIVE under another process, or one of another
# config file is ignored (the device named is not touched), a new device
# added, the file replaced.
. "${srcdir:-.}/daemon-lib.sh"

cfg=$SCRATCH/devices.ini
mkdir -p "$RUN"
# state NAME DEV_ID [CONFIG]: what a dead daemon would have left.
state() {
	printf '# ublk-server daemon state\nname=%s\ndev_id=%s\npid=999999\nconfig=%s\ntarget=null\n' \
		"$1" "$2" "${3:-$cfg}" >"$RUN/$1.state"
}

# Devices the stanzas must not take: LIVE with recovery, QUIESCED of another
# file, and one without recovery.
live=$(add_dev -t null --size 64M -r 1)
live_pid=$(dev_pid $live)
other=$(add_dev -t null --size 64M -r 1)
kill -9 "$(dev_pid $other)"
wait_for "[ \"\$(dev_state $other)\" = QUIESCED ]" 10 || fail "dev $other: $(dev_state $other)"
norec=$(add_dev -t null --size 64M)

cat >"$cfg" <<EOF
[global]
run_dir = $RUN
[device gone]
target = null
size = 64M
recovery = on
[device live]
target = null
size = 64M
recovery = on
[device other]
target = null
size = 64M
recovery = on
[device norec]
target = null
size = 64M
recovery = reissue
EOF
state gone 77
state live $live
state other $other /elsewhere/devices.ini
state norec $norec
start_daemon "$cfg"
wait_devices 4
for n in gone live other norec; do
	assert_live $n
	recovered $n && fail "$n re-attached to a device that is not its own: $(cat "$DOUT")"
	grep -qx "dev_id=$(dev_of $n)" "$RUN/$n.state" && grep -qx "pid=$DPID" "$RUN/$n.state" &&
		grep -qx "config=$cfg" "$RUN/$n.state" || fail "$n.state not replaced: $(cat "$RUN/$n.state")"
done
[ "$(dev_of live)" != $live ] && [ "$(dev_of other)" != $other ] && [ "$(dev_of norec)" != $norec ] ||
	fail "a stanza took a device it does not own: $(cat "$DOUT")"
wait_log "\[device gone\] /dev/ublkb77 of the state file is gone: adding a new device"
wait_log "\[device live\] /dev/ublkb$live of the state file is LIVE, served by pid $live_pid: not ours"
wait_log "\[device other\] $RUN/other.state belongs to /elsewhere/devices.ini, not $cfg: ignored"
wait_log "\[device norec\] /dev/ublkb$norec of the state file has no recovery"
[ "$(dev_state $live)" = LIVE ] && [ "$(dev_pid $live)" = "$live_pid" ] || fail "dev $live touched"
[ "$(dev_state $other)" = QUIESCED ] || fail "dev $other: $(dev_state $other)"
[ "$(dev_state $norec)" = LIVE ] || fail "dev $norec: $(dev_state $norec)"
kill -INT $DPID
wait $DPID || fail "exit status $? after SIGINT"
assert_no_state_files
for id in $live $other $norec; do
	"$UBLK" del -n $id >/dev/null || fail "del -n $id"
done
assert_no_devices
pass "stale state files ignored and replaced, foreign devices untouched"
