#!/bin/bash
# Every data path the kernel offers works with the null target, and a path
# the running kernel lacks is refused with one line naming the ublk feature
# and the Linux version that has it, leaving no device. Runs on any kernel.
. "${srcdir:-.}/lib.sh"

features=$("$UBLK" features)
has() { printf '%s\n' "$features" | grep -q "^[[:space:]]*$1 "; }

check_mode() {
	feature=$1 kernel=$2 option=$3
	shift 3
	if has "$feature"; then
		id=$(add_dev -t null --size 1G "$@")
		run_fio "mode$id" --filename=/dev/ublkb$id --rw=randrw --bs=4k \
			--iodepth=32 --runtime=2 --time_based
		"$UBLK" del -n $id || fail "del after $*"
		echo "ok: $* served IO"
	else
		expect_fail "^ublk-server: $option: .* needs the ublk feature $feature (Linux $kernel or newer); this kernel lacks it$" \
			"$UBLK" add -t null "$@"
	fi
	assert_no_devices
}

id=$(add_dev -t null --size 1G --copy)
run_fio copy --filename=/dev/ublkb$id --rw=randrw --bs=4k --iodepth=32 --runtime=2 --time_based
"$UBLK" del -n $id

check_mode ZERO_COPY 6.15 -z -z
check_mode AUTO_BUF_REG 6.16 --auto_zc --auto_zc
check_mode AUTO_BUF_REG 6.16 --auto_zc --auto_zc --auto_zc_fallback
check_mode USER_COPY 6.5 -u -u
check_mode NEED_GET_DATA 6.0 -g -g
check_mode PER_IO_DAEMON 6.16 --per_io_tasks -q 2 --nthreads 4 --per_io_tasks
check_mode BATCH_IO 7.0 -b -b
check_mode BATCH_IO 7.0 -b -b --auto_zc
check_mode USER_RECOVERY_FAIL_IO 6.13 -e -e 1
pass
