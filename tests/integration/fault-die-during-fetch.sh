#!/bin/bash
# fault_inject's die_during_fetch (kublk 7.3's --die_during_fetch 1): a
# recovery device's daemon is SIGKILLed; `recover --foreground` with
# --die_during_fetch 1 kills itself while queue 0's FETCHes are prepared but
# not sent (queue 1's may be), so it exits as a SIGKILLed process does (137);
# after this incomplete recovery `del` still tears the device down, in
# bounded time, and nothing is left. kublk's command line as it is: -t
# fault_inject (the deprecated form: null under the fault_inject filter).
. "${srcdir:-.}/lib.sh"
require_feature USER_RECOVERY

id=$(add_dev -t fault_inject -q 2 -r 1)
pid=$(dev_pid $id)
kill -9 $pid
wait_for "! process_alive $pid" 10 || fail "daemon $pid survived SIGKILL"
wait_for "[ \"\$(dev_state $id)\" = QUIESCED ]" 20 || fail "dev $id: state $(dev_state $id), expected QUIESCED"

timeout 60 "$UBLK" recover -n $id --foreground -t fault_inject -q 2 -r 1 \
	--die_during_fetch 1 >/dev/null 2>&1
rc=$?
[ $rc = 124 ] && fail "recover did not exit within 60 s"
[ $rc = 137 ] || fail "recover exited $rc, expected 137 (SIGKILL)"

t0=$SECONDS
timeout 30 "$UBLK" del -n $id
rc=$?
[ $rc = 124 ] && fail "del -n $id hangs after the incomplete recovery"
[ $rc = 0 ] || fail "del -n $id: exit $rc"
wait_for "[ ! -e /dev/ublkc$id ]" 10 || fail "/dev/ublkc$id still there"
assert_no_devices
pass "recover exited 137, del took $((SECONDS - t0)) s"
