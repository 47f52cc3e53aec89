#!/bin/bash
# The command line's and the configuration file's bad input, on the host (no
# ublk driver: every case fails before the kernel is asked): a non-zero exit
# and exactly one line naming the option, key or FILE:LINE; and the good
# paths around them (--check of a valid file, help). Every ublk-server runs
# under $UBLK_WRAPPER when set: `make valgrind` runs this with valgrind
# memcheck (0 errors, 0 definitely lost); a sanitized build (configure
# --enable-sanitizers) runs it under ASan/UBSan like every unit test.
set -u
bin=$abs_top_builddir/ublk-server
export UBLK_PLUGIN_DIR=$abs_top_builddir/plugins/.libs
# shellcheck disable=SC2206
wrap=(${UBLK_WRAPPER:-})
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bad-input.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fails=0

# run CMD...: ublk-server under the wrapper; valgrind's report goes to a
# file, not into the one line being checked.
run() {
	"${wrap[@]}" "$bin" "$@"
}

expect_error() {
	pattern=$1
	shift
	out=$(run "$@" 2>&1)
	rc=$?
	lines=$(printf '%s\n' "$out" | wc -l)
	if [ $rc -eq 0 ] || ! printf '%s' "$out" | grep -q -e "$pattern" || [ "$lines" -ne 1 ]; then
		echo "FAIL: ublk-server $* -> rc=$rc output:"
		printf '%s\n' "$out"
		fails=$((fails + 1))
	else
		echo "ok: $out"
	fi
}

expect_ok() {
	pattern=$1
	shift
	out=$(run "$@" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || ! printf '%s' "$out" | grep -q -e "$pattern"; then
		echo "FAIL: ublk-server $* -> rc=$rc output:"
		printf '%s\n' "$out"
		fails=$((fails + 1))
	else
		echo "ok: ublk-server $*"
	fi
}

# The command line.
expect_error "unknown command 'frobnicate'" frobnicate
expect_error "^ublk-server: -q: queues must be a number from 1 to 32, not '33'" add -t null -q 33 --foreground
expect_error "^ublk-server: -q: queues must be a number from 1 to 32, not '2x'" add -t null -q 2x --foreground
expect_error "^ublk-server: -d: depth must be a number from 1 to 1024, not '0'" add -t null -d 0 --foreground
expect_error "^ublk-server: -n: 'x' is not a device id" add -t null -n x --foreground
expect_error "size: 'lots' is not a size" add -t null --size lots --foreground
expect_error "unknown parameter 'colour' for target null" add -t null --colour red --foreground
expect_error "size 1000 is not a multiple of the block size 512" add -t null --size 1000 --foreground
expect_error "zero_copy and user_copy exclude each other" add -t null -s 1G -z -u --foreground
expect_error "unknown target 'nosuch'" add -t nosuch --foreground
expect_error "no target given" add -q 1 --foreground
expect_error "del needs -n ID or -a" del
expect_error "daemon mode needs a configuration file" --foreground
expect_error "device options belong in the configuration file" -c "$tmp/x.ini" -q 2
expect_ok "^usage: ublk-server" help
expect_ok "^null" help null

# The configuration file: one bad thing per file, named FILE:LINE.
ini() {
	printf '%b' "$2" >"$tmp/$1.ini"
	echo "$tmp/$1.ini"
}
expect_error "cannot open" -c "$tmp/missing.ini" --check
f=$(ini syntax '[device a]\ntarget = null\nno equals sign\n')
expect_error "$f:3: syntax error: expected 'key = value'" -c "$f" --check
f=$(ini section '[devices a]\n')
expect_error "$f:1: unknown section type 'devices'" -c "$f" --check
f=$(ini noname '[device]\n')
expect_error "$f:1: a device section needs a name" -c "$f" --check
f=$(ini dupname '[device a]\ntarget = null\n[device a]\n')
expect_error "$f:3: duplicate device name 'a' (first at line 1)" -c "$f" --check
f=$(ini dupglobal '[global]\n[global]\n')
expect_error "$f:2: duplicate \[global\] section" -c "$f" --check
f=$(ini globalkey '[global]\ncolour = red\n')
expect_error "$f:2: unknown key 'colour' in \[global\]" -c "$f" --check
f=$(ini relrun '[global]\nrun_dir = run\n')
expect_error "$f:2: run_dir must be an absolute path" -c "$f" --check
f=$(ini loglevel '[global]\nlog_level = loud\n')
expect_error "$f:2: log_level must be error, warn, info or debug" -c "$f" --check
f=$(ini statsmode '[global]\nstats_mode = 0666\n')
expect_error "$f:2: stats_mode must be an octal mode from 0600 to 0644" -c "$f" --check
f=$(ini queues '[device a]\ntarget = null\nqueues = 33\n')
expect_error "$f:3: queues must be a number from 1 to 32" -c "$f" --check
f=$(ini recovery '[device a]\ntarget = null\nrecovery = sometimes\n')
expect_error "$f:3: " -c "$f" --check
f=$(ini notarget '[device a]\nqueues = 2\n')
expect_error "$f:1: " -c "$f" --check
f=$(ini targetkey '[device a]\ntarget = null\ncolour = red\n')
expect_error "$f:3: unknown parameter 'colour' for target null" -c "$f" --check
f=$(ini nul 'target = null\0\n')
expect_error "$f:1: " -c "$f" --check
f=$(ini long "[device a]\ntarget = null\nfile = /$(head -c 300 /dev/zero | tr '\0' x)\n")
expect_error "$f:3: line too long" -c "$f" --check
f=$(ini worldw '[device a]\ntarget = null\n')
chmod 0666 "$f"
expect_error "$f: writable by others (mode 0666)" -c "$f" --check
truncate -s 16M "$tmp/loop.img"
f=$(ini good "[global]\nstats_mode = 0640\n[device a]\ntarget = null\nsize = 1G\n[device b]\ntarget = loop\nfile = $tmp/loop.img\nfilters = qos\nqos.iops = 1000\n")
expect_ok "OK (2 devices)" -c "$f" --check
exit $fails
