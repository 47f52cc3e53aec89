#!/bin/bash
# nbd over TLS: nbdkit requiring TLS with a pre-shared key, an nbds+unix://
# URI naming the user and the key file: fio verify through it. Without TLS
# the server refuses the client: one line at add time, no device.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"

echo "alice:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >$SCRATCH/keys.psk
start_nbdkit --tls=require --tls-psk=$SCRATCH/keys.psk memory 64M
expect_fail "server requires TLS encryption first" "$UBLK" add -t nbd "$NBD_URI"
id=$(add_dev -t nbd -q 2 "nbds+unix://alice@/?socket=$NBD_SOCK&tls-psk-file=$SCRATCH/keys.psk")
run_fio nbd-tls --filename=/dev/ublkb$id --rw=randwrite --bs=64k --iodepth=16 --size=16M \
	--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "TLS-PSK export, fio verify (${SECONDS} s)"
