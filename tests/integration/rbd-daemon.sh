#!/bin/bash
# rbd in daemon mode: a [device] stanza with target = rbd and recovery = on
# is served; SIGTERM quiesces it (the image is closed, its exclusive lock
# released) and the next daemon started with the same file re-attaches the
# same /dev/ublkbN, reopens the image and takes the lock: data written before
# reads back, and writes work again. SIGINT then deletes the device.
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool cmp

rbd_cluster
rbd_image daemon 16
cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF2
[global]
run_dir = $RUN

[device r]
target = rbd
spec = rbd/daemon
conf = $CEPH_CONF
rbd_cache = off
recovery = on
EOF2

start_daemon "$cfg"
wait_devices 1 120
assert_live r
id=$(dev_of r)
head -c 4M /dev/urandom >$SCRATCH/a
dd if=$SCRATCH/a of=/dev/ublkb$id bs=1M oflag=direct conv=fsync status=none || fail "write"
stop_daemon
state=$(dev_state $id)
[ -n "$state" ] || fail "dev $id gone after SIGTERM with recovery = on"
[ "$state" != LIVE ] || fail "dev $id still LIVE after the daemon's SIGTERM"
echo "ok: SIGTERM left dev $id ($state)"

start_daemon "$cfg"
wait_for "grep -q '^r: /dev/ublkb$id (recovered)\$' '$DOUT'" 120 ||
	fail "not re-attached: $(cat "$DOUT" "$DERR")"
[ "$(dev_state $id)" = LIVE ] || fail "dev $id: state $(dev_state $id) after restart"
cmp -n $((4 << 20)) $SCRATCH/a /dev/ublkb$id || fail "data written before the restart differs"
head -c 1M /dev/urandom >$SCRATCH/b
timeout 120 dd if=$SCRATCH/b of=/dev/ublkb$id bs=1M seek=8 oflag=direct conv=fsync status=none ||
	fail "write after the restart"
cmp -n $((1 << 20)) -i 0:$((8 << 20)) $SCRATCH/b /dev/ublkb$id || fail "second write reads back other bytes"
echo "ok: recovered dev $id, data intact, writable"

kill -INT $DPID
wait $DPID
assert_no_devices
pass "${SECONDS} s"
