#!/bin/bash
# A filter's bad key or value is refused at add time with one line that
# names the filter (namespaced or bare key), and nothing is left behind.
. "${srcdir:-.}/lib.sh"

expect_fail "qos" "$UBLK" add --filter qos --qos.iops lots -t null
printf '%s\n' "$out" | grep -q "iops" || fail "bad qos.iops: the key is not named: $out"
expect_fail "fault_inject" "$UBLK" add --filter fault_inject --errno EWHAT -t null
printf '%s\n' "$out" | grep -q "errno" || fail "bad errno: the key is not named: $out"
expect_fail "trace" "$UBLK" add --filter trace --trace.sample 0 -t null
expect_fail "qos" "$UBLK" add --filter qos --qos.nosuch 1 -t null
printf '%s\n' "$out" | grep -q "nosuch" || fail "unknown qos.nosuch: the key is not named: $out"
# A filter key without that filter in the stack.
expect_fail "qos" "$UBLK" add --qos.iops 100 -t null
assert_no_devices
pgrep -f "$UBLK add" >/dev/null && fail "a daemon was left running"
pass
