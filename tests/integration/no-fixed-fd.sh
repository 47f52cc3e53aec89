#!/bin/bash
# --no_ublk_fixed_fd (kublk 7.3): the IO commands name /dev/ublkcN by its
# plain fd, not as a file registered with the IO threads' rings. Data is
# served and verified with per-request commands and, where the kernel has
# them, with batch commands and zero copy.
. "${srcdir:-.}/lib.sh"
require_driver

scratch_dir
img=$SCRATCH/nofix.img
truncate -s 32M "$img"

modes="copy"
"$UBLK" features | grep -q "^[[:space:]]*ZERO_COPY " && modes="$modes -z"
"$UBLK" features | grep -q "^[[:space:]]*BATCH_IO " && modes="$modes -b"
for m in $modes; do
	opt=$m
	[ $m = copy ] && opt=
	id=$(add_dev -t loop $opt --no_ublk_fixed_fd "$img")
	run_fio "nofix-$id" --filename=/dev/ublkb$id --rw=randwrite --bs=4k-256k --iodepth=16 \
		--size=4M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: $m with --no_ublk_fixed_fd: fio verify"
done
assert_no_devices
pass "$modes"
