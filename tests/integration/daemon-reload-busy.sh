#!/bin/bash
# A reload that drops the stanza of a mounted device does not yank it (safe
# stop, SAFE_STOP_DEV): the daemon logs that [device busy] is in use and
# keeps serving it (the file system works); once unmounted it is stopped and
# deleted by the periodic retry, its state file goes, and the other device
# never noticed.
. "${srcdir:-.}/daemon-lib.sh"
require_feature SAFE_STOP_DEV
require_tool mkfs.ext4

img=$SCRATCH/busy.img
truncate -s 64M "$img"
mnt=$SCRATCH/mnt
mkdir -p "$mnt"
trap 'rc=$?; umount "$mnt" 2>/dev/null; (exit $rc); on_exit' EXIT
cfg=$SCRATCH/devices.ini
stanzas() {
	printf '[global]\nrun_dir = %s\n\n[device other]\ntarget = null\nsize = 64M\n' "$RUN"
	[ "$1" = both ] && printf '\n[device busy]\ntarget = loop\nfile = %s\n' "$img"
}
stanzas both >"$cfg"
start_daemon "$cfg"
wait_devices 2
busy=$(dev_of busy)
other=$(dev_of other)
mkfs.ext4 -q -F /dev/ublkb$busy || fail "mkfs.ext4"
mount /dev/ublkb$busy "$mnt" || fail "mount"

stanzas other >"$cfg"
kill -HUP $DPID
wait_log "\[device busy\]: removed from $cfg, but /dev/ublkb$busy is in use (mounted or open): it keeps serving"
wait_log "reloaded $cfg"
assert_live busy
assert_live other
[ -f "$RUN/busy.state" ] || fail "busy.state gone while the device serves"
# Still a working file system after the reload (and a retry or two).
sleep 1.5
dd if=/dev/urandom of=$SCRATCH/data bs=64k count=16 status=none
cp $SCRATCH/data "$mnt/data" && sync || fail "write to the kept device"
cmp $SCRATCH/data "$mnt/data" || fail "read back"
grep -q "\[device busy\]: /dev/ublkb$busy stopped and deleted" "$DERR" && fail "busy was deleted while mounted"

umount "$mnt" || fail "umount"
wait_log "\[device busy\]: /dev/ublkb$busy is no longer in use: stopping it" 10
wait_log "\[device busy\]: /dev/ublkb$busy stopped and deleted" 10
wait_for "[ ! -e /sys/block/ublkb$busy ]" 10 || fail "ublkb$busy still there"
"$UBLK" list -n $busy >/dev/null 2>&1 && fail "dev $busy still listed"
[ -e "$RUN/busy.state" ] && fail "busy.state left"
assert_live other
stop_daemon
assert_no_devices
assert_no_state_files
pass "kept while mounted, removed once unmounted"
