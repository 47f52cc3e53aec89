#!/bin/bash
# A simple-API target (the ramdisk example) under every copy data path the
# kernel offers: copy, user copy, NEED_GET_DATA, batch, per-IO tasks with
# more IO threads than queues. fio crc32c verify passes on each; zero copy
# is refused at add time in one line (workers only get plain buffers).
. "${srcdir:-.}/lib.sh"
require_driver

features=$("$UBLK" features)
has() { printf '%s\n' "$features" | grep -q "^[[:space:]]*$1 "; }

verify() {
	local feature=$1
	shift
	if [ -n "$feature" ] && ! has "$feature"; then
		echo "skip: $* (kernel lacks $feature)"
		return
	fi
	id=$(add_dev -t ramdisk --size 128M --workers 4 --plugin-dir "$TEST_PLUGINS" "$@")
	run_fio "simple$id" --filename=/dev/ublkb$id --rw=randwrite --bs=4k --iodepth=32 \
		--size=32M --numjobs=2 --offset_increment=32M --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --verify_state_save=0
	"$UBLK" del -n $id || fail "del after $*"
	echo "ok: ${*:-copy}: fio crc32c verify"
	served=$((served + 1))
}

served=0
verify "" -q 2
verify USER_COPY -q 2 -u
verify NEED_GET_DATA -q 2 -g
verify BATCH_IO -q 2 -b
verify PER_IO_DAEMON -q 2 --nthreads 4 --per_io_tasks
[ $served -ge 2 ] || fail "only $served data paths ran"
expect_fail "target ramdisk cannot do zero copy" \
	"$UBLK" add -t ramdisk -z --plugin-dir "$TEST_PLUGINS"
assert_no_devices
pass "$served data paths"
