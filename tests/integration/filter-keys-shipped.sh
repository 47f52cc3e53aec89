#!/bin/bash
# A shipped filter's bad key or value is refused at add time with one line
# that names the filter and the key (namespaced or bare) and says what is
# wrong; a target's error comes through a filter stack unchanged; nothing is
# left behind.
. "${srcdir:-.}/lib.sh"

scratch_dir
truncate -s 100 $SCRATCH/tiny.img

expect_fail "qos" "$UBLK" add --filter qos --qos.iops lots -t null
printf '%s\n' "$out" | grep -q "iops" || fail "bad qos.iops: the key is not named: $out"
expect_fail "fault_inject" "$UBLK" add --filter fault_inject --errno EWHAT -t null
printf '%s\n' "$out" | grep -q "errno" || fail "bad errno: the key is not named: $out"
expect_fail "trace" "$UBLK" add --filter trace --trace.sample 0 -t null
expect_fail "qos" "$UBLK" add --filter qos --qos.nosuch 1 -t null
printf '%s\n' "$out" | grep -q "nosuch" || fail "unknown qos.nosuch: the key is not named: $out"
expect_fail "^ublk-server: --errno: filter fault_inject: errno: 'EWHAT' is not an errno name (EIO, ENOSPC, ...) or number$" \
	"$UBLK" add --filter fault_inject --errno EWHAT -t null
expect_fail "^ublk-server: --fail_range: filter fault_inject: fail_range: '2M-1M' is not START-END with START < END (e.g. 1M-2M)$" \
	"$UBLK" add --filter fault_inject --fail_range 2M-1M -t null
expect_fail "^ublk-server: --error_rate: filter fault_inject: error_rate: '2' is not a probability from 0 to 1 or a percentage (e.g. 0.01, 1%)$" \
	"$UBLK" add --filter fault_inject --error_rate 2 -t null
expect_fail "^ublk-server: --fault_inject.fail_ops: filter fault_inject: fail_ops: 'read,trim' is not a comma list of read, write, flush, discard, write_zeroes$" \
	"$UBLK" add --filter fault_inject --fault_inject.fail_ops read,trim -t null
expect_fail "^ublk-server: --fault_inject.die_after: filter fault_inject: die_after: 'soon' is not a number of IOs$" \
	"$UBLK" add --filter fault_inject --fault_inject.die_after soon -t null
expect_fail "^ublk-server: --write_bps: filter qos: write_bps: 'lots' is not a number of bytes per second (e.g. 10M)$" \
	"$UBLK" add --filter qos --write_bps lots -t null
expect_fail "target loop: '$SCRATCH/tiny.img' is too small" \
	"$UBLK" add --filter fault_inject --filter qos --iops 10 -t loop $SCRATCH/tiny.img
expect_fail "trace.*file: cannot open '/nonexistent/t.log'" \
	"$UBLK" add --filter trace --trace.file /nonexistent/t.log -t null
# A filter key without that filter in the stack.
expect_fail "qos" "$UBLK" add --qos.iops 100 -t null
assert_no_devices
pgrep -f "$UBLK add" >/dev/null && fail "a daemon was left running"
pass
