#!/bin/bash
# zoned: with file= and state=, the write pointers outlive the device: after
# del and a new add, a partly written zone is closed at the same pointer
# with its data, a finished zone full, an untouched one empty; a state
# file of other zones is refused in one line.
. "${srcdir:-.}/lib.sh"
require_tool blkzone
require_tool cmp
require_feature ZONED

scratch_dir
img=$SCRATCH/z.img st=$SCRATCH/z.state
truncate -s 64M "$img"
zs=8192
id=$(add_dev -t zoned --zone_size 4M --conv_zones 1 --file "$img" --state "$st")
dev=/dev/ublkb$id
head -c 1M /dev/urandom >$SCRATCH/data
dd if=$SCRATCH/data of=$dev bs=1M seek=4 oflag=direct status=none || fail "write zone 1"
blkzone finish -o $((2 * zs)) -c 1 $dev || fail "finish zone 2"
"$UBLK" del -n $id || fail "del -n $id"

id=$(add_dev -t zoned --zone_size 4M --conv_zones 1 --file "$img" --state "$st")
dev=/dev/ublkb$id
z=$(blkzone report -o $zs -c 3 $dev)
printf '%s\n' "$z" | sed -n 1p | grep -q 'wptr 0x000800 .*zcond: 4(cl)' || fail "zone 1 after re-add: $z"
printf '%s\n' "$z" | sed -n 2p | grep -q 'zcond:14(fu)' || fail "zone 2 after re-add: $z"
printf '%s\n' "$z" | sed -n 3p | grep -q 'wptr 0x000000 .*zcond: 1(em)' || fail "zone 3 after re-add: $z"
dd if=$dev of=$SCRATCH/back bs=1M skip=4 count=1 iflag=direct status=none &&
	cmp $SCRATCH/back $SCRATCH/data ||
	fail "zone 1 data differs after re-add"
# Writing goes on at the restored pointer.
dd if=/dev/zero of=$dev bs=4k count=1 seek=$(((4 + 1) * 256)) oflag=direct status=none ||
	fail "write at the restored write pointer"
"$UBLK" del -n $id || fail "del -n $id"
echo "ok: write pointers, conditions and data kept across del + add"

expect_fail "state file .*z.state" "$UBLK" add -t zoned --zone_size 8M --file "$img" --state "$st"
assert_no_devices
pass "${SECONDS} s"
