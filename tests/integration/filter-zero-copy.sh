#!/bin/bash
# Zero copy through filters is decided at add time from the stack's combined
# capabilities: -z over a filter that touches data is refused before any
# device exists (one line naming the filter); over a pass-through filter on
# loop it is accepted and fio verify passes.
. "${srcdir:-.}/lib.sh"
require_feature ZERO_COPY

scratch_dir
img=$SCRATCH/zc.img
truncate -s 32M "$img"
pd=$SCRATCH/plugins
mkdir "$pd"
ln -s "$UBLK_PLUGIN_DIR"/*.so "$TEST_PLUGINS"/test_filter_*.so "$pd"/

expect_fail "-z: filter test_filter_b touches request data: no zero copy through it" \
	"$UBLK" add -t loop -z --plugin-dir "$pd" --filter test_filter_a --filter test_filter_b "$img"
assert_no_devices

id=$(add_dev -t loop -z --plugin-dir "$pd" --filter test_filter_a \
	--count_file $SCRATCH/a.cnt "$img")
run_fio "zcf-$id" --filename=/dev/ublkb$id --rw=randwrite --bs=4k-1M --iodepth=16 \
	--size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del -n $id"
grep -q "bad=0" $SCRATCH/a.cnt || fail "the filter saw wrong request fields: $(cat $SCRATCH/a.cnt)"
assert_no_devices
pass
