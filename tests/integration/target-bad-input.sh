#!/bin/bash
# Bad target configurations: one line naming the file or key and what is
# wrong, non-zero exit, and no device left behind.
. "${srcdir:-.}/lib.sh"

scratch_dir
s=$SCRATCH
truncate -s 100 $s/tiny.img
truncate -s 8M $s/a.img
truncate -s 4M $s/b.img
truncate -s 8M $s/c.img
truncate -s 32K $s/d.img
truncate -s 32K $s/e.img

# loop
expect_fail "^ublk-server: argument '$s/nosuch.img': backing file '$s/nosuch.img': No such file or directory$" \
	"$UBLK" add -t loop $s/nosuch.img
expect_fail "^ublk-server: --file: backing file '$s/nosuch.img': No such file or directory$" \
	"$UBLK" add -t loop --file $s/nosuch.img
expect_fail "backing file '$s' is not a regular file or a block device$" \
	"$UBLK" add -t loop $s
expect_fail "no backing file: give a path (file=PATH)$" "$UBLK" add -t loop
expect_fail "target loop: '$s/tiny.img' is too small: 100 bytes after offset 0, less than one 512-byte block$" \
	"$UBLK" add -t loop $s/tiny.img
expect_fail "target loop: offset + size (9437184) is beyond the end of '$s/a.img' (8388608 bytes)$" \
	"$UBLK" add -t loop --offset 1M --size 8M $s/a.img
expect_fail "target loop: offset 8388608 is beyond the end of '$s/a.img' (8388608 bytes)$" \
	"$UBLK" add -t loop --offset 8M $s/a.img
expect_fail "^ublk-server: --offset: offset: 'x' is not a size (e.g. 1M)$" \
	"$UBLK" add -t loop --offset x $s/a.img
expect_fail "unknown parameter 'chunk_size' for target loop$" \
	"$UBLK" add -t loop --chunk_size 64K $s/a.img
assert_no_devices

# stripe
expect_fail "target stripe: backing files differ in size: '$s/a.img' is 8388608 bytes, '$s/b.img' is 4194304 bytes$" \
	"$UBLK" add -t stripe $s/a.img $s/b.img
expect_fail "target stripe: backing files differ in size: '$s/a.img' is 8388608 bytes, '$s/b.img' is 4194304 bytes$" \
	"$UBLK" add -t stripe $s/a.img $s/c.img $s/b.img
expect_fail "target stripe: '$s/d.img' is too small: 32768 bytes, less than one 65536-byte chunk$" \
	"$UBLK" add -t stripe $s/d.img $s/e.img
for bad in 3K 2K 1M 0 lots; do
	expect_fail "^ublk-server: --chunk_size: chunk_size: '$bad' is not a power of two from 4K to 512K$" \
		"$UBLK" add -t stripe --chunk_size $bad $s/a.img $s/c.img
done
expect_fail "^ublk-server: argument '$s/nosuch.img': backing file '$s/nosuch.img': No such file or directory$" \
	"$UBLK" add -t stripe $s/a.img $s/nosuch.img
expect_fail "no backing files: give one or more paths (file=PATH)$" "$UBLK" add -t stripe
assert_no_devices

# fault_inject
expect_fail "^ublk-server: --backend: backend: unknown target 'nosuch': .*/nosuch.so not found$" \
	"$UBLK" add -t fault_inject --backend nosuch
expect_fail "^ublk-server: --errno: errno: 'EWHAT' is not an errno name (EIO, ENOSPC, ...) or number$" \
	"$UBLK" add -t fault_inject --errno EWHAT
expect_fail "^ublk-server: --fail_range: fail_range: '2M-1M' is not START-END with START < END (e.g. 1M-2M)$" \
	"$UBLK" add -t fault_inject --fail_range 2M-1M
expect_fail "^ublk-server: --error_rate: error_rate: '2' is not a probability from 0 to 1 or a percentage (e.g. 0.01, 1%)$" \
	"$UBLK" add -t fault_inject --error_rate 2
expect_fail "^ublk-server: --fail_ops: fail_ops: 'read,trim' is not a comma list of read, write, flush, discard, write_zeroes$" \
	"$UBLK" add -t fault_inject --fail_ops read,trim
# A backend's own errors come through, with the backend's keys.
expect_fail "backing file '$s/nosuch.img': No such file or directory$" \
	"$UBLK" add -t fault_inject --backend loop $s/nosuch.img
expect_fail "target fault_inject: '$s/tiny.img' is too small" \
	"$UBLK" add -t fault_inject --backend loop $s/tiny.img
assert_no_devices
assert_no_daemons
pass
