#!/bin/bash
# [global] metrics_listen = 127.0.0.1:PORT: the daemon serves GET /metrics, a
# valid text exposition (promtool, or prom-check.awk) of the devices it
# serves, whose counters equal `stats --json`; other paths get 404.
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/stats-lib.sh"
require_tool curl
# The VM brings no interface up, not even loopback.
ip link set lo up 2>/dev/null || fail "cannot bring up lo"

port=9650
cat >$SCRATCH/m.ini <<EOC
[global]
run_dir = $RUN
metrics_listen = 127.0.0.1:$port

[device data0]
target = null
size = 256M

[device data1]
target = null
size = 64M
queues = 1
EOC
export UBLK_RUN_DIR=$RUN
start_daemon $SCRATCH/m.ini
wait_devices 2
id0=$(dev_of data0)
run_fio m --filename=/dev/ublkb$id0 --rw=randrw --bs=4k --size=8M --iodepth=8
settle $id0

curl -sf -o $SCRATCH/metrics -D $SCRATCH/headers http://127.0.0.1:$port/metrics ||
	fail "curl http://127.0.0.1:$port/metrics failed"
grep -qi '^content-type: text/plain; version=0.0.4' $SCRATCH/headers ||
	fail "content type: $(cat $SCRATCH/headers)"
prom_check $SCRATCH/metrics
echo "ok: valid exposition, $(grep -vc '^#' $SCRATCH/metrics) samples"

# The checker is not a rubber stamp: a broken histogram and a bad label fail it.
sed 's/le="+Inf"/le="+Inf"} 0\nbroken{x="1/' $SCRATCH/metrics >$SCRATCH/bad
awk -f "${srcdir:-.}/prom-check.awk" $SCRATCH/bad >/dev/null && fail "prom-check.awk accepted a broken file"

# Counters equal stats --json, per op and device.
s=$(stats_dev $id0)
sample() { # NAME LABELS: the value of one sample
	grep -F "$1{device=\"data0\",dev_id=\"$id0\"$2} " $SCRATCH/metrics | awk '{ print $2 }'
}
for op in read write flush discard write_zeroes; do
	[ "$(sample ublk_requests_total ",op=\"$op\"")" = "$(jget "$s" ".requests.$op")" ] ||
		fail "requests $op: $(sample ublk_requests_total ",op=\"$op\"") vs $(jget "$s" ".requests.$op")"
	[ "$(sample ublk_bytes_total ",op=\"$op\"")" = "$(jget "$s" ".bytes.$op")" ] || fail "bytes $op"
	[ "$(sample ublk_errors_total ",op=\"$op\"")" = "$(jget "$s" ".errors.$op")" ] || fail "errors $op"
done
[ "$(jget "$s" .requests.read)" -gt 0 ] && [ "$(jget "$s" .requests.write)" -gt 0 ] ||
	fail "fio's IO is not counted"
[ "$(sample ublk_request_duration_seconds_count ',op="read"')" = "$(jget "$s" .requests.read)" ] ||
	fail "read histogram count"
[ "$(sample ublk_requests_in_flight '')" = 0 ] || fail "in flight"
grep -q "^ublk_device_info{device=\"data1\",dev_id=\"$(dev_of data1)\",target=\"null\"" $SCRATCH/metrics ||
	fail "data1 is not exported"
echo "ok: counters match stats --json ($(jget "$s" .requests.read) reads, $(jget "$s" .requests.write) writes)"

code=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/nothing)
[ "$code" = 404 ] || fail "GET /nothing: HTTP $code"
stop_daemon
# Stopped with the daemon.
curl -sf -o /dev/null http://127.0.0.1:$port/metrics && fail "still serving after the daemon left"
pass
