#!/bin/bash
# Filters in daemon mode: a stanza with `filters = fault_inject, qos` over
# loop takes namespaced (fault_inject.fail_range) and bare (iops) filter
# keys: IO in the range fails, IO elsewhere works and is limited; a bad
# filter key is refused at its FILE:LINE with the filter named.
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/filter-lib.sh"

truncate -s 32M "$SCRATCH/lp.img"
cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF2
[global]
run_dir = $RUN

[device fl]
target = loop
file = $SCRATCH/lp.img
filters = fault_inject, qos
fault_inject.fail_range = 1M-2M
iops = 200
EOF2

sed 's/^iops = 200$/qos.iops = fast/' "$cfg" >"$SCRATCH/bad.ini"
expect_fail "^ublk-server: $SCRATCH/bad.ini:9: .*filter qos: iops: 'fast'" "$UBLK" -c "$SCRATCH/bad.ini"
assert_no_devices

start_daemon "$cfg"
wait_devices 1
id=$(dev_of fl)
dev=/dev/ublkb$id
dd if=$dev of=/dev/null bs=4k count=1 skip=300 iflag=direct status=none 2>/dev/null &&
	fail "read in fault_inject.fail_range succeeded"
dd if=$dev of=/dev/null bs=4k count=1 skip=1024 iflag=direct status=none ||
	fail "read outside fail_range failed"
run_fio ini-qos --filename=$dev --rw=randread --bs=4k --iodepth=16 --offset=4M --size=16M \
	--ramp_time=2 --runtime=5 --time_based
iops=$(fio_field ini-qos 8)
in_range "$iops" 170 230 || fail "iops = 200 in the stanza: fio measured $iops IOPS"
stop_daemon
assert_no_devices
pass "fail_range and iops = 200 ($iops IOPS measured) from the stanza"
