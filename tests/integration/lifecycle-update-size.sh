#!/bin/bash
# update_size -n ID -s BYTES halves a LIVE loop device: blockdev and list
# see the new size, IO below it works and IO beyond it fails. Bad sizes and
# unknown devices are refused with one line. On a kernel without
# UPDATE_SIZE the command fails with one line naming it.
. "${srcdir:-.}/lib.sh"

scratch_dir
img=$SCRATCH/loop.img
truncate -s 64M "$img"
id=$(add_dev -t loop "$img")
dev=/dev/ublkb$id
[ "$(blockdev --getsize64 $dev)" = 67108864 ] || fail "size $(blockdev --getsize64 $dev) after add"

expect_fail "^ublk-server: update_size needs -n ID and -s BYTES$" "$UBLK" update_size -n $id
expect_fail "^ublk-server: -s: 1000 is not a positive multiple of the block size 512$" \
	"$UBLK" update_size -n $id -s 1000
expect_fail "^ublk-server: device 77: no such device$" "$UBLK" update_size -n 77 -s 1M

if ! "$UBLK" features | grep -q '^[[:space:]]*UPDATE_SIZE '; then
	expect_fail "^ublk-server: update_size needs the ublk feature UPDATE_SIZE (Linux 6.15 or newer); this kernel lacks it$" \
		"$UBLK" update_size -n $id -s 32M
	[ "$(blockdev --getsize64 $dev)" = 67108864 ] || fail "size changed: $(blockdev --getsize64 $dev)"
	"$UBLK" del -n $id || fail "del -n $id"
	assert_no_devices
	pass "kernel $(uname -r): update_size refused, naming UPDATE_SIZE"
fi

out=$("$UBLK" update_size -n $id -s 32M 2>&1) || fail "update_size -s 32M: $out"
[ -z "$out" ] || fail "update_size printed: $out"
size=$(blockdev --getsize64 $dev)
[ "$size" = 33554432 ] || fail "blockdev sees $size after update_size 32M"
"$UBLK" list -n $id | grep -q "dev_capacity 65536$" || fail "list: $("$UBLK" list -n $id | head -1)"
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after update_size"

timeout 20 dd if=/dev/zero of=$dev bs=1M count=1 seek=31 oflag=direct status=none ||
	fail "write to the last MiB of the new size failed"
out=$(timeout 20 dd if=/dev/zero of=$dev bs=1M count=1 seek=32 oflag=direct 2>&1) &&
	fail "write beyond the new size succeeded: $out"
timeout 20 dd if=$dev of=/dev/null bs=1M iflag=direct status=none || fail "reading the device failed"
echo "ok: 64M -> 32M, IO within works, beyond fails"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass
