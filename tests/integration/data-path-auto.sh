#!/bin/bash
# data_path = auto, the default: with no data path option each device runs
# the fastest path the running kernel and its target allow, and `list` /
# `list --json` say which and why. Loop (zero copy target): auto_zc with the
# fallback where the kernel has AUTO_BUF_REG, zero copy where it has only
# that, else copy (6.12). Null (never touches data): zero copy, else user
# copy, else copy. --copy and -z force their path. Loop data is verified on
# the chosen path. Runs on any kernel (smoke-6.12.list).
. "${srcdir:-.}/lib.sh"

features=$("$UBLK" features)
has() { printf '%s\n' "$features" | grep -q "^[[:space:]]*$1 "; }

# expect_path ID PATH REASON: what list and list --json say, exactly.
expect_path() {
	local line lj
	line=$(dev_field "$1" 's/^\tdata path \(.*\)$/\1/p')
	[ "$line" = "$2 ($3)" ] || fail "dev $1: list says 'data path $line', expected '$2 ($3)'"
	lj=$("$UBLK" list -n "$1" --json) || fail "list --json -n $1"
	[ "$(printf '%s' "$lj" | jq -r '.devices[0] | .data_path + " (" + .data_path_reason + ")"')" = "$line" ] ||
		fail "dev $1: list --json disagrees with list ($line): $lj"
	echo "ok: dev $1: data path $line"
}

if has AUTO_BUF_REG; then
	if has ZERO_COPY; then
		loop_path=auto_zc loop_why="auto: kernel has AUTO_BUF_REG (fallback: ZERO_COPY), target supports zero copy"
	else
		loop_path=auto_zc loop_why="auto: kernel has AUTO_BUF_REG, target supports zero copy"
	fi
elif has ZERO_COPY; then
	loop_path=zero_copy loop_why="auto: kernel has ZERO_COPY but not AUTO_BUF_REG, target supports zero copy"
else
	loop_path=copy loop_why="auto: kernel has neither AUTO_BUF_REG nor ZERO_COPY"
fi
if has ZERO_COPY; then
	null_path=zero_copy null_why="auto: target never touches data, kernel has ZERO_COPY: no bytes move"
elif has USER_COPY; then
	null_path=user_copy null_why="auto: target never touches data, kernel has USER_COPY but not ZERO_COPY: no bytes move"
else
	null_path=copy null_why="auto: kernel has neither AUTO_BUF_REG nor ZERO_COPY"
fi

scratch_dir
img=$SCRATCH/auto.img
truncate -s 32M "$img"

id=$(add_dev -t loop "$img")
expect_path $id $loop_path "$loop_why"
run_fio "auto$id" --filename=/dev/ublkb$id --rw=randwrite --bs=64k --iodepth=16 --size=4M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del loop"

id=$(add_dev -t null --size 64M)
expect_path $id $null_path "$null_why"
timeout 20 dd if=/dev/ublkb$id of=/dev/null bs=64k count=64 iflag=direct status=none ||
	fail "null read on $null_path"
"$UBLK" del -n $id || fail "del null"

# Forced paths stay what the user asked for.
id=$(add_dev -t loop --copy "$img")
expect_path $id copy "set by --copy"
"$UBLK" del -n $id || fail "del loop --copy"
if has ZERO_COPY; then
	id=$(add_dev -t loop -z "$img")
	expect_path $id zero_copy "set by -z"
	"$UBLK" del -n $id || fail "del loop -z"
fi
expect_fail "^ublk-server: --copy: data_path = copy (--copy) excludes user_copy$" \
	"$UBLK" add -t loop --copy -u "$img"
assert_no_devices
pass
