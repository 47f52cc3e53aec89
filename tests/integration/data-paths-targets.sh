#!/bin/bash
# Every data path the running kernel offers moves real data: loop passes a
# fio crc32c verify and stripe carries an ext4 file system (mkfs, write,
# fsck clean, checksum after remount) in copy, zero copy, auto zc (with and
# without fallback), user copy, get_data, per_io_tasks and batch modes.
# Modes this kernel lacks are covered by data-paths.sh (refused cleanly).
. "${srcdir:-.}/lib.sh"
require_tool mkfs.ext4
require_tool fsck.ext4

features=$("$UBLK" features)
has() {
	for f in "$@"; do
		printf '%s\n' "$features" | grep -q "^[[:space:]]*$f " || return 1
	done
}

scratch_dir
img=$SCRATCH/loop.img a=$SCRATCH/a.img b=$SCRATCH/b.img mnt=$SCRATCH/mnt
truncate -s 32M "$img" "$a" "$b"
mkdir -p "$mnt"

check_mode() {	# NAME FEATURES -- OPTIONS
	name=$1 feats=$2
	shift 3
	# shellcheck disable=SC2086
	if ! has $feats; then
		echo "this kernel lacks $feats: $name covered by data-paths.sh"
		return
	fi
	id=$(add_dev -t loop "$@" "$img")
	run_fio "paths$id" --filename=/dev/ublkb$id --rw=randwrite --bs=64k --iodepth=16 \
		--size=4M --offset=$((RANDOM % 16))M --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --verify_state_save=0
	"$UBLK" del -n $id || fail "$name: del loop"

	id=$(add_dev -t stripe --chunk_size 16K "$@" "$a" "$b")
	mkfs.ext4 -q -F /dev/ublkb$id || fail "$name: mkfs"
	mount /dev/ublkb$id "$mnt" || fail "$name: mount"
	dd if=/dev/urandom of="$mnt/f" bs=64k count=64 status=none
	sum=$(sha256sum <"$mnt/f")
	umount "$mnt"
	fsck.ext4 -fn /dev/ublkb$id >/dev/null 2>&1 || fail "$name: fsck found errors"
	mount /dev/ublkb$id "$mnt" || fail "$name: remount"
	[ "$(sha256sum <"$mnt/f")" = "$sum" ] || fail "$name: file changed after remount"
	umount "$mnt"
	"$UBLK" del -n $id || fail "$name: del stripe"
	assert_no_devices
	echo "ok: $name: loop verify, stripe ext4"
}

check_mode copy "" -- --copy
check_mode zero-copy "ZERO_COPY" -- -z
check_mode auto-zc "AUTO_BUF_REG" -- --auto_zc
check_mode auto-zc-fallback "AUTO_BUF_REG ZERO_COPY" -- --auto_zc --auto_zc_fallback
check_mode user-copy "USER_COPY" -- -u
check_mode get-data "NEED_GET_DATA" -- -g
check_mode per-io-tasks "PER_IO_DAEMON" -- -q 2 --nthreads 4 --per_io_tasks
check_mode batch "BATCH_IO" -- -b
check_mode batch-auto-zc "BATCH_IO AUTO_BUF_REG" -- -b --auto_zc
pass "$SECONDS s"
