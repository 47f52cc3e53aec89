#!/bin/bash
# kill -9 and `recover` with the add options work on every data path the
# running kernel offers (auto, --copy, -z, --auto_zc, -u, -g, --per_io_tasks,
# -b): the new daemon speaks the device's IO commands and IO works again.
. "${srcdir:-.}/lib.sh"

features=$("$UBLK" features)
has() { printf '%s\n' "$features" | grep -q "^[[:space:]]*$1 "; }

done_modes=()
check_mode() {
	feature=$1
	shift
	[ -z "$feature" ] || has "$feature" || return 0
	id=$(add_dev -t null --size 64M -r 1 -i 1 "$@")
	pid=$(dev_pid $id)
	kill -9 $pid
	wait_for "! process_alive $pid" 10 || fail "$*: daemon $pid survived kill -9"
	out=$(timeout 30 "$UBLK" recover -n $id -t null --size 64M -r 1 -i 1 "$@" 2>&1)
	rc=$?
	[ $rc = 124 ] && fail "recover $* hung"
	[ $rc = 0 ] || fail "recover $*: $out"
	[ "$(dev_state $id)" = LIVE ] || fail "$*: state $(dev_state $id) after recover"
	timeout 20 dd if=/dev/ublkb$id of=/dev/null bs=64k count=64 iflag=direct status=none ||
		fail "$*: read after recover"
	timeout 20 dd if=/dev/zero of=/dev/ublkb$id bs=64k count=64 oflag=direct status=none ||
		fail "$*: write after recover"
	"$UBLK" del -n $id || fail "del after $*"
	done_modes+=("${*:-auto}")
}

check_mode ""
check_mode "" --copy
check_mode ZERO_COPY -z
check_mode AUTO_BUF_REG --auto_zc
check_mode AUTO_BUF_REG --auto_zc --auto_zc_fallback
check_mode USER_COPY -u
check_mode NEED_GET_DATA -g
check_mode PER_IO_DAEMON -q 2 --nthreads 4 --per_io_tasks
check_mode BATCH_IO -b
assert_no_devices
pass "recovered: $(printf '[%s] ' "${done_modes[@]}")"
