#!/bin/bash
# The simple API's worker pool: a plugin whose pread sleeps 50 ms.
#  - While its queues are saturated (QD32, 2 queues), another simple-API
#    device keeps a low read latency: nothing blocks outside that device.
#  - PARALLEL with 8 workers is >= 6x faster than SERIALIZE_ALL on it.
. "${srcdir:-.}/lib.sh"
require_driver
require_tool fio

# fio_ms NAME ARGS...: wall time of a fio run in ms.
fio_ms() {
	local t0=$(date +%s%N)
	run_fio "$@"
	echo $((($(date +%s%N) - t0) / 1000000))
}

median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

slow=$(add_dev -t slow_parallel -q 2 -d 32 --workers 8 --plugin-dir "$TEST_PLUGINS")
fast=$(add_dev -t slow_serial --delay_ms 0 -q 2 --plugin-dir "$TEST_PLUGINS")

# Baseline latency of the fast device alone, then with the slow one saturated.
run_fio fast-alone --filename=/dev/ublkb$fast --rw=randread --bs=4k --iodepth=1 \
	--runtime=3 --time_based
alone=$(cut -d';' -f16 /tmp/fio.fast-alone.out)	# read clat mean (us)
run_fio slow-load --filename=/dev/ublkb$slow --rw=randread --bs=4k --iodepth=32 \
	--numjobs=2 --runtime=6 --time_based --group_reporting &
sleep 1.5
run_fio fast-busy --filename=/dev/ublkb$fast --rw=randread --bs=4k --iodepth=1 \
	--runtime=3 --time_based
busy=$(cut -d';' -f16 /tmp/fio.fast-busy.out)
busy_max=$(cut -d';' -f15 /tmp/fio.fast-busy.out)	# read clat max (us)
wait %1 || fail "fio on the slow device"
slow_lat=$(cut -d';' -f16 /tmp/fio.slow-load.out)
echo "fast device clat mean: alone ${alone} us, while the slow one is saturated ${busy} us (max ${busy_max} us); slow device clat mean ${slow_lat} us"
# The slow device's reads each take >= 50 ms; the other device never waits for one.
awk -v s="$slow_lat" 'BEGIN { exit !(s >= 50000) }' || fail "slow device mean ${slow_lat} us < 50 ms: the delay did not apply"
awk -v b="$busy_max" 'BEGIN { exit !(b < 50000) }' || fail "a read on the other device took ${busy_max} us: it waited for a slow pread"
echo "ok: the other device stays responsive (max ${busy_max} us < 50 ms)"
"$UBLK" del -n $fast || fail "del fast"

# 64 reads of 4K at QD32 each time; median of three.
serial=$(add_dev -t slow_serial -q 2 -d 32 --workers 8 --plugin-dir "$TEST_PLUGINS")
for r in 1 2 3; do
	p[$r]=$(fio_ms par-$r --filename=/dev/ublkb$slow --rw=randread --bs=4k --iodepth=32 \
		--io_size=256k --size=64M --norandommap)
	s[$r]=$(fio_ms ser-$r --filename=/dev/ublkb$serial --rw=randread --bs=4k --iodepth=32 \
		--io_size=256k --size=64M --norandommap)
done
pm=$(median3 ${p[@]})
sm=$(median3 ${s[@]})
echo "64 reads at QD32: parallel (8 workers) ${p[*]} ms, median $pm; serialize_all ${s[*]} ms, median $sm"
awk -v s="$sm" 'BEGIN { exit !(s >= 64 * 50) }' || fail "serialize_all took $sm ms < 64 x 50 ms: not serialised"
awk -v p="$pm" -v s="$sm" 'BEGIN { printf "ratio %.1fx\n", s / p; exit !(s >= 6 * p) }' ||
	fail "parallel ($pm ms) is not 6x faster than serialize_all ($sm ms)"
"$UBLK" del -n $slow
"$UBLK" del -n $serial
assert_no_devices
pass "serialize_all/parallel = $(awk -v p="$pm" -v s="$sm" 'BEGIN { printf "%.1f", s / p }')x"
