#!/bin/bash
# Daemon mode: a [device] stanza with target = nbd serves an nbdkit export
# (fio verify through it); a SIGHUP reload that adds another stanza leaves
# the nbd device untouched: same id, same daemon, fio running through the
# reload sees no error.
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
require_tool fio

start_nbdkit memory 64M
cfg=$SCRATCH/devices.ini
v1() {
	cat <<EOT
[global]
run_dir = $RUN

[device net]
target = nbd
uri = $NBD_URI
queues = 2
timeout = 10
EOT
}
v1 >"$cfg"
out=$("$UBLK" -c "$cfg" --check 2>&1) || fail "--check: $out"
start_daemon "$cfg"
wait_devices 1
assert_live net
net=$(dev_of net)
run_fio daemon-nbd --filename=/dev/ublkb$net --rw=randwrite --bs=64k --iodepth=16 \
	--size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
echo "ok: fio verify through [device net]"

fio --name=reload --filename=/dev/ublkb$net --ioengine=io_uring --direct=1 --rw=randrw \
	--bs=4k --iodepth=16 --runtime=8 --time_based >"$SCRATCH/fio.out" 2>&1 &
fpid=$!
sleep 1
process_alive $fpid || fail "fio did not start: $(cat "$SCRATCH/fio.out")"
{ v1; printf '\n[device extra]\ntarget = null\nsize = 32M\n'; } >"$cfg"
kill -HUP $DPID
wait_devices 2
assert_live extra
[ "$(dev_of net)" = "$net" ] || fail "net changed id: $net -> $(dev_of net)"
assert_live net
wait $fpid || fail "fio through the reload: $(tail -5 "$SCRATCH/fio.out")"
stop_daemon
assert_no_devices
pass "nbd stanza served; reload left it alone (dev $net)"
