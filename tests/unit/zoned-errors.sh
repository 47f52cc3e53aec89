#!/bin/sh
# The zoned target refuses geometries the kernel would not take, in one
# line naming the target, before anything touches the kernel (so this runs
# on the host). The data path refusals are in test_zoned.
set -u
bin=$abs_top_builddir/ublk-server
export UBLK_PLUGIN_DIR=$abs_top_builddir/plugins/.libs
fails=0

expect_error() {
	pattern=$1
	shift
	out=$("$@" 2>&1)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc -eq 0 ] || ! printf '%s' "$out" | grep -q -e "$pattern" || [ "$lines" -ne 1 ]; then
		echo "FAIL: $* -> rc=$rc output:"
		printf '%s\n' "$out"
		fails=$((fails + 1))
	else
		echo "ok: $out"
	fi
}

Z="$bin add -t zoned --foreground --size 64M --zone_size 4M"
expect_error "target zoned: zone_size 3145728 is not a power of two" \
	"$bin" add -t zoned --foreground --zone_size 3M
expect_error "target zoned: size 104857600 is not a positive multiple of zone_size 67108864" \
	"$bin" add -t zoned --foreground --size 100M --zone_size 64M
expect_error "target zoned: conv_zones=16 leaves no sequential zone of the 16" $Z --conv_zones 16
expect_error "target zoned: max_open=4 exceeds max_active=2" $Z --max_open 4 --max_active 2
expect_error "target zoned: max_open/max_active 17/0 exceed the 16 zones" $Z --max_open 17
expect_error "target zoned: state=/nonexistent/z.state needs file=" $Z --state /nonexistent/z.state
expect_error "^ublk-server: --max_open: max_open: 'x' is not a number of zones$" $Z --max_open x
exit $fails
