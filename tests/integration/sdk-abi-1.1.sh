#!/bin/bash
# A plugin built from the ABI 1.1 header (tests/plugins/abi-1.1: the simple
# API, slow_simple.c as abi11_simple) loads under the 1.2 host and serves IO:
# its pread returns zeroes, its pwrite succeeds.
. "${srcdir:-.}/lib.sh"
require_driver
require_tool cmp

scratch_dir
id=$(add_dev -t abi11_simple --delay_ms 0 --size 32M --plugin-dir "$TEST_PLUGINS")
dev=/dev/ublkb$id
[ "$(blockdev --getsize64 $dev)" = $((32 << 20)) ] || fail "size $(blockdev --getsize64 $dev)"
head -c 1M /dev/urandom | dd of=$dev bs=64k seek=16 oflag=direct status=none || fail "write"
dd if=$dev of=$SCRATCH/back bs=64k skip=16 count=16 iflag=direct status=none || fail "read"
head -c 1M /dev/zero | cmp - $SCRATCH/back || fail "read back is not the plugin's zeroes"
"$UBLK" plugins --plugin-dir "$TEST_PLUGINS" | grep -E -q '^abi11_simple +1\.1 +simple +parallel ' ||
	fail "plugins does not show abi11_simple as ABI 1.1"
"$UBLK" del -n $id || fail "del"
assert_no_devices
pass
