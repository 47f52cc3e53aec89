#!/bin/bash
# fault_inject filter, die_after=N over null: on IO N+1 the daemon SIGKILLs
# itself; the process is gone, the device is no longer LIVE, IO to it fails
# instead of hanging, and `del` cleans up.
. "${srcdir:-.}/lib.sh"

id=$(add_dev --filter fault_inject --die_after 200 -t null --size 64M) || exit 1
dev=/dev/ublkb$id
pid=$(dev_pid $id)
process_alive "$pid" || fail "daemon $pid not running after add"
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after add"

# 1000 reads: the daemon dies after 200 IOs (some were the partition scan).
out=$(timeout 60 dd if=$dev of=/dev/null bs=4k count=1000 iflag=direct 2>&1)
rc=$?
[ $rc = 124 ] && fail "IO hung after the daemon died"
[ $rc = 0 ] && fail "1000 reads succeeded: the daemon did not die ($out)"
wait_for "! process_alive $pid" 10 || fail "daemon $pid still running"
state=$(dev_state $id)
[ "$state" != LIVE ] || fail "device $id still LIVE after its daemon died"
echo "ok: daemon $pid died, device state $state, dd: $(printf '%s\n' "$out" | head -1)"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass
