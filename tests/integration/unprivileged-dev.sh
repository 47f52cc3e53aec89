#!/bin/bash
# add --unprivileged by a user who is not root (uid 4001): the device's nodes
# belong to that user, who serves it and does verified IO on it; another
# user (uid 4002) can neither open it nor delete it, nor add a device
# without --unprivileged. The VM has no udevd: the test applies what
# data/99-ublk-unprivileged.rules does by hand: mode 0666 on
# /dev/ublk-control (the rule's MODE), and the rule's RUN helper
# (ublk-chown, built from data/ublk-chown.in) on every new ublk node,
# from a loop standing in for udev.
. "${srcdir:-.}/lib.sh"
require_feature UNPRIVILEGED_DEV
require_tool setpriv
require_tool fio
helper=$abs_top_builddir/ublk-chown
[ -x "$helper" ] || fail "$helper is not built"

ctl_mode=$(stat -c %a /dev/ublk-control)
udev_pid=
restore() {
	[ -n "$udev_pid" ] && kill "$udev_pid" 2>/dev/null && wait "$udev_pid" 2>/dev/null
	chmod "$ctl_mode" /dev/ublk-control
}
trap 'rc=$?; restore; (exit $rc); on_exit' EXIT
chmod 0666 /dev/ublk-control

# udev's part: ublk-chown for each node that appears (name and inode: a new node).
udev_stand_in() {
	local n key
	while [ -d "$TEST_STATE" ]; do
		for n in /dev/ublkc* /dev/ublkb*; do
			[ -e "$n" ] || continue
			key=$TEST_STATE/udev.${n##*/}.$(stat -c %i "$n" 2>/dev/null)
			[ -e "$key" ] && continue
			UBLK_SERVER=$UBLK "$helper" "${n##*/}" && : >"$key"
		done
		sleep 0.05
	done
}
udev_stand_in &
udev_pid=$!

scratch_dir
chmod 755 "$SCRATCH"
for u in 4001 4002; do
	mkdir -m 700 "$SCRATCH/u$u"
	chown $u:$u "$SCRATCH/u$u"
done
as() {
	local u=$1
	shift
	setpriv --reuid=$u --regid=$u --clear-groups \
		env XDG_RUNTIME_DIR="$SCRATCH/u$u" HOME="$SCRATCH/u$u" "$@"
}
img=$SCRATCH/u4001/disk.img
as 4001 truncate -s 32M "$img"

out=$(as 4001 "$UBLK" add -t loop --unprivileged "$img" 2>&1) || fail "add as uid 4001: $out"
id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
[ -n "$id" ] || fail "add as uid 4001 printed no 'dev id N:' line: $out"
track_dev "$id"
track_pid "$(dev_pid "$id")"
printf '%s\n' "$out" | grep -q 'flags 0x[0-9a-f]*' || fail "no flags in: $out"
flags=$(printf '%s\n' "$out" | sed -n 's/.*flags \(0x[0-9a-f]*\).*/\1/p')
[ $((flags & 0x20)) != 0 ] || fail "device $id flags $flags lack UNPRIVILEGED_DEV"
for n in /dev/ublkc$id /dev/ublkb$id; do
	wait_for "[ \"\$(stat -c '%u %g %a' $n)\" = '4001 4001 600' ]" 5 ||
		fail "$n: $(stat -c '%u %g %a' $n), expected 4001 4001 600"
done
pid=$(dev_pid $id)
[ "$(stat -c %u /proc/$pid)" = 4001 ] || fail "daemon $pid runs as uid $(stat -c %u /proc/$pid)"
echo "ok: uid 4001 added device $id, served by its daemon $pid; nodes 4001:4001 0600"

as 4001 fio --name=unpriv --filename=/dev/ublkb$id --ioengine=io_uring --direct=1 \
	--rw=randwrite --bs=64k --iodepth=8 --size=16M --verify=crc32c --do_verify=1 \
	--verify_fatal=1 --verify_state_save=0 --output=/dev/null ||
	fail "fio verify as uid 4001 on /dev/ublkb$id"
echo "ok: uid 4001: fio verify on its device"

out=$(as 4002 dd if=/dev/ublkb$id of=/dev/null bs=4k count=1 2>&1) && fail "uid 4002 read /dev/ublkb$id"
printf '%s\n' "$out" | grep -q "Permission denied" || fail "uid 4002 open: $out"
expect_fail "^ublk-server: device $id: Permission denied$" as 4002 "$UBLK" del -n $id
[ "$(dev_state $id)" = LIVE ] || fail "device $id $(dev_state $id) after uid 4002's del"
expect_fail "a user who is not root needs --unprivileged" as 4002 "$UBLK" add -t null
echo "ok: uid 4002 can neither open nor delete it, nor add a privileged device"

as 4001 "$UBLK" list -n $id >/dev/null || fail "uid 4001: list -n $id"
as 4001 "$UBLK" del -n $id || fail "uid 4001: del -n $id"
wait_for "! process_alive $pid" 10 || fail "daemon $pid still running after del"
assert_no_devices
pass "${SECONDS} s"
