#!/bin/bash
# fault_inject filter, fail_range over loop and over stripe: IO overlapping
# the range gets EIO, IO elsewhere works (fio verify passes there).
. "${srcdir:-.}/lib.sh"

scratch_dir
img=$SCRATCH/fi.img a=$SCRATCH/a.img b=$SCRATCH/b.img
truncate -s 32M "$img" "$a" "$b"

check() {
	what=$1
	shift
	id=$(add_dev --filter fault_inject --fail_range 1M-2M "$@") || exit 1
	dev=/dev/ublkb$id
	out=$(dd if=$dev of=/dev/null bs=4k count=1 skip=384 iflag=direct 2>&1) &&
		fail "$what: read inside fail_range succeeded"
	printf '%s\n' "$out" | grep -q "Input/output error" || fail "$what: read in fail_range: $out"
	out=$(dd if=/dev/zero of=$dev bs=64k count=1 seek=$((1024 * 1024 - 32768)) \
		oflag=direct,seek_bytes 2>&1) && fail "$what: write overlapping the start of fail_range succeeded"
	printf '%s\n' "$out" | grep -q "Input/output error" || fail "$what: write into fail_range: $out"
	dd if=$dev of=/dev/null bs=1M count=1 iflag=direct status=none || fail "$what: read of 0-1M failed"
	dd if=$dev of=/dev/null bs=1M count=1 skip=2 iflag=direct status=none ||
		fail "$what: read of 2M-3M failed"
	dd if=/dev/zero of=$dev bs=1M count=1 seek=2 oflag=direct status=none ||
		fail "$what: write of 2M-3M failed"
	run_fio fi-verify-$id --filename=$dev --rw=randwrite --bs=16k --iodepth=16 --offset=4M \
		--size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
	"$UBLK" del -n $id || fail "$what: del"
	echo "ok: $what: fail_range 1M-2M: EIO inside, IO and fio verify outside work"
}

check "fault_inject over loop" -t loop "$img"
check "fault_inject over stripe" -t stripe --chunk_size 64K "$a" "$b"
assert_no_devices
pass
