#!/bin/bash
# Daemon mode with `recovery =`: kill -9 of `ublk-server -c FILE` while fio
# (crc32c verify) runs on a recovery = reissue loop device, opened before:
# the same config started again re-attaches (reported "(recovered)"), same
# id and major:minor, LIVE under the new pid; fio exits 0 with its data
# verified. A fail_io device goes FAIL_IO and is re-attached too (`on`,
# QUIESCED, before Linux 6.13).
. "${srcdir:-.}/daemon-recovery-lib.sh"

first_start
start_fio kill9 $data
old=$DPID
kill -9 $DPID
wait $DPID 2>/dev/null
wait_for "! process_alive $old" 10 || fail "daemon $old survived kill -9"
wait_left "kill -9"
grep -qx "pid=$old" "$RUN/data.state" || fail "data.state lost: $(cat "$RUN/data.state" 2>&1)"
process_alive $FPID || fail "fio did not wait for the new daemon: $(tail -5 "$SCRATCH/fio.kill9.out")"

restart_daemon "$cfg"
wait_devices 3
recovered data || fail "data not recovered: $(cat "$DOUT" "$DERR")"
recovered failio || fail "failio not recovered: $(cat "$DOUT" "$DERR")"
recovered plain && fail "plain (no recovery) reported as recovered"
[ "$(dev_of data)" = "$data" ] || fail "data: /dev/ublkb$(dev_of data), was $data"
[ "$(dev_of failio)" = "$fio_dev" ] || fail "failio: /dev/ublkb$(dev_of failio), was $fio_dev"
[ "$(dev_majmin $data)" = "$majmin" ] || fail "major:minor $(dev_majmin $data), was $majmin"
for n in data failio plain; do
	assert_live $n
done
grep -qx "pid=$DPID" "$RUN/data.state" || fail "data.state not rewritten: $(cat "$RUN/data.state")"
wait_log "\[device data\]: re-attached to /dev/ublkb$data, left by a previous daemon (recovery = reissue)"
# The killed daemon's device without recovery is not served any more: clean it.
[ "$(dev_of plain)" != "$plain" ] && "$UBLK" del -n $plain >/dev/null 2>&1
end_fio kill9

stop_for_good
pass "kill -9 under verified fio: data ($data, $majmin) and failio ($fio_dev, $state2) recovered by $DPID"
