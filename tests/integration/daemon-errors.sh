#!/bin/bash
# Daemon mode refuses a bad configuration file before creating anything: one
# line "FILE:LINE: message", a non-zero exit, no device.
. "${srcdir:-.}/daemon-lib.sh"

cfg=$SCRATCH/bad.ini
# bad LINE PATTERN [ARGS]: the config on stdin must fail at FILE:LINE.
bad() {
	cat >"$cfg"
	expect_fail "^ublk-server: $cfg:$1: $2" "$UBLK" -c "$cfg" ${3:-}
	"$UBLK" -c "$cfg" >/dev/null 2>&1
	rc=$?
	[ $rc = 1 ] || fail "exit status $rc, expected 1"
	assert_no_devices
}

# Syntax
printf '[device a]\ntarget = null\nsize 1G\n' |
	bad 3 "syntax error: expected 'key = value', not 'size 1G'"
printf '[device a\ntarget = null\n' | bad 1 "syntax error: a section header is"
printf '; top\nsize = 1G\n[device a]\ntarget = null\n' |
	bad 2 "key 'size' is outside any section"
# An indented line is its own line, never a continuation of a value.
printf '[device a]\ntarget = null\nsize = 1G\n    2G\n' | bad 4 "syntax error"
# [global]
printf '[global]\nlog_level = info\nqueues = 2\n' |
	bad 3 "unknown key 'queues' in \[global\]"
printf '[global]\nlog_level = chatty\n' | bad 2 "log_level must be error, warn, info or debug"
# Sections and names
printf '[global]\n\n[disk a]\ntarget = null\n' |
	bad 3 "unknown section type 'disk': expected \[global\] or \[device NAME\]"
printf '[device]\ntarget = null\n' | bad 1 "a device section needs a name"
printf '[device a]\ntarget = null\n[device b]\ntarget = null\n[device a]\ntarget = null\n' |
	bad 5 "duplicate device name 'a' (first at line 1)"
printf '[device a]\ntarget = null\ndev_id = 7\n\n[device b]\ntarget = null\ndev_id = 7\n' |
	bad 7 "dev_id 7 is already used by \[device a\] (line 3)"
# Core keys out of range: where they are written
printf '[device a]\ntarget = null\nqueues = 64\n' |
	bad 3 "queues must be a number from 1 to 32, not '64'"
printf '[device a]\ntarget = null\ndepth = 5000\n' |
	bad 3 "depth must be a number from 1 to 1024, not '5000'"
printf '[device a]\ntarget = null\nrecovery = sometimes\n' |
	bad 3 "recovery must be none, on, reissue or fail_io"
printf '[device a]\ntarget = null\nzero_copy = maybe\n' | bad 3 "zero_copy must be off, on or auto"
printf '[device a]\nsize = 1G\n' | bad 1 "no target given"
# The target: unknown, or rejecting a key; the first stanza being fine does
# not create it.
printf '[device ok]\ntarget = null\nsize = 1G\n\n[device a]\ntarget = nosuch\n' |
	bad 6 "unknown target 'nosuch'"
printf '[device ok]\ntarget = null\nsize = 1G\n\n[device a]\ntarget = null\ncolour = red\n' |
	bad 7 "unknown parameter 'colour' for target null"
printf '[device a]\ntarget = null\nsize = 1000\n' |
	bad 1 "target null: size 1000 is not a multiple of the block size 512"
if [ -e "$UBLK_PLUGIN_DIR/loop.so" ]; then
	printf '[device ok]\ntarget = null\n[device a]\ntarget = loop\nfile = %s\n' \
		"$SCRATCH/missing.img" | bad 5 "backing file '$SCRATCH/missing.img'"
	loop_case=", missing backing file"
fi
# No such file
expect_fail "^ublk-server: $SCRATCH/nope.ini: cannot open: No such file or directory" \
	"$UBLK" -c "$SCRATCH/nope.ini"
# Device options belong in the file.
printf '[device a]\ntarget = null\n' >"$cfg"
expect_fail "^ublk-server: -q: device options belong in the configuration file" \
	"$UBLK" -c "$cfg" -q 2

pass "every bad file: FILE:LINE, exit 1, no device${loop_case:-}"
