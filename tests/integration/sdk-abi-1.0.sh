#!/bin/bash
# A plugin built from the ABI 1.0 header (tests/plugins/abi-1.0) loads under
# the 1.1 host and serves IO: what it is written it reads back.
. "${srcdir:-.}/lib.sh"
require_driver
require_tool cmp

scratch_dir
id=$(add_dev -t abi10_mem -q 2 --plugin-dir "$TEST_PLUGINS")
dev=/dev/ublkb$id
[ "$(blockdev --getsize64 $dev)" = $((32 << 20)) ] || fail "size $(blockdev --getsize64 $dev)"
head -c 8M /dev/urandom >$SCRATCH/data
dd if=$SCRATCH/data of=$dev bs=64k seek=16 oflag=direct status=none || fail "write"
dd if=$dev of=$SCRATCH/back bs=64k skip=16 count=128 iflag=direct status=none || fail "read"
cmp $SCRATCH/data $SCRATCH/back || fail "read back differs"
"$UBLK" plugins --plugin-dir "$TEST_PLUGINS" | grep -E -q '^abi10_mem +1\.0 +async ' ||
	fail "plugins does not show abi10_mem as ABI 1.0"
"$UBLK" del -n $id || fail "del"
assert_no_devices
pass
