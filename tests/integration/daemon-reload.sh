#!/bin/bash
# SIGHUP re-reads the file while fio runs on a device whose stanza does not
# change: a new stanza is started, a deleted one is stopped and deleted, a
# changed one is logged as needing a restart and keeps running. The
# unchanged device keeps its id and daemon, and fio sees no error.
. "${srcdir:-.}/daemon-reload-lib.sh"

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
start_with_fio

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
for id in $(new_ids); do
	[ $id = $keep ] || [ $id = $chg ] || [ $id = $new ] || fail "dev $id is not keep, chg or new: $("$UBLK" list)"
done
wait_log "\[device old\]: /dev/ublkb$old stopped and deleted"
wait_log "reloaded $cfg: serving 3 of 3 devices"
grep -q "^ublk-server: $cfg:8: \[device chg\] changed: restart the device to apply it" "$DERR" ||
	fail "no restart notice for chg: $(cat "$DERR")"
[ "$(blockdev --getsize64 /dev/ublkb$chg)" = $((64 << 20)) ] || fail "chg was changed under us"
[ -e "$RUN/old.state" ] && fail "old.state left"
[ -f "$RUN/new.state" ] || fail "no new.state"
for n in keep chg new; do
	assert_live $n
done
[ "$(dev_of keep)" = "$keep" ] || fail "keep changed id: $keep -> $(dev_of keep)"
[ "$(dev_of chg)" = "$chg" ] || fail "chg changed id"

end_fio
assert_live keep

stop_daemon
assert_no_devices
assert_no_state_files
pass "reload: +new -old, chg flagged; fio on keep (dev $keep) clean"
