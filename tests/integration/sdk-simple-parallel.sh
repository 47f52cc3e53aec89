#!/bin/bash
# The simple API's worker pool: a plugin whose pread sleeps 50 ms.
#  - While its queues are saturated (QD32, 2 queues), another simple-API
#    device keeps a low read latency: nothing blocks outside that device.
#  - PARALLEL with 8 workers is >= 6x faster than SERIALIZE_ALL on it.
. "${srcdir:-.}/lib.sh"
require_driver
require_tool fio

# fio_ms NAME ARGS...: how long fio's reads took, in ms (its own runtime,
# without the process start-up, which is slow under TCG).
fio_ms() {
	run_fio "$@"
	cut -d';' -f9 "/tmp/fio.$1.out"
}

median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

slow=$(add_dev -t slow_parallel -q 2 -d 32 --workers 8 --plugin-dir "$TEST_PLUGINS")
fast=$(add_dev -t slow_serial --delay_ms 0 -q 2 --plugin-dir "$TEST_PLUGINS")

# read clat median (us) of a terse fio output: the first "50.000000%=N".
p50() { tr ';' '\n' <"/tmp/fio.$1.out" | sed -n 's/^50\.000000%=//p' | head -1; }

# The fast device alone, then while the slow one has QD32 on each queue.
run_fio fast-alone --filename=/dev/ublkb$fast --rw=randread --bs=4k --iodepth=1 \
	--runtime=3 --time_based
run_fio slow-load --filename=/dev/ublkb$slow --rw=randread --bs=4k --iodepth=32 \
	--numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split --runtime=6 \
	--time_based --group_reporting &
sleep 1.5
run_fio fast-busy --filename=/dev/ublkb$fast --rw=randread --bs=4k --iodepth=1 \
	--runtime=3 --time_based
wait %1 || fail "fio on the slow device"
alone=$(p50 fast-alone)
busy=$(p50 fast-busy)
busy_mean=$(cut -d';' -f16 /tmp/fio.fast-busy.out)
slow_lat=$(p50 slow-load)
echo "fast device read latency median: alone ${alone} us, while the slow one is saturated ${busy} us (mean ${busy_mean} us); slow device median ${slow_lat} us"
[ -n "$alone" ] && [ -n "$busy" ] && [ -n "$slow_lat" ] || fail "no latency percentiles in fio's output"
# The slow device's reads each take >= 50 ms. A read on the other device
# that had to wait for one of them (a shared pool, a lock across plugins)
# would take as long: its median stays below one slow pread. (Means and
# maxima move with the host's load on a 2-vCPU TCG VM; the median does not
# reach 50 ms unless reads really wait.)
[ "$slow_lat" -ge 50000 ] || fail "slow device median ${slow_lat} us < 50 ms: the delay did not apply"
[ "$busy" -lt 50000 ] || fail "reads on the other device took ${busy} us (median): they wait for slow preads"
echo "ok: the other device stays responsive (median ${busy} us < 50 ms)"
"$UBLK" del -n $fast || fail "del fast"

# 128 reads of 4K at QD32 each time, from two CPUs so both queues (and both
# IO threads) carry them; median of three.
two_queues="--rw=randread --bs=4k --iodepth=32 --io_size=256k --size=64M --norandommap
	--numjobs=2 --cpus_allowed=0-1 --cpus_allowed_policy=split --group_reporting"
serial=$(add_dev -t slow_serial -q 2 -d 32 --workers 8 --plugin-dir "$TEST_PLUGINS")
for r in 1 2 3; do
	p[$r]=$(fio_ms par-$r --filename=/dev/ublkb$slow $two_queues)
	s[$r]=$(fio_ms ser-$r --filename=/dev/ublkb$serial $two_queues)
done
pm=$(median3 ${p[@]})
sm=$(median3 ${s[@]})
echo "128 reads at QD32: parallel (8 workers) ${p[*]} ms, median $pm; serialize_all ${s[*]} ms, median $sm"
awk -v s="$sm" 'BEGIN { exit !(s >= 128 * 50) }' || fail "serialize_all took $sm ms < 128 x 50 ms: not serialised"
awk -v p="$pm" -v s="$sm" 'BEGIN { printf "ratio %.1fx\n", s / p; exit !(s >= 6 * p) }' ||
	fail "parallel ($pm ms) is not 6x faster than serialize_all ($sm ms)"
"$UBLK" del -n $slow
"$UBLK" del -n $serial
assert_no_devices
pass "serialize_all/parallel = $(awk -v p="$pm" -v s="$sm" 'BEGIN { printf "%.1f", s / p }')x"
