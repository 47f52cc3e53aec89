#!/bin/bash
# A kernel without UBLK_F_SHMEM_ZC (before Linux 7.1): --shmem_zc and --htlb
# are refused with one line naming the feature, and no device is left.
. "${srcdir:-.}/lib.sh"
"$UBLK" features | grep -q "^[[:space:]]*SHMEM_ZC " && skip "kernel $(uname -r) has SHMEM_ZC"
expect_fail "^ublk-server: --shmem_zc: shmem_zc needs the ublk feature SHMEM_ZC (Linux 7.1 or newer); this kernel lacks it$" \
	"$UBLK" add -t null --shmem_zc
expect_fail "^ublk-server: --htlb: htlb needs the ublk feature SHMEM_ZC (Linux 7.1 or newer); this kernel lacks it$" \
	"$UBLK" add -t null --htlb /dev/shm/none
assert_no_devices
pass
