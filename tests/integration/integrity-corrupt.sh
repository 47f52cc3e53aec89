#!/bin/bash
# loop with T10 PI: a damaged tag in the metadata file (a reference tag, a
# guard) makes the block layer's read verification fail that block with an
# integrity error (EILSEQ, or EIO), while an intact neighbour reads fine.
. "${srcdir:-.}/lib.sh"
require_feature INTEGRITY
require_tool cmp

scratch_dir
img=$SCRATCH/data.img
meta=$SCRATCH/data.meta
truncate -s 16M "$img"
id=$(add_dev -t loop -q 1 --metadata_size 8 --csum_type t10dif --integrity_reftag \
	"$img" --meta_file "$meta")
dev=/dev/ublkb$id
head -c 65536 /dev/urandom >"$SCRATCH/rand"
dd if="$SCRATCH/rand" of=$dev bs=64k oflag=direct status=none || fail "dd write"
dd if=$dev bs=64k count=1 iflag=direct status=none | cmp - "$SCRATCH/rand" ||
	fail "intact data does not read back"

# read_block LBA: one 512-byte O_DIRECT read; its stderr in $SCRATCH/err.
read_block() {
	dd if=$dev of=/dev/null bs=512 skip=$1 count=1 iflag=direct status=none 2>"$SCRATCH/err"
}

# expect_integrity_error LBA WHAT
expect_integrity_error() {
	read_block $1 && fail "LBA $1 with a damaged $2 read without error"
	grep -q -e "Invalid or incomplete multibyte" -e "Input/output error" "$SCRATCH/err" ||
		fail "LBA $1: unexpected error: $(cat "$SCRATCH/err")"
	echo "ok: damaged $2 of LBA $1: $(sed 's/^dd: //' "$SCRATCH/err")"
}

# Reference tag of LBA 5: bytes 4-7 of its tuple.
printf '\x00\x00\x00\x63' | dd of="$meta" bs=1 seek=$((5 * 8 + 4)) conv=notrunc status=none
expect_integrity_error 5 "reference tag"
# Guard of LBA 9: bytes 0-1, inverted.
g=$(dd if="$meta" bs=1 skip=$((9 * 8)) count=2 status=none | od -An -tu1)
set -- $g
printf "\\x$(printf %02x $((255 - $1)))\\x$(printf %02x $((255 - $2)))" |
	dd of="$meta" bs=1 seek=$((9 * 8)) conv=notrunc status=none
expect_integrity_error 9 guard
read_block 6 || fail "LBA 6 (intact) fails: $(cat "$SCRATCH/err")"
echo "ok: intact LBA 6 still reads"
pass "${SECONDS} s"
