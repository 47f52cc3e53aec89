#!/bin/bash
# Daemon mode with `recovery =`: what a state file or a dev_id may point at.
#  - a state file naming a device that is gone, one without recovery, one LIVE
#    under another process, or one of another config file: ignored (the
#    device named is not touched), a new device added, the file replaced;
#  - `dev_id = N` of a device whose daemon died (QUIESCED, no state file):
#    re-attached; the same with another size: left alone, the stanza fails;
#  - `ublk-server quiesce -n` of a daemon device: the daemon serves on, keeps
#    the state file, and a reload (SIGHUP) re-attaches to it.
. "${srcdir:-.}/daemon-lib.sh"

wait_devices() {
	wait_for "[ \$(grep -c ': /dev/ublkb[0-9]*\( (recovered)\)\?\$' '$DOUT') -ge $1 ]" "${2:-30}" ||
		fail "daemon reported $(grep -c ': /dev/ublkb' "$DOUT") of $1 devices: $(cat "$DOUT" "$DERR")"
}
dev_of() {
	sed -n "s|^$1: /dev/ublkb\([0-9]*\)\( (recovered)\)\?\$|\1|p" "$DOUT" | tail -1
}
recovered() { grep -q "^$1: /dev/ublkb[0-9]* (recovered)\$" "$DOUT"; }

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
echo "ok: stale state files ignored and replaced, foreign devices untouched"

# dev_id = N of a QUIESCED device: re-attached without any state file; with
# another size it is left alone.
cat >"$cfg" <<EOF
[global]
run_dir = $RUN
[device byid]
target = null
size = 64M
recovery = on
dev_id = $other
[device wrongsize]
target = null
size = 32M
recovery = on
dev_id = $other
EOF
# Two stanzas cannot name the same dev_id: one file each.
sed '/\[device wrongsize\]/,$d' "$cfg" >"$SCRATCH/byid.ini"
sed '/\[device byid\]/,/^dev_id/d' "$cfg" >"$SCRATCH/wrongsize.ini"
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
echo "ok: dev_id = $other re-attached; with another size refused"

# quiesce from outside: the daemon serves on and a reload re-attaches.
if "$UBLK" features | grep -q '^[[:space:]]*QUIESCE '; then
	"$UBLK" quiesce -n $other || fail "quiesce -n $other"
	wait_log "\[device byid\]: /dev/ublkb$other was quiesced from outside and waits for recovery (QUIESCED)"
	process_alive $DPID || fail "daemon exited: $(cat "$DERR")"
	[ -f "$RUN/byid.state" ] || fail "byid.state removed"
	[ "$(dev_state $other)" = QUIESCED ] || fail "dev $other: $(dev_state $other)"
	kill -HUP $DPID
	wait_devices 2
	wait_log "reloaded $SCRATCH/byid.ini: serving 1 of 1 devices"
	recovered byid || fail "reload did not re-attach"
	[ "$(dev_of byid)" = $other ] || fail "byid: dev $(dev_of byid) after reload"
	assert_live byid
	echo "ok: quiesce from outside, reload re-attached"
fi

kill -INT $DPID
wait $DPID || fail "exit status $? after SIGINT"
"$UBLK" del -n $live >/dev/null
"$UBLK" del -n $norec >/dev/null
assert_no_devices
assert_no_state_files
pass
