#!/bin/bash
# fault_inject errors reach the application as their errno: IO overlapping
# fail_range gets EIO while other ranges work (fio verify passes there),
# errno=ENOSPC on writes shows as "No space left on device", fail_ops=flush
# fails fsync, and error_rate=50% fails some reads and not others.
. "${srcdir:-.}/lib.sh"

scratch_dir
img=$SCRATCH/fi.img
truncate -s 32M "$img"

# fail_range on a loop backend.
id=$(add_dev -t fault_inject --backend loop --fail_range 1M-2M "$img")
dev=/dev/ublkb$id
out=$(dd if=$dev of=/dev/null bs=4k count=1 skip=384 iflag=direct 2>&1) &&
	fail "read inside fail_range succeeded"
printf '%s\n' "$out" | grep -q "Input/output error" || fail "read in fail_range: $out"
out=$(dd if=/dev/zero of=$dev bs=64k count=1 seek=$((1024 * 1024 - 32768)) \
	oflag=direct,seek_bytes 2>&1) && fail "write overlapping the start of fail_range succeeded"
printf '%s\n' "$out" | grep -q "Input/output error" || fail "write into fail_range: $out"
dd if=$dev of=/dev/null bs=1M count=1 iflag=direct status=none || fail "read of 0-1M failed"
dd if=$dev of=/dev/null bs=1M count=1 skip=2 iflag=direct status=none || fail "read of 2M-3M failed"
dd if=/dev/zero of=$dev bs=1M count=1 seek=2 oflag=direct status=none || fail "write of 2M-3M failed"
run_fio fi-verify --filename=$dev --rw=randwrite --bs=16k --iodepth=16 --offset=4M \
	--size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id
echo "ok: fail_range 1M-2M: EIO inside, IO and fio verify outside work"

# errno=ENOSPC on writes only (null backend).
id=$(add_dev -t fault_inject --fail_ops write --errno ENOSPC --size 64M)
dev=/dev/ublkb$id
out=$(dd if=/dev/zero of=$dev bs=4k count=1 oflag=direct 2>&1) && fail "write succeeded"
printf '%s\n' "$out" | grep -q "No space left on device" || fail "write with errno=ENOSPC: $out"
dd if=$dev of=/dev/null bs=4k count=16 iflag=direct status=none || fail "read failed"
"$UBLK" del -n $id
echo "ok: errno=ENOSPC: $(printf '%s\n' "$out" | head -1)"

# fail_ops=flush: the write itself works, fsync gets EIO.
id=$(add_dev -t fault_inject --fail_ops flush --size 64M)
dev=/dev/ublkb$id
dd if=/dev/zero of=$dev bs=4k count=1 oflag=direct status=none || fail "write without fsync failed"
out=$(dd if=/dev/zero of=$dev bs=4k count=1 conv=fsync 2>&1) && fail "fsync succeeded: $out"
printf '%s\n' "$out" | grep -q "Input/output error" || fail "fsync with fail_ops=flush: $out"
"$UBLK" del -n $id
echo "ok: fail_ops=flush: $(printf '%s\n' "$out" | head -1)"

# error_rate=50% on reads: out of 40 reads, some fail and some do not.
id=$(add_dev -t fault_inject --fail_ops read --error_rate 50% --size 64M)
dev=/dev/ublkb$id
failed=0 i=0
while [ $i -lt 40 ]; do
	dd if=$dev of=/dev/null bs=4k count=1 skip=$((i + 100)) iflag=direct status=none 2>/dev/null ||
		failed=$((failed + 1))
	i=$((i + 1))
done
[ $failed -gt 0 ] && [ $failed -lt 40 ] || fail "error_rate=50%: $failed of 40 reads failed"
"$UBLK" del -n $id
echo "ok: error_rate=50%: $failed of 40 reads failed"
assert_no_devices
pass
