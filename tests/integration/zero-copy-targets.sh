#!/bin/bash
# Zero copy (-z: SUPPORT_ZERO_COPY, --auto_zc: AUTO_BUF_REG) on loop and
# stripe, and -z on fault_inject over loop: fio crc32c verify passes and data
# written reads back. Needs kernel >= 6.16 for both paths.
. "${srcdir:-.}/lib.sh"
require_feature ZERO_COPY
require_feature AUTO_BUF_REG
require_tool cmp

scratch_dir
img=$SCRATCH/zc.img a=$SCRATCH/a.img b=$SCRATCH/b.img
truncate -s 32M "$img" "$a" "$b"

check() {
	what=$1
	shift
	id=$(add_dev "$@")
	dev=/dev/ublkb$id
	for bs in 8k 1M; do
		t0=$SECONDS
		run_fio "zc$id-$bs" --filename=$dev --rw=randwrite --bs=$bs --iodepth=32 \
			--size=6M --offset=$((RANDOM % 8))M --verify=crc32c --do_verify=1 \
			--verify_fatal=1 --verify_state_save=0
		echo "  $what bs $bs: $((SECONDS - t0)) s"
	done
	t0=$SECONDS
	dd if=/dev/urandom of=$SCRATCH/pattern bs=1M count=4 status=none
	dd if=$SCRATCH/pattern of=$dev bs=1M seek=16 oflag=direct status=none ||
		fail "$what: dd write"
	cmp -n 4194304 -i 0:16777216 $SCRATCH/pattern $dev || fail "$what: read back differs"
	"$UBLK" del -n $id || fail "$what: del"
	case $what in stripe*) ;; *)
		cmp -n 4194304 -i 0:16777216 $SCRATCH/pattern "$img" ||
			fail "$what: the backing file does not hold the data"
	esac
	echo "ok: $what (dd + del $((SECONDS - t0)) s)"
}

for zc in -z --auto_zc; do
	check "loop $zc" -t loop -q 2 $zc "$img"
	check "stripe $zc" -t stripe -q 2 --chunk_size 16K $zc "$a" "$b"
done
check "fault_inject(loop) -z" -t fault_inject --backend loop -z "$img"
assert_no_devices
pass "${SECONDS} s"
