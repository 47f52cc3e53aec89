#!/bin/bash
# Integrity configurations that cannot work are refused with one line
# naming the option, before any device exists.
. "${srcdir:-.}/lib.sh"
require_feature INTEGRITY

scratch_dir
truncate -s 16M "$SCRATCH/data.img"
expect_fail "^ublk-server: -z: integrity metadata (metadata_size) moves only by user copy: it does not combine with zero_copy$" \
	"$UBLK" add -t null --metadata_size 8 -z
expect_fail "^ublk-server: --csum_type: integrity parameters need metadata_size" \
	"$UBLK" add -t null --csum_type t10dif
expect_fail "^ublk-server: --metadata_size: a t10dif PI tuple of 8 bytes at pi_offset 0 does not fit in metadata_size 4$" \
	"$UBLK" add -t null --csum_type t10dif --metadata_size 4
expect_fail "^ublk-server: --metadata_size: integrity_reftag needs a csum_type" \
	"$UBLK" add -t null --metadata_size 8 --integrity_reftag
expect_fail "^ublk-server: --csum_type: csum_type must be ip, t10dif, nvme or none, not 'crc32'$" \
	"$UBLK" add -t null --metadata_size 8 --csum_type crc32
expect_fail "^ublk-server: --metadata_size: filter trace does not pass integrity metadata through" \
	"$UBLK" add -t null --metadata_size 8 --filter trace
expect_fail "needs a file for the metadata" \
	"$UBLK" add -t loop --metadata_size 8 "$SCRATCH/data.img"
assert_no_devices
pass
