#!/bin/bash
# Daemon mode with real targets: a loop device over a file, a stripe over two
# files (`file` repeated in the stanza) and a null device, from one file;
# fio writes and verifies through loop and stripe; a missing member file is
# reported at its line; SIGTERM deletes everything.
. "${srcdir:-.}/daemon-lib.sh"
for t in loop stripe; do
	[ -e "$UBLK_PLUGIN_DIR/$t.so" ] || skip "$t.so is not built"
done
require_tool fio

truncate -s 64M "$SCRATCH/loop.img"
truncate -s 32M "$SCRATCH/s0.img" "$SCRATCH/s1.img"
cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
[global]
run_dir = $RUN

[device lp]
target = loop
file = $SCRATCH/loop.img
queues = 2

[device st]
target = stripe
file = $SCRATCH/s0.img
file = $SCRATCH/s1.img
chunk_size = 64K

[device nl]
target = null
size = 128M
EOF
out=$("$UBLK" -c "$cfg" --check 2>&1) || fail "--check: $out"
[ "$out" = "$cfg: OK (3 devices)" ] || fail "--check printed: $out"

# A missing member is refused at its line, before anything is created.
sed "s|$SCRATCH/s1.img|$SCRATCH/s9.img|" "$cfg" >"$SCRATCH/bad.ini"
expect_fail "^ublk-server: $SCRATCH/bad.ini:12: .*$SCRATCH/s9.img" "$UBLK" -c "$SCRATCH/bad.ini"
assert_no_devices

start_daemon "$cfg"
wait_devices 3
for n in lp st nl; do
	assert_live $n
done
lp=$(dev_of lp) st=$(dev_of st) nl=$(dev_of nl)
[ "$(blockdev --getsize64 /dev/ublkb$lp)" = $((64 << 20)) ] || fail "lp size"
[ "$(blockdev --getsize64 /dev/ublkb$st)" = $((64 << 20)) ] || fail "st size"
[ "$(blockdev --getsize64 /dev/ublkb$nl)" = $((128 << 20)) ] || fail "nl size"
grep -qx "target=stripe" "$RUN/st.state" || fail "st.state: $(cat "$RUN/st.state")"

for n in lp st; do
	run_fio $n --filename=/dev/ublkb$(dev_of $n) --rw=randwrite --bs=64k --iodepth=8 \
		--size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
done
run_fio nl --filename=/dev/ublkb$nl --rw=randrw --bs=4k --iodepth=8 --runtime=2 --time_based

stop_daemon
assert_no_devices
assert_no_state_files
pass "loop $lp, stripe $st, null $nl from one file; fio verify on loop and stripe"
