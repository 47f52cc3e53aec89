#!/bin/bash
# zoned: fio in zoned mode (--zonemode=zbd: sequential writes at the write
# pointers, zone reports, resets) writes over conventional and sequential
# zones and reads back exactly what it wrote (crc32c), on the default data
# path (user copy) and on the zero copy paths this kernel has.
. "${srcdir:-.}/lib.sh"
require_tool fio
require_tool blkzone
require_feature ZONED

features=$("$UBLK" features)
has() { printf '%s\n' "$features" | grep -q "^[[:space:]]*$1 "; }

check_path() {	# NAME [OPTIONS...]
	name=$1
	shift
	id=$(add_dev -t zoned --size 64M --zone_size 4M --conv_zones 1 "$@")
	dev=/dev/ublkb$id
	t0=$SECONDS
	run_fio "zbd$id" --filename=$dev --zonemode=zbd --rw=write --bs=128k --iodepth=4 \
		--size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
	# Zones fio wrote are no longer empty: it really wrote at the pointers.
	blkzone report $dev | grep 'SEQ_WRITE_REQUIRED' | grep -vq 'zcond: 1(em)' ||
		fail "$name: no sequential zone was written"
	"$UBLK" del -n $id || fail "$name: del -n $id"
	echo "ok: $name: fio zbd write + crc32c verify, $((SECONDS - t0)) s"
}

check_path user-copy
if has ZERO_COPY; then check_path zero-copy -z; else echo "no ZERO_COPY: -z not run"; fi
if has AUTO_BUF_REG; then check_path auto-zc --auto_zc; else echo "no AUTO_BUF_REG: --auto_zc not run"; fi
assert_no_devices
pass "${SECONDS} s"
