#!/bin/bash
# After fio runs of known size, the per-op counters of `stats --json` equal
# what fio issued: 2048 4k reads (8 MiB, one job on each CPU, so on each of
# the 2 queues) and 128 16k writes (2 MiB); bytes too; fsync, blkdiscard and
# blkdiscard -z show as flush, discard and write_zeroes; the latency
# histograms hold exactly one entry per read and per write.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/stats-lib.sh"
require_tool blkdiscard

scratch_dir
truncate -s 128M $SCRATCH/img
id=$(add_dev -t loop -q 2 $SCRATCH/img)
settle $id
before=$(stats_dev $id)
# iodepth 1 and random offsets: no request merging, one request per IO.
run_fio reads --filename=/dev/ublkb$id --rw=randread --bs=4k --size=4M --iodepth=1 \
	--numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split
run_fio writes --filename=/dev/ublkb$id --rw=randwrite --bs=16k --size=2M --iodepth=1 \
	--offset=64M
settle $id
after=$(stats_dev $id)
d() { echo $(( $(jget "$after" "$1") - $(jget "$before" "$1") )); }
[ "$(d .requests.read)" = 2048 ] || fail "reads: $(d .requests.read), fio issued 2048"
[ "$(d .bytes.read)" = $((8 << 20)) ] || fail "read bytes: $(d .bytes.read)"
[ "$(d .requests.write)" = 128 ] || fail "writes: $(d .requests.write), fio issued 128"
[ "$(d .bytes.write)" = $((2 << 20)) ] || fail "write bytes: $(d .bytes.write)"
[ "$(jget "$after" '[.errors[]] | add')" = 0 ] || fail "errors: $(jget "$after" .errors)"

# blkdiscard also probes the device for signatures (reads): only its own ops are compared.
before=$after
blkdiscard -o 0 -l 1M /dev/ublkb$id || fail "blkdiscard failed"
blkdiscard -z -o 8M -l 1M /dev/ublkb$id || fail "blkdiscard -z failed"
dd if=/dev/null of=/dev/ublkb$id conv=fsync,notrunc status=none || fail "fsync failed"
settle $id
after=$(stats_dev $id)
[ "$(d .requests.discard)" -ge 1 ] || fail "discards: $(d .requests.discard)"
[ "$(d .bytes.discard)" = $((1 << 20)) ] || fail "discard bytes: $(d .bytes.discard)"
[ "$(d .requests.write_zeroes)" -ge 1 ] || fail "write_zeroes: $(d .requests.write_zeroes)"
[ "$(d .bytes.write_zeroes)" = $((1 << 20)) ] || fail "write_zeroes bytes: $(d .bytes.write_zeroes)"
[ "$(d .requests.flush)" -ge 1 ] || fail "flushes: $(d .requests.flush)"
[ "$(jget "$after" '[.errors[]] | add')" = 0 ] || fail "errors: $(jget "$after" .errors)"
echo "ok: reads 2048 (8 MiB), writes 128 (2 MiB), discard and write_zeroes 1 MiB, $(d .requests.flush) flush"

# Histogram totals equal the requests, bucket by bucket too.
for op in read write; do
	n=$(jget "$after" ".requests.$op")
	[ "$(jget "$after" ".latency.$op.count")" = "$n" ] ||
		fail "$op histogram count $(jget "$after" ".latency.$op.count") != requests $n"
	[ "$(jget "$after" "[.latency.$op.buckets[].count] | add")" = "$n" ] ||
		fail "$op buckets sum != requests $n"
	[ "$(jget "$after" ".latency.$op.sum_ns")" -gt 0 ] || fail "$op latency sum is 0"
done
echo "ok: histogram totals = requests ($(jget "$after" .requests.read) reads, $(jget "$after" .requests.write) writes)"

# Per-queue and per-thread sums add up to the device's.
total=$(jget "$after" '[.requests[]] | add')
[ "$(jget "$after" '[.queues[].requests] | add')" = "$total" ] || fail "queues do not add up"
[ "$(jget "$after" '[.threads[].requests] | add')" = "$total" ] || fail "threads do not add up"
[ "$(jget "$after" '[.queues[] | select(.requests > 0)] | length')" = 2 ] ||
	fail "not both queues served IO: $(jget "$after" '.queues | tostring')"
"$UBLK" del -n $id
pass
