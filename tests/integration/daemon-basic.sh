#!/bin/bash
# Daemon mode: `ublk-server -c FILE` serves three [device] stanzas from one
# process, reports each as "NAME: /dev/ublkbN" once LIVE, with the configured
# sizes and geometry; a state file per device; READY=1 for systemd once all
# are LIVE; fio works on each; SIGTERM deletes everything and exits 0.
. "${srcdir:-.}/daemon-lib.sh"

cfg=$SCRATCH/devices.ini
cat >"$cfg" <<EOF
# three null devices
[global]
run_dir = $RUN
log_level = info

[device alpha]
target = null
size = 1G

[device beta]
target = null
size = 256M   ; inline comment
queues = 1
depth = 64

[device gamma]
target = null
size = 64M    # inline comment too
logical_block_size = 4096
EOF

# systemd's side of sd_notify, when python3 is around to play it.
NPID=
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 - "$SCRATCH/notify.sock" "$SCRATCH/notify.log" >/dev/null 2>&1 <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
with open(sys.argv[2], "a") as log:
    while True:
        msg = s.recv(4096).decode()
        log.write(msg.replace("\n", " ") + "\n")
        log.flush()
        if "STOPPING=1" in msg:
            break
PY
	NPID=$!
	wait_for "[ -S '$SCRATCH/notify.sock' ]" 10 || fail "notify listener did not start"
	export NOTIFY_SOCKET=$SCRATCH/notify.sock
fi

start_daemon "$cfg"
unset NOTIFY_SOCKET
wait_devices 3
for n in alpha beta gamma; do
	assert_live $n
done
a=$(dev_of alpha) b=$(dev_of beta) g=$(dev_of gamma)
[ "$a" != "$b" ] && [ "$b" != "$g" ] && [ "$a" != "$g" ] || fail "ids not distinct: $a $b $g"
[ "$(blockdev --getsize64 /dev/ublkb$a)" = $((1 << 30)) ] || fail "alpha size"
[ "$(blockdev --getsize64 /dev/ublkb$b)" = $((256 << 20)) ] || fail "beta size"
[ "$(blockdev --getsize64 /dev/ublkb$g)" = $((64 << 20)) ] || fail "gamma size"
"$UBLK" list -n $b | grep -q "nr_hw_queues 1 queue_depth 64 " || fail "beta: $("$UBLK" list -n $b)"
"$UBLK" list -n $a | grep -q "nr_hw_queues 2 queue_depth 128 " || fail "alpha: $("$UBLK" list -n $a)"
[ "$(blockdev --getss /dev/ublkb$g)" = 4096 ] || fail "gamma block size $(blockdev --getss /dev/ublkb$g)"

# One state file per device, key=value.
for n in alpha beta gamma; do
	f=$RUN/$n.state
	[ -f "$f" ] || fail "no state file $f: $(ls -la "$RUN")"
	grep -qx "name=$n" "$f" && grep -qx "dev_id=$(dev_of $n)" "$f" &&
		grep -qx "pid=$DPID" "$f" && grep -qx "config=$cfg" "$f" &&
		grep -qx "target=null" "$f" || fail "$f: $(cat "$f")"
done
ls "$RUN" | grep -q '\.tmp$' && fail "temporary files left in $RUN"

if [ -n "$NPID" ]; then
	wait_for "grep -q 'READY=1' '$SCRATCH/notify.log'" 10 || fail "no READY=1"
	grep -q '^READY=1 STATUS=serving 3 of 3 devices$' "$SCRATCH/notify.log" ||
		fail "notify: $(cat "$SCRATCH/notify.log")"
	[ "$(grep -c . "$SCRATCH/notify.log")" = 1 ] || fail "notify before READY: $(cat "$SCRATCH/notify.log")"
fi

for n in alpha beta gamma; do
	run_fio $n --filename=/dev/ublkb$(dev_of $n) --rw=randrw --bs=4k --iodepth=16 \
		--runtime=2 --time_based
done

stop_daemon
assert_no_devices
assert_no_state_files
if [ -n "$NPID" ]; then
	wait "$NPID"
	grep -q '^STOPPING=1$' "$SCRATCH/notify.log" || fail "no STOPPING=1: $(cat "$SCRATCH/notify.log")"
	notified=", READY=1 then STOPPING=1 to NOTIFY_SOCKET"
fi
pass "3 devices ($a $b $g) LIVE with their sizes, fio on each, SIGTERM clean${notified:-}"
