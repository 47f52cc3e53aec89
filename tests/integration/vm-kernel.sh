#!/bin/sh
# vm-kernel.sh - the test VM booted the requested kernel and has ublk.
#
# Runs inside the VM (tests/vm/run-vm exports UBLK_TEST_KERNEL, the
# selector, and UBLK_TEST_KERNEL_VERSION, the version it booted).
# Automake protocol: 0 pass, 1 fail, 77 skip.
set -eu

fail() { echo "FAIL: $*" >&2; exit 1; }

[ -n "${UBLK_TEST_KERNEL_VERSION:-}" ] ||
	fail "not in the test VM (UBLK_TEST_KERNEL_VERSION unset; use tests/vm/run-vm)"
[ -n "${UBLK_TEST_KERNEL:-}" ] || fail "UBLK_TEST_KERNEL unset"

rel=$(uname -r)
[ "$rel" = "$UBLK_TEST_KERNEL_VERSION" ] ||
	fail "booted $rel, expected $UBLK_TEST_KERNEL_VERSION"
case $rel in
"$UBLK_TEST_KERNEL".*) ;;
*) fail "kernel $rel does not match selector $UBLK_TEST_KERNEL" ;;
esac

[ -c /dev/ublk-control ] || fail "/dev/ublk-control missing or not a char device"
grep -q '^ublk_drv ' /proc/modules || [ -d /sys/module/ublk_drv ] ||
	fail "ublk_drv not loaded"

echo "PASS: kernel $rel, /dev/ublk-control present"
