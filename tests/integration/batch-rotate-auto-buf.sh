#!/bin/bash
# --rotate_auto_buf: with kernel-registered buffers (--auto_zc) every commit
# names the other of a slot's two buffer indexes, and the kernel must drop
# the old registration. Writes complete (bounded by a timeout) and read back
# verified, in batch mode with one thread and with two sharing a queue, and
# with the per-request commands.
. "${srcdir:-.}/lib.sh"
require_feature BATCH_IO
require_feature AUTO_BUF_REG
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 1M "$img"

for mode in "-b --nthreads 1" "-b --nthreads 2" ""; do
	t0=$SECONDS
	id=$(add_dev -t loop -q 1 $mode --auto_zc --rotate_auto_buf "$img")
	timeout -k 5 120 fio --name=rotate --filename=/dev/ublkb$id --ioengine=io_uring \
		--direct=1 --rw=randwrite --bsrange=4k-64k --iodepth=16 --size=1M \
		--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0 \
		>/tmp/fio.rotate.out 2>&1 ||
		fail "${mode:-per-IO}: fio failed or hung: $(tail -5 /tmp/fio.rotate.out)"
	cmp /dev/ublkb$id "$img" || fail "${mode:-per-IO}: /dev/ublkb$id and $img differ"
	"$UBLK" del -n $id || fail "del -n $id"
	echo "ok: ${mode:-per-IO} --auto_zc --rotate_auto_buf: writes complete and verify ($((SECONDS - t0)) s)"
done
assert_no_devices
pass "${SECONDS} s"
