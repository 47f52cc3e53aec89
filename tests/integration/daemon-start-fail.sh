#!/bin/bash
# A stanza whose device cannot be created at runtime (its dev_id is taken by
# a device `ublk-server add` made before) is logged; the daemon serves the
# other stanza, and leaves the device it does not own alone.
. "${srcdir:-.}/daemon-lib.sh"

taken=$(add_dev -t null --size 64M)
other_pid=$(dev_pid $taken)

cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
[global]
run_dir = $RUN

[device clash]
target = null
size = 128M
dev_id = $taken

[device fine]
target = null
size = 256M
EOF
start_daemon "$cfg"
wait_devices 1
assert_live fine
[ "$(blockdev --getsize64 /dev/ublkb$(dev_of fine))" = $((256 << 20)) ] || fail "fine: size"
wait_log "^ublk-server: $cfg:7: device id $taken is already in use"
wait_log "^ublk-server: $cfg:4: \[device clash\] could not be started; the other devices keep running"
grep -q '^clash:' "$DOUT" && fail "clash reported as LIVE"
[ -e "$RUN/clash.state" ] && fail "clash.state written"
[ "$(dev_pid $taken)" = "$other_pid" ] || fail "dev $taken changed hands"
process_alive $DPID || fail "daemon exited: $(cat "$DERR")"
run_fio fine --filename=/dev/ublkb$(dev_of fine) --rw=randread --bs=4k --iodepth=8 \
	--runtime=2 --time_based

stop_daemon
[ "$(dev_state $taken)" = LIVE ] || fail "the daemon touched dev $taken it does not own"
"$UBLK" list | grep -q "^dev id $(dev_of fine):" && fail "fine left behind"

"$UBLK" del -n $taken || fail "del -n $taken"
assert_no_devices
pass "clash on dev $taken logged, 'fine' served, dev $taken untouched"
