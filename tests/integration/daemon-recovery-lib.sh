# Sourced by the daemon-recovery-{kill9,sigterm,stop}.sh tests: a config of
# three stanzas whose /dev/ublkbN and open file descriptors must survive the
# daemon (or not):
#   data    loop, recovery = reissue
#   failio  null, recovery = fail_io (`on` before Linux 6.13: then QUIESCED)
#   plain   null, no recovery
. "${srcdir:-.}/daemon-lib.sh"
require_tool fio

# Keep each daemon's log: start_daemon truncates it.
restart_daemon() {
	cat "$DERR" >>"$SCRATCH/old-daemons.log"
	start_daemon "$@"
}

# The second recovery stanza: fail_io where the kernel has it; how a
# recovery device is let go on SIGTERM.
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

# first_start: the daemon creates all three, none re-attached; sets data,
# fio_dev, plain (ids) and majmin (data's major:minor).
first_start() {
	start_daemon "$cfg"
	wait_devices 3
	data=$(dev_of data) fio_dev=$(dev_of failio) plain=$(dev_of plain)
	majmin=$(dev_majmin $data)
	for n in data failio plain; do
		assert_live $n
		recovered $n && fail "$n reported as recovered on a first start"
	done
	grep -qx "dev_id=$data" "$RUN/data.state" || fail "data.state: $(cat "$RUN/data.state")"
}

# wait_left HOW: after the daemon went, the recovery devices wait for the next.
wait_left() {
	# Before 6.13 the kernel notices a dead daemon within seconds, not at once.
	wait_for "[ \"\$(dev_state $data)\" = QUIESCED ] && [ \"\$(dev_state $fio_dev)\" = $state2 ]" 15
	s_data=$(dev_state $data) s_fio=$(dev_state $fio_dev)
	echo "after $1: data $s_data, failio $s_fio, pid $(dev_pid $data)"
	[ "$s_data" = QUIESCED ] || fail "data: state $s_data after $1, expected QUIESCED"
	[ "$s_fio" = $state2 ] || fail "failio: state $s_fio after $1, expected $state2"
}

# stop_for_good: SIGINT deletes every device, recovery or not, and every
# state file.
stop_for_good() {
	kill -INT $DPID
	wait $DPID
	rc=$?
	[ $rc = 0 ] || fail "exit status $rc after SIGINT"
	grep -q "signal SIGINT: stopping and deleting every device" "$DERR" || fail "no SIGINT log line"
	assert_no_devices
	assert_no_state_files
}
