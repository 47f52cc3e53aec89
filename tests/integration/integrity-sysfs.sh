#!/bin/bash
# Integrity profiles (kublk's options on a null device) show in
# /sys/block/ublkbN/integrity as configured: format, tag_size, protection
# interval, device_is_integrity_capable; and the device was added with user
# copy (the only way the kernel moves metadata) although none was asked for.
. "${srcdir:-.}/lib.sh"
require_feature INTEGRITY

# check ID ATTR EXPECTED
check() {
	local got
	got=$(cat "/sys/block/ublkb$1/integrity/$2") || fail "no integrity/$2 for ublkb$1"
	[ "$got" = "$3" ] || fail "ublkb$1: integrity/$2 is '$got', expected '$3'"
}

# profile EXPECT_FORMAT CAPABLE TAG_SIZE -- ADD_OPTIONS...
profile() {
	local format=$1 capable=$2 tag=$3 id flags
	shift 4
	id=$(add_dev -t null -s 64M "$@")
	check "$id" format "$format"
	check "$id" device_is_integrity_capable "$capable"
	check "$id" tag_size "$tag"
	check "$id" protection_interval_bytes 512
	flags=$(dev_field "$id" 's/.* flags \(0x[0-9a-f]*\) .*/\1/p')
	[ $((flags & (1 << 16))) -ne 0 ] || fail "$*: flags $flags lack INTEGRITY"
	[ $((flags & (1 << 7))) -ne 0 ] || fail "$*: flags $flags lack USER_COPY"
	"$UBLK" del -n "$id" || fail "del -n $id"
	echo "ok: $*: $format, capable $capable, tag_size $tag"
}

profile nop 0 0 -- --metadata_size 8
profile T10-DIF-TYPE3-IP 1 0 -- --integrity_capable --metadata_size 64 --pi_offset 56 --csum_type ip
profile T10-DIF-TYPE1-CRC 0 0 -- --integrity_reftag --metadata_size 8 --csum_type t10dif
profile EXT-DIF-TYPE3-CRC64 0 8 -- --metadata_size 16 --csum_type nvme --tag_size 8
assert_no_devices
pass
