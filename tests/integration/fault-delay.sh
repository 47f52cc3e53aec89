#!/bin/bash
# fault_inject filter, delay_us over loop: every IO takes at least the delay
# (N sequential direct reads take >= N x delay, a delay long enough to stand
# out of a loaded VM's own latency), and the data still passes
# through to loop unchanged.
. "${srcdir:-.}/lib.sh"
require_tool cmp

scratch_dir
img=$SCRATCH/fi.img
dd if=/dev/urandom of="$img" bs=1M count=4 status=none
delay=300000 n=5

id=$(add_dev --filter fault_inject --delay_us $delay -t loop "$img") || exit 1
dev=/dev/ublkb$id
# One dd: n sequential 4k direct reads, one IO each.
t0=$(date +%s%N)
dd if=$dev of=/dev/null bs=4k count=$n iflag=direct status=none || fail "reads failed"
t1=$(date +%s%N)
us=$(((t1 - t0) / 1000))
[ $us -ge $((n * delay)) ] || fail "$n reads took $us us, less than $n x $delay us"
echo "ok: $n reads took $us us (>= $((n * delay)))"

cmp $dev "$img" || fail "data read through fault_inject differs from the file"
"$UBLK" del -n $id

# The same reads without the filter are much faster: the delay is ours.
id=$(add_dev -t loop "$img") || exit 1
t0=$(date +%s%N)
dd if=/dev/ublkb$id of=/dev/null bs=4k count=$n iflag=direct status=none || fail "reads failed"
t1=$(date +%s%N)
base=$(((t1 - t0) / 1000))
[ $base -lt $((n * delay / 2)) ] || fail "without delay $n reads took $base us: cannot observe a $delay us delay"
echo "ok: without fault_inject: $base us"
"$UBLK" del -n $id
assert_no_devices
pass "$n reads: $((us / n)) us each with delay_us=$delay, $((base / n)) us without"
