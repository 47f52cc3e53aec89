#!/bin/bash
# Errors count exactly the requests fault_inject failed: 5 reads and 3 writes
# inside fail_range fail (and count as errors and backend errors of their op),
# while IO outside it counts as requests only.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/stats-lib.sh"

id=$(add_dev -t fault_inject --fail_range 1M-2M --size 64M)
dev=/dev/ublkb$id
settle $id
before=$(stats_dev $id)
for i in 0 1 2 3 4; do
	dd if=$dev of=/dev/null bs=4k count=1 skip=$((256 + i)) iflag=direct status=none 2>/dev/null &&
		fail "read $i inside fail_range succeeded"
done
for i in 0 1 2; do
	dd if=/dev/zero of=$dev bs=4k count=1 seek=$((300 + i)) oflag=direct status=none 2>/dev/null &&
		fail "write $i inside fail_range succeeded"
done
dd if=$dev of=/dev/null bs=4k count=10 skip=1024 iflag=direct status=none || fail "read outside failed"
settle $id
after=$(stats_dev $id)
d() { echo $(( $(jget "$after" "$1") - $(jget "$before" "$1") )); }
[ "$(d .errors.read)" = 5 ] || fail "read errors: $(d .errors.read), expected 5"
[ "$(d .errors.write)" = 3 ] || fail "write errors: $(d .errors.write), expected 3"
[ "$(d .backend_errors)" = 8 ] || fail "backend errors: $(d .backend_errors), expected 8"
[ "$(d .requests.read)" = 15 ] || fail "reads: $(d .requests.read), expected 5 failed + 10"
[ "$(d .requests.write)" = 3 ] || fail "writes: $(d .requests.write), expected 3"
[ "$(d .bytes.read)" = $((10 * 4096)) ] || fail "read bytes: $(d .bytes.read): failed reads count no bytes"
echo "ok: 5 read and 3 write errors counted, $(d .requests.read) reads"

# The table shows the errors too (since the daemon started: all 8).
"$UBLK" stats -n $id | awk -v id=$id '$2 == id { e = $NF } END { exit e != 8 }' ||
	fail "table: $("$UBLK" stats -n $id)"
"$UBLK" del -n $id
pass
