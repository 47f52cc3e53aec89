#!/bin/bash
# Daemon mode with `recovery =`: SIGTERM (systemctl stop/restart) while fio
# runs: the recovery devices are quiesced (released without UBLK_F_QUIESCE)
# and left (QUIESCED / FAIL_IO, state files kept, fio waits), the stanza
# without recovery is deleted; started again: recovered, the other stanza
# created fresh, fio exits 0 verified.
. "${srcdir:-.}/daemon-recovery-lib.sh"

first_start
start_fio term $data
stop_daemon
wait_log "signal SIGTERM: stopping and deleting the devices without recovery, leaving 2 recovery devices to the next ublk-server"
wait_log "\[device data\]: /dev/ublkb$data $how and left for the next ublk-server (recovery = reissue)"
wait_log "\[device plain\]: /dev/ublkb$plain stopped and deleted"
wait_left SIGTERM
"$UBLK" list -n $plain >/dev/null 2>&1 && fail "plain (dev $plain) not deleted on SIGTERM"
[ -f "$RUN/data.state" ] && [ -f "$RUN/failio.state" ] || fail "state files gone: $(ls "$RUN")"
[ -e "$RUN/plain.state" ] && fail "plain.state left"
process_alive $FPID || fail "fio ended during the restart: $(tail -5 "$SCRATCH/fio.term.out")"

restart_daemon "$cfg"
wait_devices 3
recovered data && recovered failio || fail "not recovered after SIGTERM: $(cat "$DOUT" "$DERR")"
recovered plain && fail "plain reported as recovered"
[ "$(dev_of data)" = "$data" ] && [ "$(dev_of failio)" = "$fio_dev" ] ||
	fail "ids changed: $(cat "$DOUT")"
[ "$(dev_majmin $data)" = "$majmin" ] || fail "major:minor $(dev_majmin $data), was $majmin"
for n in data failio plain; do
	assert_live $n
done
[ "$(blockdev --getsize64 /dev/ublkb$(dev_of plain))" = $((128 << 20)) ] || fail "plain: size"
grep -qx "pid=$DPID" "$RUN/plain.state" || fail "plain.state: $(cat "$RUN/plain.state" 2>&1)"
end_fio term

stop_for_good
pass "SIGTERM under verified fio: data ($data, $majmin) and failio $how and recovered, plain deleted and created again"
