#!/bin/bash
# Two filters stack as composed, in both orders (the first --filter is the
# outermost layer):
#  trace over fault_inject: trace sees the errors fault_inject injects;
#  fault_inject over trace: the requests fault_inject fails never reach
#  trace, the others do.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"

scratch_dir
img=$SCRATCH/s.img
truncate -s 16M "$img"
mib=1048576

run_reads() {
	dev=/dev/ublkb$1
	dd if=$dev of=/dev/null bs=4k count=1 skip=$((1 * 256 + 8)) iflag=direct status=none 2>/dev/null &&
		fail "$2: read in fail_range succeeded"
	dd if=$dev of=/dev/null bs=4k count=1 skip=$((4 * 256)) iflag=direct status=none ||
		fail "$2: read outside fail_range failed"
}

tr=$SCRATCH/outer.log
id=$(add_dev --filter trace --filter fault_inject --trace.file "$tr" --fail_range 1M-2M \
	-t loop "$img") || exit 1
run_reads $id "trace, fault_inject"
del_and_wait $id
grep -q "op=read offset=$((mib + 32768)) length=4096 result=-5 " "$tr" ||
	fail "trace over fault_inject: the injected EIO is not in the trace: $(grep "offset=$((mib + 32768)) " "$tr")"
grep -q "op=read offset=$((4 * mib)) length=4096 result=4096 " "$tr" ||
	fail "trace over fault_inject: the good read is not in the trace"
echo "ok: trace over fault_inject sees: $(grep "offset=$((mib + 32768)) " "$tr" | head -1)"

tr=$SCRATCH/inner.log
id=$(add_dev --filter fault_inject --filter trace --trace.file "$tr" --fail_range 1M-2M \
	-t loop "$img") || exit 1
run_reads $id "fault_inject, trace"
del_and_wait $id
grep -q "op=read offset=$((4 * mib)) length=4096 result=4096 " "$tr" ||
	fail "fault_inject over trace: the good read is not in the trace"
awk -v s=$mib -v e=$((2 * mib)) '{
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^offset=/) o = substr($i, 8)
		if ($i ~ /^length=/) l = substr($i, 8)
	}
	if (o + l > s && o < e) print
}' "$tr" | grep -q . && fail "fault_inject over trace: trace saw a request in fail_range: $(grep "offset=$((mib + 32768)) " "$tr")"
echo "ok: fault_inject over trace: trace saw no request in 1M-2M"
assert_no_devices
pass
