#!/bin/bash
# Bad nbd configurations fail at add time with one line (FILE:LINE in
# daemon mode) and leave no device: unreachable server, unknown export,
# malformed URI, TLS asked of a server without it, conflicting keys, and
# zero copy (libnbd needs the data in user memory).
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/nbd-lib.sh"

img=$SCRATCH/disk.img
truncate -s 16M "$img"
start_qemu_nbd disk -f raw "$img"
s=$NBD_SOCK

expect_fail "cannot connect to nbd://127.0.0.1:1/: .*Connection refused$" \
	"$UBLK" add -t nbd nbd://127.0.0.1:1/
expect_fail "cannot connect to socket $SCRATCH/nosuch.sock: connect: No such file or directory$" \
	"$UBLK" add -t nbd --socket $SCRATCH/nosuch.sock
expect_fail "server has no export named 'nosuch'" \
	"$UBLK" add -t nbd "nbd+unix:///nosuch?socket=$s"
expect_fail "'nbd:/disk' is not an NBD URI" "$UBLK" add -t nbd nbd:/disk
expect_fail "unable to parse URI" "$UBLK" add -t nbd "nbd://[::1"
expect_fail "unknown NBD URI scheme: nbd+ssh" "$UBLK" add -t nbd nbd+ssh://localhost/disk
expect_fail "server refused TLS" "$UBLK" add -t nbd "nbds+unix:///disk?socket=$s"
expect_fail "server refused TLS" "$UBLK" add -t nbd --socket $s --export disk --tls require
expect_fail "give one of uri, host and socket, not several" \
	"$UBLK" add -t nbd --host 127.0.0.1 --socket $s
expect_fail "no server: give uri=" "$UBLK" add -t nbd
expect_fail "connections: '0' is not a number from 1 to 64$" \
	"$UBLK" add -t nbd --connections 0 "nbd+unix:///disk?socket=$s"
# Zero copy, with a server that works.
expect_fail "target nbd cannot do zero copy" "$UBLK" add -t nbd -z "nbd+unix:///disk?socket=$s"
expect_fail "target nbd cannot do zero copy" "$UBLK" add -t nbd --auto_zc "nbd+unix:///disk?socket=$s"
assert_no_devices

# Daemon mode: the line of the stanza.
cfg=$SCRATCH/bad.ini
printf '[global]\nrun_dir = %s\n\n[device net]\ntarget = nbd\nuri = nbd+unix:///nosuch?socket=%s\n' \
	"$RUN" "$s" >"$cfg"
expect_fail "^ublk-server: $cfg:[0-9]*: .*server has no export named 'nosuch'" "$UBLK" -c "$cfg"
printf '[global]\nrun_dir = %s\n\n[device net]\ntarget = nbd\nuri = nbd:/x\n' "$RUN" >"$cfg"
expect_fail "^ublk-server: $cfg:6: .*'nbd:/x' is not an NBD URI" "$UBLK" -c "$cfg"
assert_no_devices
pgrep -f "$UBLK add" >/dev/null && fail "a daemon was left running"
pass
