#!/bin/bash
# On a kernel without UBLK_F_INTEGRITY (6.12), an integrity device is
# refused with one line naming the feature and the Linux version.
. "${srcdir:-.}/lib.sh"
"$UBLK" features | grep -q "^[[:space:]]*INTEGRITY " &&
	skip "kernel $(uname -r) has INTEGRITY"

expect_fail "^ublk-server: --metadata_size: metadata_size needs the ublk feature INTEGRITY (Linux 7.0 or newer); this kernel lacks it$" \
	"$UBLK" add -t null --metadata_size 8 --csum_type t10dif
assert_no_devices
pass
