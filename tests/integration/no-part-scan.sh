#!/bin/bash
# --no_auto_part_scan (UBLK_F_NO_AUTO_PART_SCAN): a device whose backing
# file has an MBR with one partition shows no ublkbNp1; without the flag it
# does. Also from an INI stanza: auto_part_scan = off.
. "${srcdir:-.}/lib.sh"
require_feature NO_AUTO_PART_SCAN

scratch_dir
img=$SCRATCH/part.img
truncate -s 32M "$img"
# An MBR (no sfdisk in the VM): one Linux partition (0x83) at LBA 2048,
# 32768 sectors; boot signature 55 aa.
printf '\x00\x00\x02\x00\x83\xfe\xff\xff\x00\x08\x00\x00\x00\x80\x00\x00' |
	dd of="$img" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$img" bs=1 seek=510 conv=notrunc status=none

id=$(add_dev -t loop --no_auto_part_scan "$img")
sleep 1	# the kernel scans partitions in a work item after START_DEV
[ -e /sys/block/ublkb$id/ublkb${id}p1 ] && fail "ublkb${id}p1 exists with --no_auto_part_scan"
[ -e /dev/ublkb${id}p1 ] && fail "/dev/ublkb${id}p1 exists with --no_auto_part_scan"
"$UBLK" del -n $id || fail "del -n $id"

id=$(add_dev -t loop "$img")
wait_for "[ -e /sys/block/ublkb$id/ublkb${id}p1 ]" 10 || fail "no ublkb${id}p1 without the flag"
[ "$(cat /sys/block/ublkb$id/ublkb${id}p1/size)" = 32768 ] || fail "ublkb${id}p1 size"
"$UBLK" del -n $id || fail "del -n $id"

# The INI key, through the command line's --KEY VALUE (same core key).
id=$(add_dev -t loop --auto_part_scan off "$img")
sleep 1	# the kernel scans partitions in a work item after START_DEV
[ -e /sys/block/ublkb$id/ublkb${id}p1 ] && fail "ublkb${id}p1 exists with auto_part_scan off"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass
