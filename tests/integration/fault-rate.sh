#!/bin/bash
# fault_inject filter over null, error_rate=50% on reads: out of 40 reads,
# some fail and some do not.
. "${srcdir:-.}/lib.sh"

id=$(add_dev --filter fault_inject --fail_ops read --error_rate 50% -t null --size 64M) || exit 1
dev=/dev/ublkb$id
failed=0 i=0
while [ $i -lt 40 ]; do
	dd if=$dev of=/dev/null bs=4k count=1 skip=$((i + 100)) iflag=direct status=none 2>/dev/null ||
		failed=$((failed + 1))
	i=$((i + 1))
done
[ $failed -gt 0 ] && [ $failed -lt 40 ] || fail "error_rate=50%: $failed of 40 reads failed"
"$UBLK" del -n $id
assert_no_devices
pass "error_rate=50%: $failed of 40 reads failed"
