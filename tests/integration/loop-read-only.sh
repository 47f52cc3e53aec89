#!/bin/bash
# --read_only 1: the device is read-only (ro=1), a write gets EROFS/EPERM,
# reads return the file's data, and the file is untouched.
. "${srcdir:-.}/lib.sh"
require_tool cmp

scratch_dir
img=$SCRATCH/ro.img
dd if=/dev/urandom of="$img" bs=1M count=8 status=none
sum=$(sha256sum <"$img")

id=$(add_dev -t loop --read_only 1 "$img")
dev=/dev/ublkb$id
[ "$(cat /sys/block/ublkb$id/ro)" = 1 ] || fail "/sys/block/ublkb$id/ro is not 1"
[ "$(blockdev --getro $dev)" = 1 ] || fail "blockdev --getro is not 1"

out=$(dd if=/dev/zero of=$dev bs=4k count=1 oflag=direct 2>&1) &&
	fail "dd write to the read-only device succeeded: $out"
printf '%s\n' "$out" | grep -q -e "Read-only file system" -e "Operation not permitted" ||
	fail "dd write failed, but not with EROFS/EPERM: $out"
echo "ok: write refused: $(printf '%s\n' "$out" | head -1)"

cmp $dev "$img" || fail "reading the read-only device does not give the file's data"
dd if=$dev of=/dev/null bs=64k iflag=direct status=none || fail "direct read failed"
[ "$(sha256sum <"$img")" = "$sum" ] || fail "the backing file changed"
"$UBLK" del -n $id
assert_no_devices
pass
