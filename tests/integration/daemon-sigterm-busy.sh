#!/bin/bash
# SIGTERM to a config-file daemon while one of its devices is mounted
# (SAFE_STOP_DEV): the idle device is stopped and deleted at once, the
# mounted one is not yanked: the daemon logs it, keeps serving it (the file
# system works), and exits 0 once it is unmounted, with nothing left.
. "${srcdir:-.}/daemon-lib.sh"
require_feature SAFE_STOP_DEV
require_tool mkfs.ext4

img=$SCRATCH/busy.img
truncate -s 64M "$img"
mnt=$SCRATCH/mnt
mkdir -p "$mnt"
trap 'rc=$?; umount "$mnt" 2>/dev/null; (exit $rc); on_exit' EXIT
cfg=$SCRATCH/devices.ini
printf '[global]\nrun_dir = %s\n\n[device idle]\ntarget = null\nsize = 64M\n\n[device busy]\ntarget = loop\nfile = %s\n' \
	"$RUN" "$img" >"$cfg"
start_daemon "$cfg"
wait_devices 2
busy=$(dev_of busy)
idle=$(dev_of idle)
mkfs.ext4 -q -F /dev/ublkb$busy || fail "mkfs.ext4"
mount /dev/ublkb$busy "$mnt" || fail "mount"

kill -TERM $DPID
wait_log "\[device busy\]: SIGTERM, but /dev/ublkb$busy is in use (mounted or open): it keeps serving"
wait_log "\[device idle\]: /dev/ublkb$idle stopped and deleted"
sleep 1.5
process_alive $DPID || fail "daemon exited with a mounted device"
assert_live busy
dd if=/dev/urandom of=$SCRATCH/data bs=64k count=16 status=none
cp $SCRATCH/data "$mnt/data" && sync || fail "write after SIGTERM"
cmp $SCRATCH/data "$mnt/data" || fail "read back after SIGTERM"
umount "$mnt" || fail "umount"
wait_for "! process_alive $DPID" 10 || fail "daemon still running after the umount"
wait "$DPID"
rc=$?
[ $rc = 0 ] || fail "daemon exit status $rc"
wait_log "\[device busy\]: /dev/ublkb$busy stopped and deleted" 1
assert_no_devices
assert_no_state_files
pass "idle deleted at once, mounted one served until unmounted, exit 0"
