#!/bin/bash
# add null -> a LIVE /dev/ublkbN of the asked size served by a daemon;
# fio randrw works; del removes both device nodes and the daemon exits.
. "${srcdir:-.}/lib.sh"

id=$(add_dev -t null --size 1G)
[ -b /dev/ublkb$id ] || fail "/dev/ublkb$id missing"
[ -c /dev/ublkc$id ] || fail "/dev/ublkc$id missing"
size=$(blockdev --getsize64 /dev/ublkb$id)
[ "$size" = 1073741824 ] || fail "size $size, expected 1073741824"

[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id), expected LIVE"
pid=$(dev_pid $id)
process_alive "$pid" || fail "daemon pid $pid from list is not running"
grep -q ublk-server /proc/$pid/cmdline || fail "pid $pid is not ublk-server"
"$UBLK" list -n $id | grep -q "^dev id $id: nr_hw_queues 2 queue_depth 128 block size 512 dev_capacity 2097152$" ||
	fail "list line 1: $("$UBLK" list -n $id)"
[ "$("$UBLK" list -n $id | grep -c 'queue [0-9]: affinity(')" = 2 ] || fail "no affinity lines"

run_fio randrw --filename=/dev/ublkb$id --rw=randrw --bs=4k --iodepth=32 \
	--runtime=10 --time_based
grep -q ';0;0;' /tmp/fio.randrw.out || true
ios=$(cut -d';' -f6 /tmp/fio.randrw.out)
[ "${ios:-0}" -gt 0 ] || fail "fio read nothing: $(cat /tmp/fio.randrw.out)"

"$UBLK" del -n $id || fail "del failed"
[ -e /dev/ublkb$id ] && fail "/dev/ublkb$id still there"
[ -e /dev/ublkc$id ] && fail "/dev/ublkc$id still there"
wait_for "! process_alive $pid" 5 || fail "daemon $pid still running after del"
assert_no_devices
pass "dev $id: 1 GiB, fio randrw 10 s: $ios reads"
