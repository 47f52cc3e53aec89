#!/bin/bash
# -e 1 (USER_RECOVERY_FAIL_IO): while the daemon is dead the device stays
# (state FAIL_IO) and IO to it fails at once instead of waiting; after
# `recover` IO works again and the data written before the crash is intact.
# On a kernel without the feature, `add -e 1` fails with one line naming it.
. "${srcdir:-.}/lib.sh"
require_tool cmp

if ! "$UBLK" features | grep -q '^[[:space:]]*USER_RECOVERY_FAIL_IO '; then
	expect_fail "^ublk-server: -e: recovery = fail_io needs the ublk feature USER_RECOVERY_FAIL_IO (Linux 6.13 or newer); this kernel lacks it$" \
		"$UBLK" add -t null -e 1
	assert_no_devices
	pass "kernel $(uname -r): -e 1 refused, naming USER_RECOVERY_FAIL_IO"
fi

scratch_dir
img=$SCRATCH/loop.img
truncate -s 32M "$img"
add_args=(-t loop "$img" -r 1 -e 1)
id=$(add_dev "${add_args[@]}")
dev=/dev/ublkb$id
majmin=$(dev_majmin $id)
pid=$(dev_pid $id)

dd if=/dev/urandom of=$SCRATCH/pattern bs=1M count=4 status=none
dd if=$SCRATCH/pattern of=$dev bs=1M oflag=direct status=none || fail "dd to $dev"

kill -9 $pid
wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
wait_for "[ \"\$(dev_state $id)\" = FAIL_IO ]" 10 || fail "state $(dev_state $id), expected FAIL_IO"
[ -b $dev ] || fail "$dev went away with its daemon"

# Reads and writes fail with an IO error (the kernel answers EIO or, for
# FAIL_IO, BLK_STS_TARGET = EREMOTEIO) well within the timeout.
for op in read write; do
	t0=$(date +%s%N)
	if [ $op = read ]; then
		out=$(timeout 20 dd if=$dev of=/dev/null bs=4k count=16 iflag=direct 2>&1)
	else
		out=$(timeout 20 dd if=/dev/zero of=$dev bs=4k count=16 seek=4096 oflag=direct 2>&1)
	fi
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $rc = 124 ] && fail "$op during the outage hung (20 s)"
	[ $rc = 0 ] && fail "$op during the outage succeeded: $out"
	printf '%s\n' "$out" | grep -q -E 'Input/output error|Remote I/O error' ||
		fail "$op during the outage: not an IO error: $out"
	[ $ms -lt 5000 ] || fail "$op during the outage took $ms ms to fail"
	echo "ok: $op failed in $ms ms: $(printf '%s\n' "$out" | head -1)"
done

out=$(timeout 30 "$UBLK" recover -n $id "${add_args[@]}" 2>&1) || fail "recover: $out"
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after recover"
[ "$(dev_pid $id)" != "$pid" ] || fail "daemon pid unchanged after recover"
[ "$(dev_majmin $id)" = "$majmin" ] || fail "major:minor changed: $(dev_majmin $id), was $majmin"
timeout 20 cmp -n 4194304 $dev $SCRATCH/pattern || fail "data written before the crash differs"
timeout 20 dd if=/dev/zero of=$dev bs=4k count=16 seek=4096 oflag=direct status=none ||
	fail "write after recover failed"
echo "ok: after recover: LIVE, data intact, writes work"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass
