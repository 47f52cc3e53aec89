#!/bin/bash
# SIGHUP re-reads the file while fio runs on a device whose stanza does not
# change: a new stanza is started, a deleted one is stopped and deleted, a
# changed one is logged as needing a restart and keeps running; a broken
# file, or a new stanza that does not configure, changes nothing. The
# unchanged device keeps its id and daemon, and fio sees no error.
. "${srcdir:-.}/daemon-lib.sh"
require_tool fio

cfg=$SCRATCH/devices.ini
v1() {
	cat <<EOF
[global]
run_dir = $RUN

[device keep]
target = null
size = 1G

[device old]
target = null
size = 128M

[device chg]
target = null
size = 64M
EOF
}
v2() {
	cat <<EOF
[global]
run_dir = $RUN

[device keep]
target = null
size = 1G

[device chg]
target = null
size = 128M

[device new]
target = null
size = 32M
EOF
}
v1 >"$cfg"
start_daemon "$cfg"
wait_devices 3
keep=$(dev_of keep) old=$(dev_of old) chg=$(dev_of chg)

fio --name=keep --filename=/dev/ublkb$keep --ioengine=io_uring --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --runtime=20 --time_based >"$SCRATCH/fio.out" 2>&1 &
fpid=$!
sleep 1
process_alive $fpid || fail "fio did not start: $(cat "$SCRATCH/fio.out")"

# 1. add new, remove old, chg changed
v2 >"$cfg"
kill -HUP $DPID
wait_devices 4
new=$(dev_of new)
[ "$(blockdev --getsize64 /dev/ublkb$new)" = $((32 << 20)) ] || fail "new: size"
assert_live new
# old's id may well be new's now: the kernel hands out the lowest free id.
if [ "$new" != "$old" ]; then
	wait_for "[ ! -e /dev/ublkb$old ]" 20 || fail "old (dev $old) still there"
	"$UBLK" list -n $old >/dev/null 2>&1 && fail "old (dev $old) still listed"
fi
[ "$("$UBLK" list | grep -c '^dev id')" = 3 ] || fail "not 3 devices: $("$UBLK" list)"
wait_log "\[device old\]: /dev/ublkb$old stopped and deleted"
wait_log "reloaded $cfg: serving 3 of 3 devices"
grep -q "^ublk-server: $cfg:8: \[device chg\] changed: restart the device to apply it" "$DERR" ||
	fail "no restart notice for chg: $(cat "$DERR")"
[ "$(blockdev --getsize64 /dev/ublkb$chg)" = $((64 << 20)) ] || fail "chg was changed under us"
[ -e "$RUN/old.state" ] && fail "old.state left"
[ -f "$RUN/new.state" ] || fail "no new.state"

# 2. a broken file: nothing changes
printf '[device keep\ntarget = null\n' >"$cfg"
kill -HUP $DPID
wait_log "reload of $cfg failed: every device keeps running as it was"
grep -q "^ublk-server: $cfg:1: syntax error" "$DERR" || fail "no syntax error: $(cat "$DERR")"

# 3. a new stanza whose target rejects a key: nothing changes either,
#    not even the removal of chg
{ v2 | sed '/\[device chg\]/,/^$/d'; printf '\n[device bad]\ntarget = null\ncolour = red\n'; } >"$cfg"
n_fail=$(grep -c "reload of $cfg failed" "$DERR")
kill -HUP $DPID
wait_for "[ \$(grep -c 'reload of $cfg failed' '$DERR') -gt $n_fail ]" 30 ||
	fail "no second reload failure: $(cat "$DERR")"
grep -q "^ublk-server: $cfg:.*: unknown parameter 'colour' for target null" "$DERR" ||
	fail "no plugin error: $(cat "$DERR")"

for n in keep chg new; do
	assert_live $n
done
[ "$(dev_of keep)" = "$keep" ] || fail "keep changed id: $keep -> $(dev_of keep)"
[ "$(dev_of chg)" = "$chg" ] || fail "chg changed id"

wait $fpid
rc=$?
[ $rc = 0 ] || fail "fio on the unchanged device: exit $rc: $(tail -5 "$SCRATCH/fio.out")"
grep -q 'err= 0' "$SCRATCH/fio.out" || fail "fio errors: $(grep err= "$SCRATCH/fio.out")"
process_alive $DPID || fail "daemon died: $(cat "$DERR")"
assert_live keep

stop_daemon
assert_no_devices
assert_no_state_files
pass "reload: +new -old, chg flagged, 2 bad reloads ignored; fio on keep (dev $keep) clean"
