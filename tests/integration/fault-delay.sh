#!/bin/bash
# fault_inject filter, delay_us over loop: every IO takes at least the delay
# inside the server (trace, stacked above fault_inject, sees latency_us >=
# delay_us on every request, and N sequential direct reads take >= N x
# delay), while without fault_inject the same reads take far less; the data
# still passes through to loop unchanged.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"
require_tool cmp

scratch_dir
img=$SCRATCH/fi.img tr=$SCRATCH/trace.log base=$SCRATCH/base.log
dd if=/dev/urandom of="$img" bs=1M count=4 status=none
delay=100000 nr=10

id=$(add_dev --filter trace --filter fault_inject --trace.file "$tr" --delay_us $delay \
	-t loop "$img") || exit 1
dev=/dev/ublkb$id
# One dd: nr sequential 4k direct reads, one IO each.
t0=$(date +%s%N)
dd if=$dev of=/dev/null bs=4k count=$nr iflag=direct status=none || fail "reads failed"
t1=$(date +%s%N)
us=$(((t1 - t0) / 1000))
[ $us -ge $((nr * delay)) ] || fail "$nr reads took $us us, less than $nr x $delay us"
echo "ok: $nr reads took $us us (>= $((nr * delay)))"
cmp $dev "$img" || fail "data read through fault_inject differs from the file"
del_and_wait $id
total=$(wc -l <"$tr")
[ "$total" -ge $nr ] || fail "trace saw $total requests, fewer than $nr"
short=$(awk -v d=$delay '{ l = $NF; sub(/latency_us=/, "", l); if (l + 0 < d) print }' "$tr")
[ -z "$short" ] || fail "requests faster than delay_us=$delay: $(printf '%s\n' "$short" | head -3)"
echo "ok: all $total requests took >= $delay us in the server"

# The same reads without fault_inject: most take far less than the delay.
id=$(add_dev --filter trace --trace.file "$base" -t loop "$img") || exit 1
dd if=/dev/ublkb$id of=/dev/null bs=4k count=$nr iflag=direct status=none || fail "reads failed"
del_and_wait $id
med=$(sed 's/.*latency_us=//' "$base" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
[ -n "$med" ] && [ "$med" -lt $((delay / 2)) ] ||
	fail "without fault_inject the median request took $med us: cannot observe a $delay us delay"
assert_no_devices
pass "$nr reads: $((us / nr)) us each with delay_us=$delay; server latency without it: median $med us"
