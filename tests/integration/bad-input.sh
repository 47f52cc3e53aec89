#!/bin/bash
# Every kind of bad input: one line naming the culprit, non-zero exit, and
# no device, daemon or device node left behind.
. "${srcdir:-.}/lib.sh"

expect_fail "unknown target 'nosuch'" "$UBLK" add -t nosuch
expect_fail "bad_abi.so has ABI version 99.0, this server needs 1.x" \
	"$UBLK" add -t bad_abi --plugin-dir "$TEST_PLUGINS"
expect_fail "no_queue_io.so lacks the required callback 'queue_io'" \
	"$UBLK" add -t no_queue_io --plugin-dir "$TEST_PLUGINS"
expect_fail "^ublk-server: -q: queues must be a number from 1 to 32, not '33'" \
	"$UBLK" add -t null -q 33
expect_fail "^ublk-server: -q: queues must be a number from 1 to 32, not '2x'" \
	"$UBLK" add -t null -q 2x
expect_fail "^ublk-server: -d: depth must be a number from 1 to 1024, not '0'" \
	"$UBLK" add -t null -d 0
expect_fail "^ublk-server: -d: depth must be a number from 1 to 1024, not '4096'" \
	"$UBLK" add -t null -d 4096
expect_fail "^ublk-server: -n: 'x' is not a device id" "$UBLK" add -t null -n x
expect_fail "size: 'lots' is not a size" "$UBLK" add -t null --size lots
expect_fail "unknown parameter 'colour' for target null" "$UBLK" add -t null --colour red
expect_fail "size 1000 is not a multiple of the block size 512" "$UBLK" add -t null --size 1000
expect_fail "no target given" "$UBLK" add -q 1
expect_fail "del needs -n ID or -a" "$UBLK" del
expect_fail "device 5: no such device" "$UBLK" del -n 5
# The same in the foreground (no daemon to relay the error).
expect_fail "unknown target 'nosuch'" "$UBLK" add -t nosuch --foreground
assert_no_devices
assert_no_daemons
pass
