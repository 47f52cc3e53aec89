#!/bin/bash
# --io_desc_size: the kernel lays out each queue's descriptors that many
# bytes apart (UBLK_F_IO_DESC_SIZE); the server maps and reads them so, and
# loop over two queues reads back what fio wrote (crc32c verify), the file
# holding the device's bytes. A size the kernel would refuse is refused
# before any device exists, with one line; from an INI stanza, with its line.
. "${srcdir:-.}/lib.sh"
require_feature IO_DESC_SIZE
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 4M "$img"

for size in 96; do
	id=$(add_dev -t loop -q 2 --io_desc_size $size "$img")
	run_fio desc$size --filename=/dev/ublkb$id --rw=randwrite --bsrange=4k-64k \
		--iodepth=32 --numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split \
		--size=2M --offset_increment=2M \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
	cmp /dev/ublkb$id "$img" || fail "--io_desc_size $size: /dev/ublkb$id and $img differ"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: --io_desc_size $size: fio verify over 2 queues, device == file"
done
for bad in 28 264; do
	expect_fail "^ublk-server: --io_desc_size: io_desc_size must be a multiple of 8 from 24 to 256, not '$bad'$" \
		"$UBLK" add -t loop --io_desc_size $bad "$img"
done
# The same keys from an INI stanza: the good one checks, a bad size is FILE:LINE.
ini=$SCRATCH/devices.ini
printf '[device d]\ntarget = loop\nfile = %s\nqueues = 1\nnthreads = 4\nbatch = on\nzero_copy = auto\nrotate_auto_buf = on\nio_desc_size = 64\n' \
	"$img" >"$ini"
out=$("$UBLK" -c "$ini" --check 2>&1) || fail "--check: $out"
[ "$out" = "$ini: OK (1 device)" ] || fail "--check printed: $out"
sed -i 's/^io_desc_size = 64$/io_desc_size = 12/' "$ini"
expect_fail "^ublk-server: $ini:9: io_desc_size must be a multiple of 8 from 24 to 256, not '12'$" \
	"$UBLK" -c "$ini" --check
assert_no_devices
pass "${SECONDS} s"
