#!/bin/bash
# kublk's shmem zero copy command line: `add -t loop --shmem_zc --htlb FILE`
# shares a hugetlbfs file from the start; fio with --mem=mmaphuge:FILE does
# its IO from the same pages, verifies crc32c, and the server counts the
# requests it served from that memory (stats --json shmem_zc_hits).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/stats-lib.sh"
require_feature SHMEM_ZC
grep -q hugetlbfs /proc/filesystems || skip "no hugetlbfs in this kernel"

old_hp=$(cat /proc/sys/vm/nr_hugepages)
echo $((old_hp + 4)) >/proc/sys/vm/nr_hugepages
[ "$(cat /proc/sys/vm/nr_hugepages)" -ge $((old_hp + 2)) ] || skip "no huge pages to spare"
scratch_dir
mkdir "$SCRATCH/htlb"
mount -t hugetlbfs none "$SCRATCH/htlb" || fail "mount hugetlbfs"
cleanup_htlb() {
	umount "$SCRATCH/htlb" 2>/dev/null
	echo "$old_hp" >/proc/sys/vm/nr_hugepages
}
# The device goes first (it maps the file), then the mount, then lib.sh's cleanup.
trap 'rc=$?; cleanup_test; cleanup_htlb; (exit $rc); on_exit' EXIT
buf=$SCRATCH/htlb/buf
fallocate -l 4M "$buf" || fail "fallocate $buf"
truncate -s 16M "$SCRATCH/loop.img"

# A file that cannot be shared is refused in one line, before any device exists.
expect_fail "^ublk-server: --htlb: htlb: $SCRATCH/htlb/none: No such file or directory$" \
	"$UBLK" add -t loop --shmem_zc --htlb "$SCRATCH/htlb/none" "$SCRATCH/loop.img"
expect_fail "^ublk-server: --htlb: htlb: $SCRATCH is not a regular file of at least one page$" \
	"$UBLK" add -t loop --htlb "$SCRATCH" "$SCRATCH/loop.img"
assert_no_devices

id=$(add_dev -t loop --shmem_zc --htlb "$buf" "$SCRATCH/loop.img")
run_fio htlb --filename=/dev/ublkb$id --rw=randwrite --bs=64k --iodepth=8 --size=4M \
	--mem=mmaphuge:"$buf" --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
hits=$(jget "$(stats_dev $id)" .shmem_zc_hits)
# 4M written in 64k blocks, then read back: 128 requests from the shared file.
[ "$hits" -ge 128 ] || fail "shmem_zc_hits $hits after fio from the shared file, expected >= 128"
echo "ok: fio verify from the hugetlbfs file, $hits requests served from it"
"$UBLK" del -n $id || fail "del -n $id"
cleanup_htlb
assert_no_devices
pass "${SECONDS} s"
