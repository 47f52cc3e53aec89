#!/bin/bash
# `recover` refuses, with one line and without hanging, what it cannot do:
# no -n, a device that does not exist, a device added without recovery, and
# a device added with another data path (-u) than recover forces (--copy;
# the kernel would wait forever for IO commands the daemon never sends). The
# device stays recoverable, and recover without a data path option (auto)
# then keeps the device's path and works.
. "${srcdir:-.}/lib.sh"

expect_fail "^ublk-server: recover needs the device id: -n ID$" \
	"$UBLK" recover -t null --size 64M -r 1
expect_fail "^ublk-server: command line: no ublk device 77 to recover: " \
	timeout 30 "$UBLK" recover -n 77 -t null --size 64M -r 1

# Added without recovery: the daemon's death removed the disk; nothing to take over.
id=$(add_dev -t null --size 64M)
pid=$(dev_pid $id)
kill -9 $pid
wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
expect_fail "^ublk-server: command line: device $id was not created with recovery$" \
	timeout 30 "$UBLK" recover -n $id -t null --size 64M
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices

# Another data path than the device's.
id=$(add_dev -t null --size 64M -r 1 -u)
pid=$(dev_pid $id)
kill -9 $pid
wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
t0=$SECONDS
expect_fail "^ublk-server: command line: device $id was added with -u, recover is given copy mode [(]--copy[)]: use the add options$" \
	timeout 30 "$UBLK" recover -n $id -t null --size 64M -r 1 --copy
[ $((SECONDS - t0)) -le 5 ] || fail "the refusal took $((SECONDS - t0)) s"
state=$(dev_state $id)
[ "$state" = QUIESCED ] || fail "state $state after a refused recover, expected QUIESCED"
# Without a data path option, auto keeps the device's path.
out=$(timeout 30 "$UBLK" recover -n $id -t null --size 64M -r 1 2>&1) ||
	fail "recover without data path options: $out"
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after recover"
path=$(dev_field $id 's/^\tdata path \(.*\)$/\1/p')
[ "$path" = "user_copy (auto: kept from the recovered device)" ] ||
	fail "data path after an auto recover: $path"
timeout 20 dd if=/dev/ublkb$id of=/dev/null bs=4k count=64 iflag=direct status=none ||
	fail "IO after recover"
echo "ok: a recover with the wrong data path was refused, auto kept user_copy"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass
