#!/bin/bash
# A filter that touches data (tests/plugins/data_filter: inverts every byte,
# no UBLK_CAP_ZERO_COPY) makes the host refuse -z at add time, with one line
# naming the filter and no device left. Without -z the same stack works:
# data reads back as written while the file holds its complement.
. "${srcdir:-.}/lib.sh"
require_feature ZERO_COPY
require_tool cmp
require_tool od

scratch_dir
# One plugin directory with loop and the test filter.
pdir=$SCRATCH/plugins
mkdir "$pdir"
ln -s "$UBLK_PLUGIN_DIR/loop.so" "$pdir/loop.so"
ln -s "$TEST_PLUGINS/data_filter.so" "$pdir/data_filter.so"
img=$SCRATCH/df.img
truncate -s 16M "$img"

expect_fail "data_filter" "$UBLK" add --plugin-dir "$pdir" --filter data_filter -t loop -z "$img"
printf '%s\n' "$out" | grep -qi "zero.copy\|-z" || fail "the refusal does not say zero copy: $out"
assert_no_devices
pgrep -f "$UBLK add" >/dev/null && fail "a daemon was left running"

# Positive control: the filter is loaded and does transform the data.
id=$(add_dev --plugin-dir "$pdir" --filter data_filter -t loop "$img") || exit 1
dev=/dev/ublkb$id
dd if=/dev/urandom of=$SCRATCH/pattern bs=64k count=1 status=none
dd if=$SCRATCH/pattern of=$dev bs=64k seek=1 oflag=direct status=none || fail "dd write"
cmp -n 65536 -i 0:65536 $SCRATCH/pattern $dev || fail "read back through data_filter differs"
"$UBLK" del -n $id || fail "del"
inv=$(dd if="$img" bs=64k skip=1 count=1 status=none | od -An -tx1 -v | tr -d ' \n' | head -c 32)
orig=$(od -An -tx1 -v -N 16 $SCRATCH/pattern | tr -d ' \n')
[ "$inv" != "$orig" ] || fail "the file holds the plain data: data_filter was not in the path"
assert_no_devices
pass
