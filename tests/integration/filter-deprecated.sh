#!/bin/bash
# The old form `-t fault_inject --backend loop ...` still works for one
# release: it warns that it is deprecated (saying how to write it now) and
# stacks the fault_inject filter over loop.
. "${srcdir:-.}/lib.sh"

scratch_dir
img=$SCRATCH/d.img
truncate -s 16M "$img"

out=$("$UBLK" add -t fault_inject --backend loop --fail_range 1M-2M "$img" 2>$SCRATCH/err) ||
	fail "old form refused: $out $(cat $SCRATCH/err)"
id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
[ -n "$id" ] || fail "no 'dev id N:' line: $out"
msgs=$(printf '%s\n' "$out"; cat $SCRATCH/err)
warn=$(printf '%s\n' "$msgs" | grep -i deprecated) || fail "no deprecation warning: $msgs"
printf '%s\n' "$warn" | grep -q -- "--filter fault_inject\|filters *= *fault_inject" ||
	fail "the warning does not say how to write it now: $warn"
echo "ok: $warn"
dev=/dev/ublkb$id
dd if=$dev of=/dev/null bs=4k count=1 skip=300 iflag=direct status=none 2>/dev/null &&
	fail "read in fail_range succeeded"
dd if=$dev of=/dev/null bs=4k count=1 skip=1024 iflag=direct status=none ||
	fail "read outside fail_range failed"
"$UBLK" del -n $id
assert_no_devices
pass
