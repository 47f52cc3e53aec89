#!/bin/bash
# zoned: max_open is enforced. With max_open 2, two explicitly opened zones
# use it up: opening a third, or writing to an empty zone (an implicit
# open), fails; closing one makes room again.
. "${srcdir:-.}/lib.sh"
require_tool blkzone
require_feature ZONED

id=$(add_dev -t zoned --size 64M --zone_size 4M --max_open 2)
dev=/dev/ublkb$id
zs=8192		# sectors per zone
blkzone open -o 0 -c 1 $dev || fail "open zone 0"
blkzone open -o $zs -c 1 $dev || fail "open zone 1"
[ "$(blkzone report $dev | grep -c 'zcond: 3(oe)')" = 2 ] || fail "2 explicitly open zones expected: $(blkzone report -c 3 $dev)"
blkzone open -o $((2 * zs)) -c 1 $dev 2>/dev/null && fail "a third zone opened with max_open 2"
dd if=/dev/zero of=$dev bs=4k count=1 seek=$((3 * zs / 8)) oflag=direct status=none 2>/dev/null &&
	fail "a write implicitly opened a third zone with max_open 2"
blkzone report -o $((2 * zs)) -c 2 $dev | grep -vq 'zcond: 1(em)' && fail "zones 2 and 3 are not empty"
echo "ok: third open and implicit open refused at max_open 2"

blkzone close -o 0 -c 1 $dev || fail "close zone 0"
blkzone open -o $((2 * zs)) -c 1 $dev || fail "open zone 2 after closing zone 0"
dd if=/dev/zero of=$dev bs=4k count=1 seek=$((2 * zs / 8)) oflag=direct status=none ||
	fail "write to the open zone 2"
[ "$(blkzone report $dev | grep -c 'zcond: 3(oe)')" = 2 ] || fail "2 explicitly open zones expected after close/open"
echo "ok: closing a zone makes room for another"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
