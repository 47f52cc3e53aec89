# Sourced by every integration test. Runs inside the test VM (or on a host
# with a ublk driver). Automake protocol: exit 0 pass, 1 fail, 77 skip.
set -u

: "${abs_top_builddir:?run through make check}"
UBLK=$abs_top_builddir/ublk-server
export UBLK_PLUGIN_DIR=$abs_top_builddir/plugins/.libs
TEST_PLUGINS=$abs_top_builddir/tests/plugins/.libs
TEST_NAME=$(basename "$0" .sh)

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $TEST_NAME: $*" >&2
	exit 77
}

pass() {
	echo "PASS: $TEST_NAME${1:+: $1}"
	exit 0
}

require_driver() {
	[ -c /dev/ublk-control ] || fail "no /dev/ublk-control: not in the test VM?"
}

# require_feature NAME: skip when the running ublk driver lacks it.
require_feature() {
	"$UBLK" features | grep -q "^[[:space:]]*$1 " ||
		skip "kernel $(uname -r) lacks the ublk feature $1"
}

require_tool() {
	command -v "$1" >/dev/null 2>&1 || fail "tool $1 missing (the test runner must install it)"
}

# What this test made, and only that, is removed at exit: on a host with a
# ublk driver (UBLK_TEST_ON_HOST=1) other devices may hold someone's data.
#  - $TEST_STATE/devs: the ids of the devices this test added (add_dev,
#    track_dev), one a line;
#  - $TEST_STATE/pid.N: one pid file per process it started in the
#    background (track_pid), so that exactly that pid is killed;
#  - UBLK_TEST_OWNER in the environment of everything it runs: a process
#    (or a device's daemon) is ours only when it carries this test's mark,
#    so a recycled pid or a reused device id is never touched.
TEST_STATE=$(mktemp -d /tmp/"$TEST_NAME".state.XXXXXX)
export UBLK_TEST_OWNER=$TEST_STATE
: >"$TEST_STATE/devs"
UBLK_EXE=$(readlink -f "$UBLK")

track_dev() { echo "$1" >>"$TEST_STATE/devs"; }
track_pid() {
	case $1 in ''|*[!0-9]*) return 0 ;; esac
	echo "$1" >"$TEST_STATE/pid.$1"
}
tracked_devs() { sort -un "$TEST_STATE/devs"; }
tracked_pids() { cat "$TEST_STATE"/pid.* 2>/dev/null; }

# ours PID: a process of this test (it carries the mark).
ours() {
	[ -r "/proc/$1/environ" ] &&
		tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "UBLK_TEST_OWNER=$TEST_STATE"
}

# our_daemons: the pids of the ublk-server processes this test started.
our_daemons() {
	local d
	for d in /proc/[0-9]*; do
		[ "$(readlink "$d/exe" 2>/dev/null)" = "$UBLK_EXE" ] && ours "${d#/proc/}" &&
			echo "${d#/proc/}"
	done
	return 0
}

# Device ids the driver knows, one a line.
list_ids() { "$UBLK" list 2>/dev/null | sed -n 's/^dev id \([0-9]*\):.*/\1/p'; }

# foreign ID: the device is served by a live process that is not this test's.
foreign() {
	local pid
	pid=$(dev_pid "$1" 2>/dev/null)
	[ -n "$pid" ] && [ "$pid" -gt 0 ] 2>/dev/null && process_alive "$pid" && ! ours "$pid"
}

# Remove this test's devices and stop its processes, whatever happened.
cleanup_test() {
	local id pid pids
	# Bounded: a broken kernel must fail this test, not hang the suite.
	for id in $(tracked_devs); do
		foreign "$id" || timeout 60 "$UBLK" del -n "$id" >/dev/null 2>&1
	done
	# SIGINT first: a daemon-mode daemon then deletes all its devices.
	pids=$( (tracked_pids; our_daemons) | sort -un)
	for pid in $pids; do
		ours "$pid" && kill -INT "$pid" 2>/dev/null
	done
	for pid in $pids; do
		wait_for "! ours $pid || ! process_alive $pid" 5 || kill -9 "$pid" 2>/dev/null
	done
	# What a killed daemon left behind (recovery devices wait for it).
	for id in $(tracked_devs); do
		foreign "$id" || timeout 60 "$UBLK" del -n "$id" >/dev/null 2>&1
	done
	return 0
}


# new_ids: devices that were not there when the test started and are not
# served by another test's or user's process.
new_ids() {
	local id
	for id in $(list_ids); do
		case "$BASELINE_IDS" in *" $id "*) continue ;; esac
		foreign "$id" || echo "$id"
	done
}

# require_sole_user: for a test of `del -a`, which removes every device:
# on a host, skip when devices this test did not make exist; in the VM they
# can only be an earlier test's leftovers, which fail this test.
require_sole_user() {
	[ "$BASELINE_IDS" = " " ] && return 0
	[ "${UBLK_TEST_ON_HOST:-0}" = 1 ] &&
		skip "devices$BASELINE_IDS exist: del -a would remove them"
	fail "devices$BASELINE_IDS left by an earlier test"
}

scratch_dir() {
	SCRATCH=$(mktemp -d /tmp/"$TEST_NAME".XXXXXX)
}

# Sanitized build (make check-integration in a tree configured with
# --enable-sanitizers sets UBLK_SANITIZER_LOGS): every ublk-server this test
# runs writes its ASan/UBSan/LSan reports to $UBLK_SANITIZER_LOGS/TEST.PID;
# any report fails the test once its daemons have exited.
if [ -n "${UBLK_SANITIZER_LOGS:-}" ]; then
	mkdir -p "$UBLK_SANITIZER_LOGS"
	. "${srcdir:-.}/../sanitizer/options"
	sanitizer_options "$UBLK_SANITIZER_LOGS/$TEST_NAME"
fi
sanitizer_reports() {
	[ -n "${UBLK_SANITIZER_LOGS:-}" ] || return 0
	compgen -G "$UBLK_SANITIZER_LOGS/$TEST_NAME.*" >/dev/null || return 0
	echo "FAIL: $TEST_NAME: sanitizer report(s):" >&2
	cat "$UBLK_SANITIZER_LOGS/$TEST_NAME".* >&2
	return 1
}

on_exit() {
	rc=$?
	cleanup_test
	sanitizer_reports || rc=1
	[ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"
	rm -rf "$TEST_STATE"
	exit $rc
}
trap on_exit EXIT
trap 'exit 1' INT TERM

# add_dev ARGS...: `ublk-server add ARGS`, prints the new device id.
add_dev() {
	out=$("$UBLK" add "$@") || fail "add $* failed: $out"
	id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
	[ -n "$id" ] || fail "add $* printed no 'dev id N:' line: $out"
	track_dev "$id"
	track_pid "$(dev_pid "$id")"
	echo "$id"
}

# Field of `list -n ID`: state, pid, queues, depth, capacity.
dev_field() {
	"$UBLK" list -n "$1" | sed -n "$2"
}
dev_state() { dev_field "$1" 's/.* state \([A-Z_]*\)$/\1/p'; }
dev_pid() { dev_field "$1" 's/.*daemon pid \(-*[0-9]*\) .*/\1/p'; }

# wait_for COND_CMD [SECONDS]: poll until the command succeeds.
wait_for() {
	n=0
	while ! eval "$1"; do
		n=$((n + 1))
		[ $n -lt $((${2:-10} * 10)) ] || return 1
		sleep 0.1
	done
	return 0
}

process_alive() {
	[ -d "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# assert_no_devices: this test left no device and no device node (devices
# that were there before it, or that another process serves, do not count).
assert_no_devices() {
	local left n id
	left=$(new_ids | tr '\n' ' ')
	[ -z "$left" ] || fail "devices left behind: $left: $("$UBLK" list 2>&1)"
	for n in /dev/ublkc* /dev/ublkb*; do
		[ -e "$n" ] || continue
		id=${n#/dev/ublk?}
		case "$BASELINE_IDS" in *" $id "*) continue ;; esac
		foreign "$id" || fail "device node left: $n"
	done
	return 0
}

# assert_no_daemons: no ublk-server process of this test is left.
assert_no_daemons() {
	local left
	left=$(our_daemons | tr '\n' ' ')
	[ -z "$left" ] || fail "daemons left running: $left"
	return 0
}

# expect_fail PATTERN CMD...: CMD must fail with one line matching PATTERN.
expect_fail() {
	pattern=$1
	shift
	out=$("$@" 2>&1) && fail "'$*' succeeded: $out"
	printf '%s\n' "$out" | grep -q -e "$pattern" || fail "'$*': expected /$pattern/, got: $out"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || fail "'$*': more than one line: $out"
	echo "ok: $out"
}

# run_fio NAME ARGS...: short fio job on a device, fails the test on error.
run_fio() {
	require_tool fio
	fio --name="$1" --ioengine=io_uring --direct=1 --output-format=terse \
		--terse-version=3 "${@:2}" >"/tmp/fio.$1.out" 2>&1 ||
		fail "fio $*: $(tail -5 "/tmp/fio.$1.out")"
}

# verify_matrix LABEL DEV OFFSET: fio random writes over 16M from OFFSET,
# crc32c verified, for 8k, 64k and 1M blocks at iodepth 1 and 32.
verify_matrix() {
	local bs depth t0
	for bs in 8k 64k 1M; do
		for depth in 1 32; do
			t0=$SECONDS
			run_fio "$1-$bs-d$depth" --filename=$2 --rw=randwrite \
				--bs=$bs --iodepth=$depth --size=16M --offset=$3 \
				--verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
			echo "  $1 bs $bs iodepth $depth: $((SECONDS - t0)) s"
		done
	done
}

# major:minor of /dev/ublkbID as the kernel has it (sysfs).
dev_majmin() { cat "/sys/block/ublkb$1/dev" 2>/dev/null; }

# stuck_procs COMM...: "pid comm" of every such process in D state (uninterruptible).
stuck_procs() {
	for f in /proc/[0-9]*/stat; do
		read -r line <"$f" 2>/dev/null || continue
		comm=${line#*(}
		comm=${comm%)*}
		state=${line##*) }
		state=${state%% *}
		[ "$state" = D ] || continue
		for c in "$@"; do
			[ "$comm" = "$c" ] && echo "${line%% *} $comm"
		done
	done
	return 0
}

# assert_not_stuck COMM...: none of them stays in D state (5 s of grace).
assert_not_stuck() {
	wait_for "[ -z \"\$(stuck_procs $*)\" ]" 5 ||
		fail "processes stuck in D state: $(stuck_procs "$@" | tr '\n' ' ')"
}

require_driver
# The devices there before this test started: not ours, never touched.
BASELINE_IDS=" $(list_ids | tr '\n' ' ')"
