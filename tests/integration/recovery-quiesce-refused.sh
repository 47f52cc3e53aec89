#!/bin/bash
# quiesce -n ID of a device added without recovery (no QUIESCE flag) fails
# with one line and leaves it LIVE; of a device that does not exist, too.
. "${srcdir:-.}/lib.sh"
require_feature QUIESCE

# Without recovery the device has no QUIESCE flag.
id=$(add_dev -t null --size 64M)
expect_fail "^ublk-server: device $id: quiesce needs a device added with recovery (-r 1, -i 1 or -e 1)$" \
	"$UBLK" quiesce -n $id
[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after a refused quiesce"
"$UBLK" del -n $id || fail "del -n $id"
expect_fail "^ublk-server: device $id: no such device$" "$UBLK" quiesce -n $id

assert_no_devices
pass
