# Sourced by daemon-reload*.sh: a daemon serving keep (1G), old (128M) and
# chg (64M), with fio running on keep across the reloads.
. "${srcdir:-.}/daemon-lib.sh"
require_tool fio

cfg=$SCRATCH/devices.ini
v1() {
	cat <<EOF
[global]
run_dir = $RUN

[device keep]
target = null
size = 1G

[device old]
target = null
size = 128M

[device chg]
target = null
size = 64M
EOF
}

# start_with_fio: start on v1, set keep old chg, run fio 10 s on keep.
start_with_fio() {
	v1 >"$cfg"
	start_daemon "$cfg"
	wait_devices 3
	keep=$(dev_of keep) old=$(dev_of old) chg=$(dev_of chg)
	fio --name=keep --filename=/dev/ublkb$keep --ioengine=io_uring --direct=1 --rw=randrw \
		--bs=4k --iodepth=16 --runtime=10 --time_based >"$SCRATCH/fio.out" 2>&1 &
	fpid=$!
	sleep 1
	process_alive $fpid || fail "fio did not start: $(cat "$SCRATCH/fio.out")"
}

# end_fio: the fio on keep saw no error, and the daemon lives.
end_fio() {
	wait $fpid
	rc=$?
	[ $rc = 0 ] || fail "fio on keep: exit $rc: $(tail -5 "$SCRATCH/fio.out")"
	grep -q 'err= 0' "$SCRATCH/fio.out" || fail "fio errors: $(grep err= "$SCRATCH/fio.out")"
	process_alive $DPID || fail "daemon died: $(cat "$DERR")"
}
