#!/bin/bash
# zoned: f2fs in zoned mode (metadata in the conventional zones, data in
# the sequential ones) makes and mounts, and a file written to it reads
# back the same from the device.
. "${srcdir:-.}/lib.sh"
require_tool mkfs.f2fs
require_feature ZONED
modprobe f2fs 2>/dev/null || grep -qw f2fs /proc/filesystems || fail "no f2fs in kernel $(uname -r)"

scratch_dir
mnt=$SCRATCH/mnt
mkdir -p "$mnt"
id=$(add_dev -t zoned --size 256M --zone_size 4M --conv_zones 8)
dev=/dev/ublkb$id
out=$(mkfs.f2fs -f -m $dev 2>&1) || fail "mkfs.f2fs -m: $out"
mount -t f2fs $dev "$mnt" || fail "mount"
dd if=/dev/urandom of="$mnt/f" bs=1M count=4 conv=fsync status=none || fail "write the file"
sum=$(sha256sum <"$mnt/f")
# Read back from the device, not the page cache.
sync
echo 3 >/proc/sys/vm/drop_caches
[ "$(sha256sum <"$mnt/f")" = "$sum" ] || fail "the file changed after dropping the caches"
umount "$mnt" || fail "umount"
# f2fs wrote its data into sequential zones.
blkzone report $dev | grep 'SEQ_WRITE_REQUIRED' | grep -vq 'zcond: 1(em)' ||
	fail "no sequential zone was written"
echo "ok: mkfs.f2fs -m, mount, 4M file read back from the device"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
