#!/bin/bash
# fault_inject filter over null: fail_ops=write with errno=ENOSPC reaches
# the application as "No space left on device"; reads still work. The key
# is given namespaced (fault_inject.errno) as well as bare (fail_ops).
. "${srcdir:-.}/lib.sh"

id=$(add_dev --filter fault_inject --fail_ops write --fault_inject.errno ENOSPC -t null --size 64M) || exit 1
dev=/dev/ublkb$id
out=$(dd if=/dev/zero of=$dev bs=4k count=1 oflag=direct 2>&1) && fail "write succeeded"
printf '%s\n' "$out" | grep -q "No space left on device" || fail "write with errno=ENOSPC: $out"
dd if=$dev of=/dev/null bs=4k count=16 iflag=direct status=none || fail "read failed"
"$UBLK" del -n $id
assert_no_devices
pass "errno=ENOSPC: $(printf '%s\n' "$out" | head -1)"
