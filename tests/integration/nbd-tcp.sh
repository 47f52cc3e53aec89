#!/bin/bash
# nbd over TCP to 127.0.0.1 with host=, port= and export= instead of a URI
# (nbdkit with a named export): fio verify through it, 2 queues, 2
# connections each; the export name is checked.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
require_tool nbdkit

port=10899
rm -f "$NBD_PIDFILE"
nbdkit -i 127.0.0.1 -p $port -P "$NBD_PIDFILE" --filter=exportname memory 64M \
	exportname=disk exportname-strict=true || fail "nbdkit on 127.0.0.1:$port"
wait_for "[ -s '$NBD_PIDFILE' ]" 20 || fail "nbdkit did not start"

expect_fail "server has no export named 'other'" \
	"$UBLK" add -t nbd --host 127.0.0.1 --port $port --export other
id=$(add_dev -t nbd -q 2 --host 127.0.0.1 --port $port --export disk --connections 2)
dev=/dev/ublkb$id
[ "$(blockdev --getsize64 $dev)" = 67108864 ] || fail "size $(blockdev --getsize64 $dev)"
run_fio nbd-tcp --filename=$dev --rw=randwrite --bs=64k --iodepth=32 --size=32M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "host/port/export over TCP, fio verify (${SECONDS} s)"
