#!/bin/bash
# `stop --safe` (TRY_STOP_DEV) on a device in use: held open by a process,
# then mounted. Each time: one line naming EBUSY, exit 1, and the device is
# still LIVE with the same daemon and serves verified IO.
. "${srcdir:-.}/lib.sh"
require_feature SAFE_STOP_DEV
require_tool mkfs.ext4

scratch_dir
img=$SCRATCH/busy.img
truncate -s 64M "$img"
mnt=$SCRATCH/mnt
mkdir -p "$mnt"
trap 'rc=$?; umount "$mnt" 2>/dev/null; exec 3<&-; (exit $rc); on_exit' EXIT

id=$(add_dev -t loop "$img")
pid=$(dev_pid $id)

# Held open: this shell keeps an fd on the block device.
exec 3</dev/ublkb$id
expect_fail "device $id: /dev/ublkb$id is in use (open or mounted): not stopped (EBUSY)" \
	"$UBLK" stop -n $id --safe
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after a refused stop"
[ "$(dev_pid $id)" = "$pid" ] || fail "daemon $(dev_pid $id), expected $pid"
run_fio "busy-open-$id" --filename=/dev/ublkb$id --rw=randwrite --bs=4k-64k --iodepth=8 \
	--size=4M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
exec 3<&-

# Mounted.
mkfs.ext4 -q -F /dev/ublkb$id || fail "mkfs.ext4"
mount /dev/ublkb$id "$mnt" || fail "mount"
expect_fail "(EBUSY)" "$UBLK" stop -n $id --safe
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after a refused stop (mounted)"
dd if=/dev/urandom of=$SCRATCH/data bs=64k count=32 status=none
cp $SCRATCH/data "$mnt/data" && sync || fail "write to the mounted file system"
umount "$mnt" || fail "umount"
mount /dev/ublkb$id "$mnt" || fail "remount"
cmp $SCRATCH/data "$mnt/data" || fail "data differs after remount"
umount "$mnt" || fail "umount"
[ "$(dev_pid $id)" = "$pid" ] || fail "daemon $(dev_pid $id), expected $pid"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "open and mounted: EBUSY, device LIVE, IO verified"
