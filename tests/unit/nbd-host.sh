#!/bin/bash
# The nbd plugin's libnbd logic, on this host (no ublk needed): a stand-in
# host (nbd_harness) drives nbd.so against nbdkit on a Unix socket.
#  - data round trips (write, flush, read + compare, trim, zero) at 4k/1M,
#    depth 1/32, 1 and 2 threads, 2 connections per thread;
#  - a server without multi-conn and with a 64K maximum: FLUSH reaches
#    every connection, bigger requests are split;
#  - the server killed twice mid-run and restarted: no error, no mismatch;
#  - down beyond timeout=: EIO, then IO works again once it is back;
#  - back with another size: refused (EIO, logged) until the right one returns;
#  - TLS with a pre-shared key;
#  - bad input: one line each.
set -u
b=${abs_top_builddir:?run through make check}
H=$b/tests/unit/nbd_harness
P=$b/plugins/.libs/nbd.so
command -v nbdkit >/dev/null || { echo "SKIP: nbdkit not installed"; exit 77; }
[ -x "$H" ] && [ -f "$P" ] || { echo "FAIL: $H or $P not built"; exit 1; }

d=$(mktemp -d /tmp/nbd-host.XXXXXX)
sock=$d/s.sock
pids=()
stop_server() {
	[ -f $d/pid ] && kill -9 "$(cat $d/pid)" 2>/dev/null
	rm -f $d/pid "$sock"
	# nbdkit -P writes the pid file only once it listens; it is gone now.
	return 0
}
start_server() {
	stop_server
	nbdkit -U "$sock" -P $d/pid "$@" || { echo "FAIL: nbdkit $*"; exit 1; }
	for _ in $(seq 50); do [ -S "$sock" ] && return 0; sleep 0.1; done
	echo "FAIL: nbdkit $* did not listen"; exit 1
}
trap 'stop_server; rm -rf $d' EXIT
fail() { echo "FAIL: $*"; [ -f $d/out ] && cat $d/out; exit 1; }
ok() { echo "ok: $*"; }

# harness ARGS... : must exit 0
harness() {
	timeout 120 "$H" "$P" "$@" >$d/out 2>&1 || fail "nbd_harness $*"
}

start_server memory 64M
for t in 1 2; do
	for bs in 4096 1048576; do
		for q in 1 32; do
			harness -t $t -q $q -b $bs -n 2 "uri=nbd+unix:///?socket=$sock" connections=2
		done
	done
done
grep -q "caps 0$" $d/out || fail "zero copy offered: $(head -1 $d/out)"
ok "nbdkit memory: 4k/1M x depth 1/32 x 1/2 threads, 2 connections each"

# No multi-conn, 4K..64K blocks: 4 connections each get the FLUSH.
start_server --filter=log --filter=multi-conn --filter=blocksize-policy memory 64M \
	multi-conn-mode=disable blocksize-minimum=4096 blocksize-maximum=65536 \
	blocksize-error-policy=error logfile=$d/log
harness -t 2 -q 8 -b 1048576 -n 1 socket="$sock" connections=2
grep -q "lbs 4096 max_io 65536 " $d/out || fail "limits not applied: $(head -2 $d/out)"
flushes=$(grep -c '\.\.\.Flush .*return=0' $d/log)
[ "$flushes" -eq 8 ] || fail "2 FLUSH x 4 connections: $flushes flushes reached the server"
big=$(grep -c 'Write .*count=0x100000 ' $d/log)
[ "$big" -eq 0 ] || fail "1M writes were not split for a 64K server"
ok "no multi-conn: FLUSH on all 4 connections ($flushes), 1M requests split to 64K"

# TLS (PSK) through the asynchronous path; a plain client is refused.
echo "alice:$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >$d/keys.psk
start_server --tls=require --tls-psk=$d/keys.psk memory 64M
harness -t 2 -q 16 -n 1 "uri=nbds+unix://alice@/?socket=$sock&tls-psk-file=$d/keys.psk"
ok "TLS (PSK) over nbds+unix://"

# Kill and restart (same socket, same file) twice during a run.
truncate -s 64M $d/disk.img
start_server file $d/disk.img
timeout 120 "$H" "$P" -t 2 -q 16 -b 65536 -n 40 socket="$sock" >$d/out 2>&1 &
hp=$!
sleep 1.5
stop_server; sleep 0.7; start_server file $d/disk.img
sleep 1
stop_server; sleep 0.3; start_server file $d/disk.img
wait $hp || fail "run through two server restarts"
grep -q "reconnected" $d/out || fail "no reconnection logged"
ok "server killed twice mid-run: $(grep -c 'thread .: .* 0 errors, 0 EIO, 0 mismatches' $d/out) threads with 0 errors"

# Down past timeout=2: EIO; back: works.
timeout 120 "$H" "$P" -e -q 16 -b 65536 -n 5 socket="$sock" timeout=2 >$d/out 2>&1 &
hp=$!
sleep 1
stop_server; sleep 4; start_server file $d/disk.img
wait $hp || fail "EIO then recovery"
grep -q "no server for 2 s" $d/out || fail "timeout not logged"
ok "down past timeout=2: $(sed -n 's/.* \([0-9]*\) EIO, .*/\1/p' $d/out) requests failed with EIO, then IO works again"

# Back with another size: refused until the right export returns.
truncate -s 32M $d/small.img
timeout 120 "$H" "$P" -e -q 16 -b 65536 -n 5 socket="$sock" timeout=2 >$d/out 2>&1 &
hp=$!
sleep 1
stop_server; start_server file $d/small.img
sleep 4
stop_server; start_server file $d/disk.img
wait $hp || fail "size change refused, then recovery"
grep -q "export is now 33554432 bytes, not 67108864: refused" $d/out || fail "size change not logged"
ok "a 32M export in place of 64M: refused, logged, EIO; the right one: works"

# Bad input: one line, non-zero.
bad() {
	pattern=$1
	shift
	out=$("$H" "$P" "$@" 2>&1) && fail "'$*' succeeded"
	printf '%s\n' "$out" | grep -q -e "$pattern" || fail "'$*': expected /$pattern/, got: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "'$*': more than one line: $out"
}
bad "cannot connect to socket $d/nosuch: connect: No such file or directory" socket=$d/nosuch
bad "cannot connect to nbd://127.0.0.1:1/: .*Connection refused" uri=nbd://127.0.0.1:1/
bad "'nbd:/x' is not an NBD URI" uri=nbd:/x
bad "unable to parse URI" "uri=nbd://[::1"
bad "server refused TLS" "uri=nbds+unix:///?socket=$sock"
bad "server refused TLS" socket="$sock" tls=require
bad "unknown NBD URI scheme: nbd+ssh" uri=nbd+ssh://localhost/
bad "give one of uri, host and socket" host=127.0.0.1 socket=$sock
bad "no server: give uri=" connections=2
bad "connections: '0' is not a number from 1 to 64" socket=$sock connections=0
bad "unknown parameter 'bogus' for target nbd" bogus=1
ok "bad input: one line each"
echo "PASS: nbd-host"
