#!/bin/bash
# zoned: `blkzone report` shows the zones the target was configured with
# (their number and size, the conventional ones first, the sequential ones
# empty), sysfs shows the limits, and a write moves its zone's pointer.
. "${srcdir:-.}/lib.sh"
require_tool blkzone
require_feature ZONED

id=$(add_dev -t zoned --size 64M --zone_size 4M --conv_zones 2 --max_open 4 --max_active 6)
dev=/dev/ublkb$id
q=/sys/block/ublkb$id/queue
[ "$(cat $q/zoned)" = host-managed ] || fail "queue/zoned: $(cat $q/zoned)"
[ "$(cat $q/chunk_sectors)" = 8192 ] || fail "chunk_sectors $(cat $q/chunk_sectors), expected 8192"
[ "$(cat $q/nr_zones)" = 16 ] || fail "nr_zones $(cat $q/nr_zones), expected 16"
[ "$(cat $q/max_open_zones)" = 4 ] || fail "max_open_zones $(cat $q/max_open_zones)"
[ "$(cat $q/max_active_zones)" = 6 ] || fail "max_active_zones $(cat $q/max_active_zones)"

rep=$(blkzone report $dev) || fail "blkzone report: $rep"
# 16 zones of 4M (0x2000 sectors), each where the previous one ends, the 2
# conventional ones first, the 14 sequential ones empty.
bad=$(printf '%s\n' "$rep" | awk '
	$2 != sprintf("0x%09x,", (NR - 1) * 8192) || $4 != "0x002000," { print "zone " NR - 1 ": " $0 }
	NR <= 2 && !/CONVENTIONAL/ { print "zone " NR - 1 " not conventional" }
	NR > 2 && !(/SEQ_WRITE_REQUIRED/ && /zcond: 1\(em\)/) { print "zone " NR - 1 " not sequential and empty" }
	END { if (NR != 16) print NR " zones, expected 16" }')
[ -z "$bad" ] || fail "$bad: $rep"

# 64 KiB at the start of zone 2: its write pointer moves by 128 sectors, the zone is open.
dd if=/dev/urandom of=$dev bs=64k count=1 seek=128 oflag=direct status=none ||
	fail "write at the start of zone 2"
z2=$(blkzone report -o 16384 -c 1 $dev)
printf '%s\n' "$z2" | grep -q 'wptr 0x000080' || fail "zone 2 write pointer: $z2"
printf '%s\n' "$z2" | grep -q 'zcond: 2(oi)' || fail "zone 2 not implicitly open: $z2"
echo "ok: 16 zones of 4M, 2 conventional first, limits in sysfs, write pointer moved"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
