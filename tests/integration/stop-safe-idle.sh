#!/bin/bash
# `stop` and `stop --safe` on a device nobody has open: the block device goes,
# the daemon leaves, the ublk device stays (DEAD) until `del`. Without -n,
# one line and exit 1.
. "${srcdir:-.}/lib.sh"
require_feature SAFE_STOP_DEV

expect_fail "stop needs -n ID" "$UBLK" stop --safe

for how in --safe plain; do
	id=$(add_dev -t null --size 64M)
	pid=$(dev_pid $id)
	dd if=/dev/zero of=/dev/ublkb$id bs=64k count=16 oflag=direct status=none || fail "write"
	if [ $how = --safe ]; then
		out=$("$UBLK" stop -n $id --safe 2>&1) || fail "stop --safe of idle dev $id: $out"
	else
		out=$("$UBLK" stop -n $id 2>&1) || fail "stop of dev $id: $out"
	fi
	[ -z "$out" ] || fail "stop printed: $out"
	wait_for "[ ! -e /sys/block/ublkb$id ]" 10 || fail "ublkb$id still there after stop $how"
	wait_for "! process_alive $pid" 10 || fail "daemon $pid still running after stop $how"
	state=$(dev_state $id)
	[ -n "$state" ] && [ "$state" != LIVE ] || fail "dev $id state '$state' after stop $how"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: stop $how: ublkb$id gone, daemon gone, state $state until del"
done
assert_no_devices
pass
