#!/bin/bash
# --check validates a configuration file (plugins configured and opened)
# without creating anything: "FILE: OK (N devices)" and exit 0 for a good
# file, the same one-line FILE:LINE errors as a start for a bad one.
. "${srcdir:-.}/daemon-lib.sh"

cfg=$SCRATCH/bad.ini
# --check: good file -> OK line, exit 0, nothing created.
good=$SCRATCH/good.ini
cat >"$good" <<EOF
[global]
run_dir = $RUN
[device a]
target = null
size = 1G
[device b]
target = null
dev_id = 9
[device c]
target = null
queues = 1
EOF
out=$("$UBLK" -c "$good" --check 2>&1) || fail "--check good: $out"
[ "$out" = "$good: OK (3 devices)" ] || fail "--check good printed: $out"
assert_no_devices
[ -e "$RUN" ] && fail "--check created the run dir"
# --check on bad files: the same errors.
printf '[device a]\ntarget = null\n[device b]\ntarget = null\nsize = huge\n' >"$cfg"
expect_fail "^ublk-server: $cfg:5: size: 'huge' is not a size" "$UBLK" -c "$cfg" --check
printf '[device a]\ntarget = null\ndepth = 0\n' >"$cfg"
expect_fail "^ublk-server: $cfg:3: depth must be a number" "$UBLK" --check -c "$cfg"
assert_no_devices
pass "--check: OK (3 devices) without creating anything; bad files FILE:LINE"
