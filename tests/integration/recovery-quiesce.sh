#!/bin/bash
# quiesce -n ID (UBLK_F_QUIESCE, with recovery): the kernel aborts the
# daemon's IO commands and the device waits, QUIESCED, for a new daemon; our
# daemon sees the abort and exits on its own without deleting the device;
# IO issued meanwhile waits; `recover` brings it back LIVE, that IO and new IO
# complete, data written before is intact. On a kernel without QUIESCE,
# quiesce fails with one line naming the feature.
. "${srcdir:-.}/lib.sh"
require_tool cmp

scratch_dir
img=$SCRATCH/loop.img
truncate -s 32M "$img"

if ! "$UBLK" features | grep -q '^[[:space:]]*QUIESCE '; then
	id=$(add_dev -t loop "$img" -r 1 -i 1)
	expect_fail "^ublk-server: quiesce needs the ublk feature QUIESCE (Linux 6.16 or newer); this kernel lacks it$" \
		"$UBLK" quiesce -n $id
	[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after a refused quiesce"
	"$UBLK" del -n $id || fail "del -n $id"
	assert_no_devices
	pass "kernel $(uname -r): quiesce refused, naming QUIESCE"
fi

add_args=(-t loop "$img" -r 1 -i 1)
id=$(add_dev "${add_args[@]}")
dev=/dev/ublkb$id
majmin=$(dev_majmin $id)
pid=$(dev_pid $id)
dd if=/dev/urandom of=$SCRATCH/pattern bs=1M count=4 status=none
dd if=$SCRATCH/pattern of=$dev bs=1M oflag=direct status=none || fail "dd to $dev"

out=$(timeout 30 "$UBLK" quiesce -n $id 2>&1)
rc=$?
[ $rc = 124 ] && fail "quiesce hung (30 s)"
[ $rc = 0 ] || fail "quiesce failed: $out"
[ "$(dev_state $id)" = QUIESCED ] || fail "state $(dev_state $id) after quiesce, expected QUIESCED"
wait_for "! process_alive $pid" 10 || fail "daemon $pid did not exit after quiesce"
[ -b $dev ] || fail "$dev went away: the daemon deleted its device"
[ "$(dev_state $id)" = QUIESCED ] || fail "state $(dev_state $id) once the daemon left"
echo "ok: QUIESCED, daemon $pid left on its own, $dev kept"

# IO now waits for the next daemon (neither fails nor completes).
timeout 60 cmp -n 4194304 $dev $SCRATCH/pattern >$SCRATCH/cmp.out 2>&1 &
cmp_pid=$!
sleep 2
kill -0 $cmp_pid 2>/dev/null || fail "IO to the quiesced device did not wait: $(cat $SCRATCH/cmp.out)"

out=$(timeout 30 "$UBLK" recover -n $id "${add_args[@]}" 2>&1) || fail "recover: $out"
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after recover"
new=$(dev_pid $id)
[ "$new" != "$pid" ] && process_alive "$new" || fail "no new daemon after recover (pid $new)"
[ "$(dev_majmin $id)" = "$majmin" ] || fail "major:minor changed: $(dev_majmin $id), was $majmin"
wait $cmp_pid || fail "IO held during the quiesce: $(cat $SCRATCH/cmp.out)"
timeout 20 dd if=/dev/zero of=$dev bs=4k count=16 seek=4096 oflag=direct status=none ||
	fail "write after recover failed"
timeout 20 cmp -n 4194304 $dev $SCRATCH/pattern || fail "data differs after recover"
echo "ok: recovered by $new: held IO completed, data intact, writes work"

"$UBLK" del -n $id || fail "del -n $id"
wait_for "! process_alive $new" 10 || fail "daemon $new still running after del"
assert_no_devices
pass
