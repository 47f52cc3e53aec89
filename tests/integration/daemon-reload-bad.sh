#!/bin/bash
# SIGHUP with a broken file, or with a new stanza whose target rejects a
# key, changes nothing (not even the removal of a stanza the same file
# drops): every device keeps running, with its id, under the same daemon,
# and fio on one of them sees no error.
. "${srcdir:-.}/daemon-reload-lib.sh"

start_with_fio

# A broken file.
printf '[device keep\ntarget = null\n' >"$cfg"
kill -HUP $DPID
wait_log "reload of $cfg failed: every device keeps running as it was"
grep -q "^ublk-server: $cfg:1: syntax error" "$DERR" || fail "no syntax error: $(cat "$DERR")"

# A new stanza that does not configure, and old dropped.
{ v1 | sed '/\[device old\]/,/^$/d'; printf '\n[device bad]\ntarget = null\ncolour = red\n'; } >"$cfg"
kill -HUP $DPID
wait_for "[ \$(grep -c 'reload of $cfg failed' '$DERR') -ge 2 ]" 30 ||
	fail "no second reload failure: $(cat "$DERR")"
grep -q "^ublk-server: $cfg:.*: unknown parameter 'colour' for target null" "$DERR" ||
	fail "no plugin error: $(cat "$DERR")"

for n in keep old chg; do
	assert_live $n
done
[ "$(dev_of keep)" = "$keep" ] && [ "$(dev_of old)" = "$old" ] && [ "$(dev_of chg)" = "$chg" ] ||
	fail "ids changed: $(cat "$DOUT")"
[ -f "$RUN/old.state" ] || fail "old.state removed"
grep -q 'stopped and deleted' "$DERR" && fail "a device was deleted: $(cat "$DERR")"

end_fio

stop_daemon
assert_no_devices
assert_no_state_files
pass "2 bad reloads ignored; keep, old, chg untouched, fio on keep (dev $keep) clean"
