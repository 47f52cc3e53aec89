#!/bin/bash
# On a kernel without them (6.12), batch (-b, also with any --nthreads),
# kernel-registered buffers with --rotate_auto_buf, and --io_desc_size are
# each refused with one line naming the ublk feature and the Linux version,
# and no device is left. Skips where the kernel has all of them.
. "${srcdir:-.}/lib.sh"

features=$("$UBLK" features)
has() { printf '%s\n' "$features" | grep -q "^[[:space:]]*$1 "; }
lacks() { local f=$1; shift; has "$f" || expect_fail "$@"; }
needs() { echo "^ublk-server: $1: .* needs the ublk feature $2 (Linux $3 or newer); this kernel lacks it$"; }

has BATCH_IO && has AUTO_BUF_REG && has IO_DESC_SIZE && skip "kernel $(uname -r) has every feature"
lacks BATCH_IO "$(needs -b BATCH_IO 7.0)" "$UBLK" add -t null -b
lacks BATCH_IO "$(needs -b BATCH_IO 7.0)" "$UBLK" add -t null -q 1 --nthreads 4 -b
lacks BATCH_IO "$(needs -b BATCH_IO 7.0)" "$UBLK" add -t null -q 4 --nthreads 1 -b
lacks AUTO_BUF_REG "$(needs --auto_zc AUTO_BUF_REG 6.16)" \
	"$UBLK" add -t null --auto_zc --rotate_auto_buf
lacks IO_DESC_SIZE "$(needs --io_desc_size IO_DESC_SIZE 7.3)" \
	"$UBLK" add -t null --io_desc_size 64
assert_no_devices
pass
