#!/bin/bash
# zoned: ZONE APPEND. btrfs in zoned mode writes file data with zone
# appends; the trace filter (which passes zone operations) sees them
# succeed, and the file reads back the same from the device, so every
# append's data is where the LBA the server returned says.
. "${srcdir:-.}/lib.sh"
require_tool mkfs.btrfs
require_feature ZONED
modprobe btrfs 2>/dev/null || grep -qw btrfs /proc/filesystems || fail "no btrfs in kernel $(uname -r)"

scratch_dir
mnt=$SCRATCH/mnt tr=$SCRATCH/trace.log
mkdir -p "$mnt"
id=$(add_dev --filter trace --trace.file "$tr" -t zoned --size 512M --zone_size 4M)
dev=/dev/ublkb$id
out=$(mkfs.btrfs -f $dev 2>&1) || fail "mkfs.btrfs: $out"
mount -t btrfs $dev "$mnt" || fail "mount"
dd if=/dev/urandom of="$mnt/f" bs=1M count=4 conv=fsync status=none || fail "write the file"
sum=$(sha256sum <"$mnt/f")
# Read back from the device, not the page cache.
sync
echo 3 >/proc/sys/vm/drop_caches
[ "$(sha256sum <"$mnt/f")" = "$sum" ] || fail "the file changed after dropping the caches"
umount "$mnt" || fail "umount"
"$UBLK" del -n $id || fail "del -n $id"

n=$(grep -c ' op=zone_append ' "$tr")
[ "$n" -gt 0 ] || fail "no zone append in the trace: $(cut -d' ' -f4 "$tr" | sort | uniq -c)"
bad=$(grep ' op=zone_append ' "$tr" | sed -n 's/.* length=\([0-9]*\) result=\([-0-9]*\) .*/\1 \2/p' |
	awk '$1 != $2' | wc -l)
[ "$bad" = 0 ] || fail "$bad zone appends did not complete in full: $(grep ' op=zone_append ' "$tr" | head -3)"
echo "ok: $n zone appends (btrfs data), file read back from the device"
assert_no_devices
pass "${SECONDS} s"
