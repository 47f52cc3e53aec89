#!/bin/bash
# Without metrics_listen the daemon listens on no socket at all (ss shows
# none for its pid); a bad metrics_listen is refused at FILE:LINE and no
# device is left.
. "${srcdir:-.}/daemon-lib.sh"
require_tool ss

cat >$SCRATCH/off.ini <<EOC
[global]
run_dir = $RUN

[device quiet]
target = null
size = 64M
EOC
start_daemon $SCRATCH/off.ini
wait_devices 1
assert_live quiet
listening=$(ss -Hlnp -A inet,unix 2>/dev/null | grep "pid=$DPID,")
[ -z "$listening" ] || fail "the daemon listens: $listening"
ss -Hlnp -A inet,unix >/dev/null 2>&1 || fail "ss cannot list sockets"
echo "ok: no listening socket for pid $DPID"
stop_daemon

# The same check sees a daemon that does listen (so the one above means something).
sed -i "s|^run_dir = .*|&\nmetrics_listen = 127.0.0.1:9651|" $SCRATCH/off.ini
start_daemon $SCRATCH/off.ini
wait_devices 1
wait_for 'ss -Hlnp -A inet | grep -q "pid=$DPID,"' 10 ||
	fail "ss does not show the metrics socket of pid $DPID: $(ss -Hlnp -A inet)"
stop_daemon

# Bad values: one line naming the file and line, no device.
printf '[global]\nmetrics_listen = 127.0.0.1\n[device x]\ntarget = null\nsize = 1M\n' >$SCRATCH/bad.ini
expect_fail "bad.ini:2: metrics_listen = 127.0.0.1: expected HOST:PORT" "$UBLK" -c $SCRATCH/bad.ini
printf '[global]\nmetrics_listen = 127.0.0.1:99999\n[device x]\ntarget = null\nsize = 1M\n' >$SCRATCH/bad.ini
expect_fail "bad.ini:2: .*port must be" "$UBLK" -c $SCRATCH/bad.ini
assert_no_devices
pass
