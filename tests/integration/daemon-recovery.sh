#!/bin/bash
# Daemon mode with `recovery =`: /dev/ublkbN and the file descriptors open on
# it survive the daemon.
#  1. kill -9 of `ublk-server -c FILE` while fio (crc32c verify) runs on a
#     recovery = reissue loop device, opened before: the same config started
#     again re-attaches (reported "(recovered)"), same id and major:minor, LIVE
#     under the new pid; fio exits 0 with its data verified. A fail_io device
#     goes FAIL_IO and is re-attached too (`on`, QUIESCED, before Linux 6.13).
#  2. SIGTERM (systemctl stop/restart) while fio runs: the recovery devices are
#     quiesced (released without UBLK_F_QUIESCE) and left (QUIESCED / FAIL_IO, state files kept, fio waits), the
#     stanza without recovery is deleted; started again: recovered, the other
#     stanza created fresh, fio exits 0 verified.
#  3. Stopping for good: SIGTERM then `ublk-server del -n` of the left device;
#     the next start finds its state file stale and adds a new device; SIGINT
#     deletes every device, recovery or not, and every state file.
. "${srcdir:-.}/daemon-lib.sh"
require_tool fio

# Recovered devices are reported "NAME: /dev/ublkbN (recovered)".
wait_devices() {
	wait_for "[ \$(grep -c ': /dev/ublkb[0-9]*\( (recovered)\)\?\$' '$DOUT') -ge $1 ]" "${2:-30}" ||
		fail "daemon reported $(grep -c ': /dev/ublkb' "$DOUT") of $1 devices: $(cat "$DOUT" "$DERR")"
}
dev_of() {
	sed -n "s|^$1: /dev/ublkb\([0-9]*\)\( (recovered)\)\?\$|\1|p" "$DOUT" | tail -1
}
recovered() { grep -q "^$1: /dev/ublkb[0-9]* (recovered)\$" "$DOUT"; }
# Keep each daemon's log: start_daemon truncates it.
restart_daemon() {
	cat "$DERR" >>"$SCRATCH/old-daemons.log"
	start_daemon "$@"
}

# The second recovery stanza: fail_io where the kernel has it.
mode2=fail_io state2=FAIL_IO how=quiesced
"$UBLK" features | grep -q '^[[:space:]]*USER_RECOVERY_FAIL_IO ' || mode2=on state2=QUIESCED
"$UBLK" features | grep -q '^[[:space:]]*QUIESCE ' || how=released

img=$SCRATCH/data.img
truncate -s 32M "$img"
cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
[global]
run_dir = $RUN

[device data]
target = loop
file = $img
recovery = reissue

[device failio]
target = null
size = 64M
recovery = $mode2

[device plain]
target = null
size = 128M
EOF

# A fio that holds /dev/ublkbN open across the daemon's restart: 4 loops of
# random writes over 8M, each verified (backlog and at the end), paced so
# that the whole run takes ~10 s.
start_fio() {
	fio --name="$1" --filename=/dev/ublkb$2 --ioengine=io_uring --direct=1 \
		--rw=randwrite --bs=4k --iodepth=8 --size=8M --loops=4 --rate_iops=1500 \
		--verify=crc32c --verify_backlog=256 --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 >"$SCRATCH/fio.$1.out" 2>&1 &
	FPID=$!
	sleep 2
	process_alive $FPID || fail "fio $1 ended early: $(tail -5 "$SCRATCH/fio.$1.out")"
}
end_fio() {
	timeout 90 tail --pid=$FPID -f /dev/null
	wait $FPID
	rc=$?
	[ $rc = 0 ] || fail "fio $1 exit $rc: $(tail -15 "$SCRATCH/fio.$1.out")"
	grep -q 'err= 0' "$SCRATCH/fio.$1.out" || fail "fio $1: $(grep err= "$SCRATCH/fio.$1.out")"
	grep -q -i -E 'verify.*(fail|bad)|bad magic' "$SCRATCH/fio.$1.out" &&
		fail "fio $1 verify errors: $(tail -15 "$SCRATCH/fio.$1.out")"
	return 0
}

start_daemon "$cfg"
wait_devices 3
data=$(dev_of data) fio_dev=$(dev_of failio) plain=$(dev_of plain)
majmin=$(dev_majmin $data)
for n in data failio plain; do
	assert_live $n
	recovered $n && fail "$n reported as recovered on a first start"
done
grep -qx "dev_id=$data" "$RUN/data.state" || fail "data.state: $(cat "$RUN/data.state")"

# 1. kill -9 under fio
start_fio kill9 $data
old=$DPID
kill -9 $DPID
wait $DPID 2>/dev/null
wait_for "! process_alive $old" 10 || fail "daemon $old survived kill -9"
# Before 6.13 the kernel notices a dead daemon within seconds, not at once.
wait_for "[ \"\$(dev_state $data)\" = QUIESCED ] && [ \"\$(dev_state $fio_dev)\" = $state2 ]" 15
s_data=$(dev_state $data) s_fio=$(dev_state $fio_dev) s_plain=$(dev_state $plain)
echo "after kill -9: data $s_data, failio $s_fio, plain ${s_plain:-gone}, pid $(dev_pid $data)"
[ "$s_data" = QUIESCED ] || fail "data: state $s_data after kill -9, expected QUIESCED"
[ "$s_fio" = $state2 ] || fail "failio: state $s_fio after kill -9, expected $state2"
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
# The killed daemon's device without recovery is not ours any more: clean it.
[ "$(dev_of plain)" != "$plain" ] && "$UBLK" del -n $plain >/dev/null 2>&1
plain=$(dev_of plain)
end_fio kill9
echo "ok: kill -9: data ($data, $majmin) and failio ($fio_dev) recovered by $DPID, fio verified"

# 2. SIGTERM under fio: recovery devices left, the other deleted
start_fio term $data
old=$DPID
stop_daemon
wait_log "signal SIGTERM: stopping and deleting the devices without recovery, leaving 2 recovery devices to the next ublk-server"
wait_log "\[device data\]: /dev/ublkb$data $how and left for the next ublk-server (recovery = reissue)"
wait_log "\[device plain\]: /dev/ublkb$plain stopped and deleted"
wait_for "[ \"\$(dev_state $data)\" = QUIESCED ] && [ \"\$(dev_state $fio_dev)\" = $state2 ]" 15
s_data=$(dev_state $data) s_fio=$(dev_state $fio_dev)
echo "after SIGTERM: data $s_data, failio $s_fio, pid $(dev_pid $data)"
[ "$s_data" = QUIESCED ] || fail "data: state $s_data after SIGTERM, expected QUIESCED"
[ "$s_fio" = $state2 ] || fail "failio: state $s_fio after SIGTERM, expected $state2"
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
echo "ok: SIGTERM: data and failio $how and recovered, plain deleted and created again, fio verified"

# 3. For good: SIGTERM, then del of what was left; the state file is stale.
stop_daemon
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

kill -INT $DPID
wait $DPID
rc=$?
[ $rc = 0 ] || fail "exit status $rc after SIGINT"
grep -q "signal SIGINT: stopping and deleting every device" "$DERR" || fail "no SIGINT log line"
assert_no_devices
assert_no_state_files
pass "kill -9 and SIGTERM ($how) under verified fio: dev $data ($majmin) kept, QUIESCED/$state2 in between; SIGINT deletes all"
