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

# Remove every device and daemon a test may have left, whatever happened.
cleanup_devices() {
	# Bounded: a broken kernel must fail this test, not hang the suite.
	timeout 60 "$UBLK" del -a >/dev/null 2>&1
	pkill -9 -f "$UBLK" >/dev/null 2>&1
	timeout 60 "$UBLK" del -a >/dev/null 2>&1
	return 0
}

scratch_dir() {
	SCRATCH=$(mktemp -d /tmp/"$TEST_NAME".XXXXXX)
}

on_exit() {
	rc=$?
	cleanup_devices
	[ -n "${SCRATCH:-}" ] && rm -rf "$SCRATCH"
	exit $rc
}
trap on_exit EXIT
trap 'exit 1' INT TERM

# add_dev ARGS...: `ublk-server add ARGS`, prints the new device id.
add_dev() {
	out=$("$UBLK" add "$@") || fail "add $* failed: $out"
	id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
	[ -n "$id" ] || fail "add $* printed no 'dev id N:' line: $out"
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

assert_no_devices() {
	out=$("$UBLK" list 2>&1)
	[ -z "$out" ] || fail "devices left behind: $out"
	ls /dev/ublkc* /dev/ublkb* >/dev/null 2>&1 && fail "device nodes left: $(ls /dev/ublk[bc]*)"
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
cleanup_devices
