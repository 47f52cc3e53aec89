#!/bin/bash
# ublk_device_resized() from a layer's IO thread: growing to a multiple of
# the block size resizes the block device (UPDATE_SIZE) and IO reaches the
# new end; shrinking is refused with -EPERM and a size that is not a
# multiple of the block size with -EINVAL, the device keeping its size.
. "${srcdir:-.}/lib.sh"
require_feature UPDATE_SIZE

scratch_dir
pd=$SCRATCH/plugins
mkdir "$pd"
ln -s "$UBLK_PLUGIN_DIR"/*.so "$TEST_PLUGINS"/test_filter_*.so "$pd"/

# resized_to SIZE EXPECT_RET EXPECT_SIZE
resized_to() {
	cnt=$SCRATCH/r.$1
	id=$(add_dev -t null --size 16M --plugin-dir "$pd" --filter test_filter_a \
		--grow_to $1 --count_file $cnt)
	dev=/dev/ublkb$id
	dd if=$dev of=/dev/null bs=4k count=1 iflag=direct status=none || fail "first read"
	if [ $3 != $((16 << 20)) ]; then
		wait_for "[ \$(blockdev --getsize64 $dev) = $3 ]" 20 ||
			fail "grow_to $1: size stays $(blockdev --getsize64 $dev), expected $3"
		dd if=$dev of=/dev/null bs=4k count=1 skip=$((($3 >> 12) - 1)) iflag=direct \
			status=none || fail "grow_to $1: read at the new end failed"
	else
		sleep 1
		[ "$(blockdev --getsize64 $dev)" = $3 ] || fail "grow_to $1: size changed"
	fi
	"$UBLK" del -n $id || fail "del"
	grep -q " resized=$2 " $cnt || fail "grow_to $1: expected resized=$2: $(cat $cnt)"
	echo "ok: grow_to $1 -> $2, $3 bytes"
}

resized_to 32M 0 $((32 << 20))
resized_to 8M -1 $((16 << 20))
resized_to 33554433 -22 $((16 << 20))
assert_no_devices
pass
