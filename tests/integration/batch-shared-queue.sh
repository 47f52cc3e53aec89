#!/bin/bash
# Batch mode with more threads than queues (-q 1 --nthreads 4 -b): the four
# threads share the one queue, each keeps a fetch armed on it, and whichever
# the kernel hands a tag serves and commits it. What fio writes through them
# is what it reads back (crc32c verify), the file holds the device's bytes,
# and the per-thread counters add up to the device's.
. "${srcdir:-.}/lib.sh"
require_feature BATCH_IO
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 4M "$img"

id=$(add_dev -t loop -q 1 --nthreads 4 -b "$img")
run_fio shared --filename=/dev/ublkb$id --rw=randwrite --bsrange=4k-64k \
	--iodepth=32 --size=2M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
cmp /dev/ublkb$id "$img" || fail "/dev/ublkb$id and $img differ"
stats=$("$UBLK" stats -n $id --threads) || fail "stats failed"
echo "$stats"
echo "$stats" | grep -q "threads 4$" || fail "not 4 IO threads: $stats"
sum=$(echo "$stats" | awk '/thread [0-9]+: requests/ { s += $4 } END { print s }')
total=$("$UBLK" stats -n $id --json | jq '[.devices[0].requests[]] | add')
[ "$sum" = "$total" ] || fail "threads sum to $sum, the device counted $total"
[ "$total" -gt 0 ] || fail "no request counted"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
