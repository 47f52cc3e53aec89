#!/bin/bash
# Daemon logs for journald: with stderr being $JOURNAL_STREAM (as systemd
# sets it) or log_syslog_prefix = on, every line starts with its syslog
# priority, <6> info, <4> warning; lines about a device name its stanza.
# Without either, lines keep the plain "ublk-server: " form.
. "${srcdir:-.}/daemon-lib.sh"

cat >$SCRATCH/l.ini <<EOC
[global]
run_dir = $RUN

[device logged]
target = null
size = 64M
EOC

# auto: JOURNAL_STREAM names stderr's device:inode.
: >"$DERR"
JOURNAL_STREAM=$(stat -c '%d:%i' "$DERR") start_daemon $SCRATCH/l.ini
wait_devices 1
sed -i 's/^size = 64M/size = 32M/' $SCRATCH/l.ini
kill -HUP $DPID
wait_log '^<4>.*\[device logged\] changed'
stop_daemon
cat "$DERR"
bad=$(grep -v '^<[0-7]>' "$DERR")
[ -z "$bad" ] || fail "lines without a priority: $bad"
grep -q '^<6>.*serving 1 of 1 devices' "$DERR" || fail "no <6> info line"
unnamed=$(grep -E 'ublkb[0-9]|dev(ice)? [0-9]' "$DERR" | grep -v '\[device logged\]')
[ -z "$unnamed" ] || fail "device lines without the stanza name: $unnamed"
echo "ok: JOURNAL_STREAM: priorities on every line"

# A JOURNAL_STREAM for another stream (inherited by a child): plain lines.
JOURNAL_STREAM=1:1 start_daemon $SCRATCH/l.ini
wait_devices 1
stop_daemon
grep -q '^ublk-server: .*serving 1 of 1' "$DERR" || fail "plain form expected: $(cat "$DERR")"
grep -q '^<' "$DERR" && fail "priorities without journald: $(cat "$DERR")"

# log_syslog_prefix = on, without JOURNAL_STREAM.
sed -i "s|^run_dir = .*|&\\nlog_syslog_prefix = on|" $SCRATCH/l.ini
start_daemon $SCRATCH/l.ini
wait_devices 1
stop_daemon
[ -z "$(grep -v '^<[0-7]>' "$DERR")" ] || fail "log_syslog_prefix = on: $(cat "$DERR")"
printf '[global]\nlog_syslog_prefix = maybe\n' >$SCRATCH/bad.ini
expect_fail "bad.ini:2: log_syslog_prefix must be auto, on or off" "$UBLK" -c $SCRATCH/bad.ini
pass
