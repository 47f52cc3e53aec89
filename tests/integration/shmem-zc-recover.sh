#!/bin/bash
# A daemon of a --shmem_zc device that dies leaves its shared buffers pinned
# in the kernel under indexes the next daemon cannot map: `recover` drops
# them (saying so), shares its --htlb file again, and IO from that file
# takes the fast path again with every byte intact (fio crc32c verify
# across the crash).
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
trap 'rc=$?; cleanup_test; cleanup_htlb; (exit $rc); on_exit' EXIT
buf=$SCRATCH/htlb/buf
fallocate -l 4M "$buf" || fail "fallocate $buf"
truncate -s 16M "$SCRATCH/loop.img"
args=(-t loop -r 1 --shmem_zc --htlb "$buf" "$SCRATCH/loop.img")

id=$(add_dev "${args[@]}")
fio_htlb() {
	run_fio "htlb-$1" --filename=/dev/ublkb$id --bs=64k --iodepth=8 --size=4M \
		--mem=mmaphuge:"$buf" --verify=crc32c --verify_fatal=1 --verify_state_save=0 "${@:2}"
}
fio_htlb write --rw=write --do_verify=0
pid=$(dev_pid $id)
kill -9 $pid
wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
out=$(timeout 30 "$UBLK" recover -n $id "${args[@]}" 2>&1) || fail "recover: $out"
printf '%s\n' "$out" | grep -q "dropped 1 shared buffer(s) of the previous daemon" ||
	fail "recover did not drop the dead daemon's buffer: $out"
track_pid "$(dev_pid $id)"
settle $id
fio_htlb verify --rw=write --verify_only
hits=$(jget "$(stats_dev $id)" .shmem_zc_hits)
[ "$hits" -ge 64 ] || fail "shmem_zc_hits $hits after recover, expected >= 64 (4M read in 64k blocks)"
echo "ok: recovered: stale buffer dropped, data written before the crash verified from the shared file ($hits fast-path requests)"
"$UBLK" del -n $id || fail "del -n $id"
cleanup_htlb
assert_no_devices
pass "${SECONDS} s"
