#!/bin/bash
# Batch mode with fewer threads than queues (-q 4 --nthreads 1 -b): the one
# thread prepares, fetches and commits for all four queues. fio on both
# CPUs (so two hardware queues carry IO) reads back what it wrote (crc32c
# verify), the file holds the device's bytes, and one thread served it all.
. "${srcdir:-.}/lib.sh"
require_feature BATCH_IO
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 4M "$img"

id=$(add_dev -t loop -q 4 --nthreads 1 -b "$img")
run_fio many --filename=/dev/ublkb$id --rw=randwrite --bsrange=4k-64k \
	--iodepth=32 --numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split \
	--size=2M --offset_increment=2M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
cmp /dev/ublkb$id "$img" || fail "/dev/ublkb$id and $img differ"
stats=$("$UBLK" stats -n $id --threads) || fail "stats failed"
echo "$stats"
echo "$stats" | grep -q "threads 1$" || fail "not 1 IO thread: $stats"
busy=$("$UBLK" stats -n $id --json | jq '[.devices[0].requests[] | select(. > 0)] | length')
[ "$busy" -ge 2 ] || fail "IO reached $busy queue(s), expected 2 or more: $("$UBLK" stats -n $id --json)"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "${SECONDS} s"
