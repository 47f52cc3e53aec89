#!/bin/bash
# --foreground serves in the calling process, prints the device once LIVE,
# and SIGTERM stops and deletes it cleanly.
. "${srcdir:-.}/lib.sh"

scratch_dir
out=$SCRATCH/fg.out
"$UBLK" add -t null --size 256M --foreground >"$out" 2>&1 &
pid=$!
track_pid $pid
wait_for "grep -q '^dev id' $out" 10 || fail "no device line: $(cat $out)"
id=$(sed -n 's/^dev id \([0-9]*\):.*/\1/p' "$out")
track_dev $id
[ "$(dev_pid $id)" = "$pid" ] || fail "daemon pid $(dev_pid $id), expected $pid"
dd if=/dev/zero of=/dev/ublkb$id bs=64k count=100 oflag=direct 2>/dev/null || fail "write"
kill -TERM $pid
wait $pid || fail "exit status $? after SIGTERM"
assert_no_devices
pass
