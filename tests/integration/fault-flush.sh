#!/bin/bash
# fault_inject filter over null, fail_ops=flush: the device gets a write
# cache (null has none), the write itself works, fsync gets EIO.
. "${srcdir:-.}/lib.sh"

id=$(add_dev --filter fault_inject --fail_ops flush -t null --size 64M) || exit 1
dev=/dev/ublkb$id
grep -q "write back" /sys/block/ublkb$id/queue/write_cache ||
	fail "no write cache: $(cat /sys/block/ublkb$id/queue/write_cache)"
dd if=/dev/zero of=$dev bs=4k count=1 oflag=direct status=none || fail "write without fsync failed"
out=$(dd if=/dev/zero of=$dev bs=4k count=1 conv=fsync 2>&1) && fail "fsync succeeded: $out"
printf '%s\n' "$out" | grep -q "Input/output error" || fail "fsync with fail_ops=flush: $out"
"$UBLK" del -n $id
assert_no_devices
pass "fail_ops=flush: $(printf '%s\n' "$out" | head -1)"
