#!/bin/bash
# `features` names every flag the driver reports: no "unknown" for known bits.
. "${srcdir:-.}/lib.sh"

out=$("$UBLK" features) || fail "features failed"
echo "$out"
mask=$(echo "$out" | sed -n 's/^ublk_drv features: \(0x[0-9a-f]*\)$/\1/p')
[ -n "$mask" ] || fail "no mask line"
lines=$(echo "$out" | grep -c '^[[:space:]]')
bits=0
m=$((mask))
while [ $m -ne 0 ]; do bits=$((bits + (m & 1))); m=$((m >> 1)); done
[ "$lines" = "$bits" ] || fail "$bits bits set, $lines lines"
# Every bit up to IO_DESC_SIZE (bit 20) has a name.
if [ $((mask & 0x1fffff)) -ne 0 ]; then
	echo "$out" | grep -q unknown && [ $((mask >> 21)) -eq 0 ] && fail "unknown name for a known bit"
fi
for f in CMD_IOCTL_ENCODE USER_RECOVERY USER_COPY; do
	echo "$out" | grep -q "^[[:space:]]*$f " || fail "$f missing"
done
pass
