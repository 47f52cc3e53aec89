#!/bin/bash
# set_params (kublk 7.3): ADD_DEV + SET_PARAMS + DEL_DEV without START_DEV.
# Parameters the kernel takes: exit 0 and one line; parameters it refuses:
# one error line and exit 1. Never a device left behind, and the id given
# with -n is free again afterwards.
. "${srcdir:-.}/lib.sh"
require_driver

ok() {
	out=$("$UBLK" set_params "$@" 2>&1) || fail "set_params $* refused: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "set_params $*: not one line: $out"
	printf '%s\n' "$out" | grep -q "^SET_PARAMS returned 0" || fail "set_params $*: $out"
	echo "ok: $* -> $out"
}
refused() {
	expect_fail "the kernel refuses the parameters: Invalid argument" "$UBLK" set_params "$@"
}

ok
ok -q 4 -d 64 --logical_bs_shift 12 --physical_bs_shift 12 --io_min_shift 12 \
	--io_opt_shift 16 --max_sectors 256 --dev_sectors 1048576
ok -n 77
ok --param_types basic,dma_align,segment --dma_alignment 511 --max_segments 16
refused --param_types none
refused --logical_bs_shift 8
refused --logical_bs_shift 12 --physical_bs_shift 9
refused --max_sectors 4096	# 2 MiB requests on a device of 1 MiB buffers
expect_fail "not a set_params option" "$UBLK" set_params --bogus 1
expect_fail "-z: not a set_params option" "$UBLK" set_params -z
expect_fail "--zoned is an option of 'set_params' only" "$UBLK" add -t null --zoned
expect_fail "--safe is an option of 'stop' only" "$UBLK" del -n 0 --safe
expect_fail "is not a parameter type" "$UBLK" set_params --param_types basic,nope
assert_no_devices
[ -e /dev/ublkc77 ] && fail "/dev/ublkc77 left"
pass
