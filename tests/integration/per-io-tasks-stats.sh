#!/bin/bash
# --nthreads 4 --per_io_tasks spreads the IOs of 2 queues over 4 threads:
# the server's own statistics show that every thread served requests
# (`stats --threads`, the per-thread view), and they add up to the device's.
. "${srcdir:-.}/lib.sh"
require_feature PER_IO_DAEMON

id=$(add_dev -t null --size 1G -q 2 --nthreads 4 --per_io_tasks)
run_fio spread --filename=/dev/ublkb$id --rw=randread --bs=4k --iodepth=64 \
	--numjobs=2 --runtime=3 --time_based
stats=$("$UBLK" stats -n $id --threads) || fail "stats failed"
echo "$stats"
echo "$stats" | grep -q "^dev id $id: daemon pid $(dev_pid $id) threads 4$" || fail "header: $stats"
[ "$(echo "$stats" | grep -c 'thread [0-3]: requests [1-9]')" = 4 ] ||
	fail "not every thread served IO: $stats"
sum=$(echo "$stats" | awk '/thread [0-9]+: requests/ { s += $4 } END { print s }')
total=$("$UBLK" stats -n $id --json | jq '[.devices[0].requests[]] | add')
[ "$sum" = "$total" ] || fail "threads sum to $sum, the device counted $total"

# One thread per queue without per_io_tasks: 2 threads.
"$UBLK" del -n $id
id=$(add_dev -t null --size 1G -q 2)
"$UBLK" stats -n $id --threads | grep -q "threads 2$" || fail "$("$UBLK" stats -n $id --threads)"
"$UBLK" del -n $id
expect_fail "no statistics" "$UBLK" stats -n $id
pass
