#!/bin/bash
# metrics_listen = /path/to/socket: the exposition over a Unix socket (curl
# --unix-socket); the socket file goes away with the daemon.
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/stats-lib.sh"
require_tool curl

sock=$SCRATCH/metrics.sock
cat >$SCRATCH/m.ini <<EOC
[global]
run_dir = $RUN
metrics_listen = $sock

[device u0]
target = null
size = 64M
EOC
export UBLK_RUN_DIR=$RUN
start_daemon $SCRATCH/m.ini
wait_devices 1
id=$(dev_of u0)
dd if=/dev/ublkb$id of=/dev/null bs=4k count=100 iflag=direct status=none || fail "dd"
settle $id
[ -S "$sock" ] || fail "no socket at $sock"
curl -sf --unix-socket "$sock" -o $SCRATCH/metrics http://localhost/metrics ||
	fail "curl --unix-socket failed"
prom_check $SCRATCH/metrics
want=$(jget "$(stats_dev $id)" .requests.read)
grep -qx "ublk_requests_total{device=\"u0\",dev_id=\"$id\",op=\"read\"} $want" $SCRATCH/metrics ||
	fail "reads: expected $want: $(grep 'requests_total.*read' $SCRATCH/metrics)"
stop_daemon
[ -e "$sock" ] && fail "socket file left behind"
pass
