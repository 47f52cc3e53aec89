#!/bin/bash
# `recover` of a device whose daemon still serves it fails within seconds
# with one line naming the device and the daemon, and leaves the device LIVE
# with its daemon serving IO.
. "${srcdir:-.}/lib.sh"

id=$(add_dev -t null --size 64M -r 1 -i 1)
pid=$(dev_pid $id)

t0=$SECONDS
expect_fail "^ublk-server: command line: device $id is LIVE, served by pid $pid: recover takes over a device whose daemon died$" \
	timeout 30 "$UBLK" recover -n $id -t null --size 64M -r 1 -i 1
secs=$((SECONDS - t0))
[ $secs -le 5 ] || fail "recover took $secs s to give up"

[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after a refused recover"
[ "$(dev_pid $id)" = "$pid" ] || fail "daemon pid $(dev_pid $id), expected $pid"
process_alive $pid || fail "daemon $pid died"
[ "$(our_daemons)" = "$pid" ] || fail "a recover daemon is left: $(our_daemons | grep -vx "$pid")"
timeout 20 dd if=/dev/ublkb$id of=/dev/null bs=4k count=64 iflag=direct status=none ||
	fail "IO after a refused recover"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "refused in $secs s"
