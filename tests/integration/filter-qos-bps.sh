#!/bin/bash
# qos.bps=8M over null: fio 64k random reads at QD32 for 10 s measure
# 7.2-8.8 MiB/s; and write_bps=4M limits the writes of a 50/50 mix to
# 3.6-4.4 MiB/s.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"

id=$(add_dev --filter qos --qos.bps 8M -t null --size 1G) || exit 1
run_fio qos-bps --filename=/dev/ublkb$id --rw=randread --bs=64k --iodepth=32 \
	--ramp_time=2 --runtime=10 --time_based
kib=$(fio_field qos-bps 7)
in_range "$kib" 7373 9011 || fail "qos.bps=8M: fio measured $kib KiB/s"
"$UBLK" del -n $id
echo "ok: bps=8M: $kib KiB/s"

id=$(add_dev --filter qos --write_bps 4M -t null --size 1G) || exit 1
run_fio qos-wbps --filename=/dev/ublkb$id --rw=randrw --rwmixread=50 --bs=64k \
	--iodepth=32 --ramp_time=2 --runtime=10 --time_based
wkib=$(fio_field qos-wbps 48)
in_range "$wkib" 3686 4505 || fail "qos.write_bps=4M: fio measured $wkib KiB/s of writes"
"$UBLK" del -n $id
assert_no_devices
pass "bps=8M: $kib KiB/s; write_bps=4M: $wkib KiB/s written"
