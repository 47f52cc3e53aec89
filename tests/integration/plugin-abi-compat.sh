#!/bin/bash
# A plugin built against a newer ABI 1.x (longer struct) is loaded and serves
# IO: the host copes with struct sizes it does not know.
. "${srcdir:-.}/lib.sh"

id=$(add_dev -t future_abi --plugin-dir "$TEST_PLUGINS")
[ "$(blockdev --getsize64 /dev/ublkb$id)" = $((64 << 20)) ] || fail "wrong size"
dd if=/dev/ublkb$id of=/dev/null bs=1M count=64 iflag=direct 2>/dev/null || fail "read failed"
dd if=/dev/zero of=/dev/ublkb$id bs=1M count=8 oflag=direct 2>/dev/null || fail "write failed"
"$UBLK" del -n $id || fail "del"
assert_no_devices
pass
