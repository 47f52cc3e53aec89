#!/bin/bash
# null accepts integrity devices: writes with block-layer generated PI
# succeed, and reads pass the block layer's verification (null returns the
# T10 escape tags), for the t10dif and nvme profiles.
. "${srcdir:-.}/lib.sh"
require_feature INTEGRITY

for profile in "--csum_type t10dif --integrity_reftag --metadata_size 8" \
	"--csum_type nvme --metadata_size 16 --tag_size 8"; do
	id=$(add_dev -t null -s 64M $profile)
	dev=/dev/ublkb$id
	[ "$(cat /sys/block/ublkb$id/integrity/read_verify)" = 1 ] || fail "$profile: read_verify off"
	dd if=/dev/zero of=$dev bs=1M count=4 oflag=direct status=none ||
		fail "$profile: write failed"
	dd if=$dev of=/dev/null bs=1M count=4 iflag=direct status=none ||
		fail "$profile: read failed verification"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: null $profile: 4 MiB written and read with verification"
done
assert_no_devices
pass "${SECONDS} s"
