#!/bin/bash
# Keys of a filter stack: a bare key that two layers take is refused with one
# line naming the key and both layers, a NAME.key for a layer the device does
# not have likewise, a filter's rejected key names the filter; no device is
# left behind. The deprecated `-t FILTER --backend X` still works, with a
# warning that says how to write it now.
. "${srcdir:-.}/lib.sh"

scratch_dir
pd=$SCRATCH/plugins
mkdir "$pd"
ln -s "$UBLK_PLUGIN_DIR"/*.so "$TEST_PLUGINS"/test_filter_*.so "$pd"/

expect_fail "^ublk-server: --mark: key 'mark' is taken by both filter test_filter_a and filter test_filter_b: write test_filter_a.mark or test_filter_b.mark$" \
	"$UBLK" add -t null --plugin-dir "$pd" --filter test_filter_a --filter test_filter_b --mark x
expect_fail "key 'qos.iops': this device has no layer named 'qos'" \
	"$UBLK" add -t null --plugin-dir "$pd" --filter test_filter_a --qos.iops 5
expect_fail "^ublk-server: --delay_us: filter test_filter_a: delay_us: 'soon' is not a number$" \
	"$UBLK" add -t null --plugin-dir "$pd" --filter test_filter_a --delay_us soon
expect_fail "null.so is a target, not a filter" \
	"$UBLK" add -t null --plugin-dir "$pd" --filter null
assert_no_devices

out=$("$UBLK" add -t test_filter_a --backend null --plugin-dir "$pd" --count_file $SCRATCH/c 2>&1) ||
	fail "deprecated -t test_filter_a --backend null: $out"
printf '%s\n' "$out" | grep -q "'target = test_filter_a' with backend = null is deprecated: write 'target = null' and 'filters = test_filter_a' (-t null --filter test_filter_a)" ||
	fail "no deprecation warning: $out"
id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
[ -n "$id" ] || fail "no device from the deprecated form: $out"
track_dev "$id"
[ "$(blockdev --getsize64 /dev/ublkb$id)" -gt 0 ] || fail "no size"
dd if=/dev/ublkb$id of=/dev/null bs=1M count=4 iflag=direct status=none || fail "read"
"$UBLK" del -n $id || fail "del"
grep -q "bad=0" $SCRATCH/c || fail "filter counters: $(cat $SCRATCH/c)"
assert_no_devices
pass
