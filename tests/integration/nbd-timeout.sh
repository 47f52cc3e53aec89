#!/bin/bash
# With timeout=3, IO waits for a lost server for 3 seconds, then fails
# with EIO (and so does new IO); once the server is back the device works
# again, with the data it had.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
require_tool cmp

img=$SCRATCH/disk.img
truncate -s 16M "$img"
start_nbdkit file "$img"
id=$(add_dev -t nbd --timeout 3 "$NBD_URI")
dev=/dev/ublkb$id
dd if=/dev/urandom of=$SCRATCH/data bs=1M count=1 status=none
dd if=$SCRATCH/data of=$dev bs=1M oflag=direct status=none || fail "write while up"

stop_server
t0=$SECONDS
dd if=$dev of=/dev/null bs=4k count=1 skip=100 iflag=direct 2>$SCRATCH/dd.err &&
	fail "read succeeded with the server down"
waited=$((SECONDS - t0))
grep -q "Input/output error" $SCRATCH/dd.err || fail "expected EIO: $(cat $SCRATCH/dd.err)"
[ $waited -ge 2 ] || fail "EIO after $waited s, before timeout=3"
[ $waited -le 20 ] || fail "EIO only after $waited s with timeout=3"
echo "ok: EIO after $waited s"
dd if=$dev of=/dev/null bs=4k count=1 skip=200 iflag=direct 2>/dev/null &&
	fail "a second read succeeded with the server down"

start_nbdkit file "$img"
wait_for "dd if=$dev of=/dev/null bs=4k count=1 iflag=direct 2>/dev/null" 20 ||
	fail "IO still failing 20 s after the server came back"
cmp -n 1048576 $SCRATCH/data $dev || fail "data differs after the server came back"
dd if=$SCRATCH/data of=$dev bs=1M seek=2 oflag=direct status=none || fail "write after recovery"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "EIO after $waited s, works again after the server returned"
