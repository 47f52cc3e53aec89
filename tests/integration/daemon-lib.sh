# Sourced by the daemon-*.sh tests, after lib.sh: run `ublk-server -c FILE`
# in the background and read what it reports.
. "${srcdir:-.}/lib.sh"

scratch_dir
RUN=$SCRATCH/run		# the tests' run_dir ([global] run_dir = $RUN)
DOUT=$SCRATCH/daemon.out	# "NAME: /dev/ublkbN[ (recovered)]" lines
DERR=$SCRATCH/daemon.err	# the log
DPID=

# A failure shows the daemon's log too.
fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	[ -s "$DERR" ] && { echo "--- daemon log:"; cat "$DERR"; } >&2
	exit 1
}

# start_daemon CONFIG [ARGS...]: the daemon in the background, pid in DPID
# (and in a pid file: the cleanup stops exactly it).
start_daemon() {
	"$UBLK" -c "$@" >"$DOUT" 2>"$DERR" &
	DPID=$!
	track_pid $DPID
}

# wait_devices N [SECONDS]: until the daemon reported N LIVE devices (new or
# re-attached); they are this test's to remove.
wait_devices() {
	local id
	wait_for "[ \$(grep -c ': /dev/ublkb[0-9]*\( (recovered)\)\?\$' '$DOUT') -ge $1 ]" "${2:-30}" ||
		fail "daemon reported $(grep -c ': /dev/ublkb' "$DOUT") of $1 devices: $(cat "$DOUT" "$DERR")"
	for id in $(sed -n 's|^.*: /dev/ublkb\([0-9]*\)\( (recovered)\)\?$|\1|p' "$DOUT"); do
		track_dev $id
	done
}

# dev_of NAME: the device id the daemon last reported for stanza NAME.
dev_of() {
	sed -n "s|^$1: /dev/ublkb\([0-9]*\)\( (recovered)\)\?\$|\1|p" "$DOUT" | tail -1
}

# recovered NAME: the daemon reported NAME's device as re-attached.
recovered() { grep -q "^$1: /dev/ublkb[0-9]* (recovered)\$" "$DOUT"; }

# wait_log PATTERN [SECONDS]: until the daemon's log matches.
wait_log() {
	wait_for "grep -q -e '$1' '$DERR'" "${2:-30}" ||
		fail "daemon log never matched /$1/: $(cat "$DERR")"
}

# stop_daemon: SIGTERM, which must end in exit status 0.
stop_daemon() {
	kill -TERM "$DPID" || fail "daemon $DPID is not running: $(cat "$DERR")"
	wait "$DPID"
	rc=$?
	[ $rc = 0 ] || fail "daemon exit status $rc after SIGTERM: $(cat "$DERR")"
}

# assert_live NAME: the stanza's device is LIVE and served by the daemon.
assert_live() {
	id=$(dev_of "$1")
	[ -n "$id" ] || fail "no device reported for $1: $(cat "$DOUT")"
	[ "$(dev_state "$id")" = LIVE ] || fail "$1 (dev $id): state '$(dev_state "$id")', expected LIVE"
	[ "$(dev_pid "$id")" = "$DPID" ] || fail "$1 (dev $id): daemon pid $(dev_pid "$id"), expected $DPID"
}

assert_no_state_files() {
	left=$(ls "$RUN" 2>/dev/null | grep '\.state')
	[ -z "$left" ] || fail "state files left in $RUN: $left"
}
