#!/bin/bash
# On a kernel without them (6.12), the Linux 7.x options are refused in one
# line naming the ublk feature and the Linux version, and nothing is left:
# stop --safe (SAFE_STOP_DEV, 7.0), --no_auto_part_scan (NO_AUTO_PART_SCAN,
# 7.0), set_params --no_auto_part_scan, and the zero copy limits, with -z or
# alone (6.12 has no zero copy at all: ZERO_COPY, 6.15), and set_params of
# parameter types the kernel silently drops.
. "${srcdir:-.}/lib.sh"
require_driver
"$UBLK" features | grep -q "^[[:space:]]*SAFE_STOP_DEV " &&
	skip "kernel $(uname -r) has SAFE_STOP_DEV: nothing to refuse"

id=$(add_dev -t null --size 64M)
expect_fail "needs the ublk feature SAFE_STOP_DEV (Linux 7.0 or newer)" "$UBLK" stop -n $id --safe
[ "$(dev_state $id)" = LIVE ] || fail "dev $id not LIVE after the refused stop"
"$UBLK" del -n $id || fail "del -n $id"

expect_fail "needs the ublk feature NO_AUTO_PART_SCAN (Linux 7.0 or newer)" \
	"$UBLK" add -t null --no_auto_part_scan
expect_fail "needs the ublk feature NO_AUTO_PART_SCAN (Linux 7.0 or newer)" \
	"$UBLK" set_params --no_auto_part_scan
if ! "$UBLK" features | grep -q "^[[:space:]]*ZERO_COPY "; then
	expect_fail "needs the ublk feature ZERO_COPY (Linux 6.15 or newer)" \
		"$UBLK" add -t null -z --max_segments 16
	expect_fail "a dma_alignment or segment limit needs the ublk feature ZERO_COPY (Linux 6.15" \
		"$UBLK" add -t null --max_segments 16
	# An old kernel drops parameter types it does not know: set_params says so.
	expect_fail "the kernel ignores parameter types 0x30" \
		"$UBLK" set_params --param_types basic,dma_align,segment
fi
assert_no_devices
pass
