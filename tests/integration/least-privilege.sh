#!/bin/bash
# Least privilege on disk and in the process: a daemon's run dir is 0700,
# its state and stats files 0600, its working directory / and its umask 077
# (daemon mode and the daemon `add` starts); [global] stats_mode = 0640
# opens the stats files (and the new run dir) to the group; a reload still
# finds a file given by a relative path; a configuration file that others
# can write is refused with one line naming it, creating nothing.
. "${srcdir:-.}/daemon-lib.sh"
require_driver

mode() { stat -c %a "$1"; }
assert_mode() {
	[ "$(mode "$1")" = "$2" ] || fail "$1: mode $(mode "$1"), expected $2"
}
# assert_daemon_proc PID: working directory / and umask 0077.
assert_daemon_proc() {
	[ "$(readlink "/proc/$1/cwd")" = / ] ||
		fail "daemon $1: working directory $(readlink "/proc/$1/cwd"), expected /"
	grep -q '^Umask:[[:space:]]*0077$' "/proc/$1/status" ||
		fail "daemon $1: $(grep Umask "/proc/$1/status"), expected 0077"
}

# 1. Daemon mode, defaults; -c relative to the test's directory.
cat >"$SCRATCH/d.ini" <<EOF
[global]
run_dir = $RUN
[device lp1]
target = null
size = 64M
EOF
cd "$SCRATCH" && start_daemon d.ini && cd /
wait_devices 1
id=$(dev_of lp1)
assert_mode "$RUN" 700
assert_mode "$RUN/lp1.state" 600
assert_mode "$RUN/dev$id.stats" 600
assert_daemon_proc "$DPID"
"$UBLK" stats -n "$id" --run-dir "$RUN" >/dev/null || fail "stats -n $id (as root) failed"
# The daemon is in / now: a reload must still read d.ini.
printf '[device lp2]\ntarget = null\nsize = 64M\n' >>"$SCRATCH/d.ini"
kill -HUP "$DPID"
wait_devices 2
assert_mode "$RUN/lp2.state" 600
stop_daemon
echo "ok: daemon mode: run dir 700, state and stats 600, cwd /, umask 0077, reload from /"

# 2. stats_mode = 0640: stats files and the new run dir open to the group only.
RUN=$SCRATCH/run640
cat >"$SCRATCH/g.ini" <<EOF
[global]
run_dir = $RUN
stats_mode = 0640
[device lp3]
target = null
size = 64M
EOF
: >"$DOUT"
start_daemon "$SCRATCH/g.ini"
wait_devices 1
id=$(dev_of lp3)
assert_mode "$RUN" 750
assert_mode "$RUN/dev$id.stats" 640
assert_mode "$RUN/lp3.state" 600
stop_daemon
echo "ok: stats_mode = 0640: stats 640, run dir 750, state 600"

# 3. A configuration file that others can write: refused, nothing created.
chmod 0646 "$SCRATCH/g.ini"
expect_fail "$SCRATCH/g.ini: writable by others (mode 0646)" "$UBLK" -c "$SCRATCH/g.ini" --check
expect_fail "$SCRATCH/g.ini: writable by others (mode 0646)" "$UBLK" -c "$SCRATCH/g.ini" --foreground
[ -z "$(new_ids)" ] || fail "devices created from a refused file: $(new_ids)"

# 4. The daemon `add` starts.
export UBLK_RUN_DIR=$SCRATCH/run-add
id=$(add_dev -t null -s 64M)
assert_mode "$UBLK_RUN_DIR" 700
assert_mode "$UBLK_RUN_DIR/dev$id.stats" 600
assert_daemon_proc "$(dev_pid "$id")"
"$UBLK" del -n "$id" || fail "del -n $id failed"
echo "ok: add: run dir 700, stats 600, cwd /, umask 0077"
pass
