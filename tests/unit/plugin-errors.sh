#!/bin/sh
# Bad plugins are refused with one line naming the file and the reason,
# before anything touches the kernel (so this runs on the host).
set -u
bin=$abs_top_builddir/ublk-server
tp=$abs_top_builddir/tests/plugins/.libs
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

expect_error "bad_abi.so has ABI version 99.0, this server needs 1.x" \
	"$bin" add -t bad_abi --foreground --plugin-dir "$tp"
expect_error "no_queue_io.so lacks the required callback 'queue_io'" \
	"$bin" add -t no_queue_io --foreground --plugin-dir "$tp"
expect_error "both_apis.so gives both queue_io and pread/pwrite: give one API, not both" \
	"$bin" add -t both_apis --foreground --plugin-dir "$tp"
# Filter stacks: keys are routed before anything touches the kernel.
pd=$(mktemp -d)
trap 'rm -rf "$pd"' EXIT
ln -s "$abs_top_builddir"/plugins/.libs/*.so "$tp"/test_filter_*.so "$pd"/
expect_error "^ublk-server: --mark: key 'mark' is taken by both filter test_filter_a and filter test_filter_b: write test_filter_a.mark or test_filter_b.mark$" \
	"$bin" add -t null --plugin-dir "$pd" --filter test_filter_a --filter test_filter_b --mark x
expect_error "^ublk-server: --nope.mark: key 'nope.mark': this device has no layer named 'nope'" \
	"$bin" add -t null --plugin-dir "$pd" --filter test_filter_a --nope.mark x
expect_error "^ublk-server: --test_filter_a.frob: filter test_filter_a: unknown key 'frob'$" \
	"$bin" add -t null --plugin-dir "$pd" --filter test_filter_a --test_filter_a.frob x
expect_error "^ublk-server: --filter: $pd/loop.so is a target, not a filter$" \
	"$bin" add -t null --plugin-dir "$pd" --filter loop
expect_error "^ublk-server: --filter: filter test_filter_a is given twice$" \
	"$bin" add -t null --plugin-dir "$pd" --filter test_filter_a --filter test_filter_a
expect_error "unknown target 'nope': $tp/nope.so not found" \
	"$bin" add -t nope --foreground --plugin-dir "$tp"
expect_error "^ublk-server: -t: unknown target 'nope'" \
	"$bin" add -t nope --plugin-dir "$tp"
expect_error "--color: unknown parameter 'color' for target null" \
	"$bin" add -t null --color blue --plugin-dir "$abs_top_builddir/plugins/.libs"
expect_error "--size: size: 'huge' is not a size" \
	"$bin" add -t null --size huge --plugin-dir "$abs_top_builddir/plugins/.libs"
expect_error "-q: queues must be a number from 1 to 32, not '33'" \
	"$bin" add -t null -q 33
expect_error "-d: depth must be a number from 1 to 1024, not '12x'" \
	"$bin" add -t null -d 12x
expect_error "unknown command 'frobnicate'" "$bin" frobnicate
UBLK_PLUGIN_DIR=$tp expect_error "bad_abi.so has ABI version" "$bin" add -t bad_abi
[ $fails -eq 0 ]
