#!/bin/bash
# nbd -> qemu-nbd over a raw file: fio verify (4k and 1M, iodepth 32, two
# queues); then 32 MiB written through the ublk device read back through
# the server by nbdcopy and by qemu-img match it, and so does the file.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
require_tool nbdcopy
require_tool qemu-img
require_tool cmp

img=$SCRATCH/disk.img
truncate -s 64M "$img"
start_qemu_nbd disk -f raw "$img"
id=$(add_dev -t nbd -q 2 "$NBD_URI")
dev=/dev/ublkb$id
for bs in 4k 1M; do
	run_fio "nbd-qemu-$bs" --filename=$dev --rw=randwrite --bs=$bs --iodepth=32 \
		--size=32M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
done
echo "ok: fio verify 4k/1M through qemu-nbd"

dd if=/dev/urandom of=$SCRATCH/data bs=1M count=32 status=none
dd if=$SCRATCH/data of=$dev bs=1M oflag=direct conv=fsync status=none || fail "dd to $dev"
"$UBLK" del -n $id || fail "del -n $id"

nbdcopy "$NBD_URI" $SCRATCH/back1 || fail "nbdcopy $NBD_URI"
cmp -n 33554432 $SCRATCH/data $SCRATCH/back1 || fail "nbdcopy read back other data"
qemu-img convert -f raw -O raw "$NBD_URI" $SCRATCH/back2 || fail "qemu-img convert $NBD_URI"
cmp -n 33554432 $SCRATCH/data $SCRATCH/back2 || fail "qemu-img read back other data"
cmp -n 33554432 $SCRATCH/data "$img" || fail "the raw file holds other data"
assert_no_devices
pass "nbdcopy, qemu-img and the file agree with what the device wrote (${SECONDS} s)"
