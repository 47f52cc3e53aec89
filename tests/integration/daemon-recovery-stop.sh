#!/bin/bash
# Daemon mode with `recovery =`, stopping for good: SIGTERM leaves the
# recovery devices, `ublk-server del -n` removes one of them; the next start
# finds its state file stale and adds a new device (the other is
# re-attached); SIGINT deletes every device, recovery or not, and every
# state file.
. "${srcdir:-.}/daemon-recovery-lib.sh"

first_start
stop_daemon
wait_left SIGTERM
"$UBLK" del -n $fio_dev || fail "del -n $fio_dev"
restart_daemon "$cfg"
wait_devices 3
wait_log "\[device failio\] /dev/ublkb$fio_dev of the state file is gone: adding a new device"
recovered failio && fail "failio recovered from a deleted device"
recovered data || fail "data not recovered: $(cat "$DOUT" "$DERR")"
for n in data failio plain; do
	assert_live $n
done
grep -qx "dev_id=$(dev_of failio)" "$RUN/failio.state" && grep -qx "pid=$DPID" "$RUN/failio.state" ||
	fail "failio.state not replaced: $(cat "$RUN/failio.state")"

stop_for_good
pass "del of a left device: its state file stale, a new device added; SIGINT deletes all"
