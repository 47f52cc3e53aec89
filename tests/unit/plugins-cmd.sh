#!/bin/sh
# `ublk-server plugins` lists each test plugin with its ABI, kind and thread
# model, and a broken one with the reason the loader would give.
set -u
bin=$abs_top_builddir/ublk-server
tp=$abs_top_builddir/tests/plugins/.libs
fails=0

out=$("$bin" plugins --plugin-dir "$tp" 2>&1) || { echo "FAIL: plugins: $out"; exit 1; }
printf '%s\n' "$out"

expect_line() {
	if printf '%s\n' "$out" | grep -E -q -e "$1"; then
		echo "ok: /$1/"
	else
		echo "FAIL: no line matching /$1/"
		fails=$((fails + 1))
	fi
}

expect_line '^slow_parallel +1\.2 +simple +parallel +test: pread sleeps'
expect_line '^slow_serial +1\.2 +simple +serialize_all '
expect_line '^abi10_mem +1\.0 +async +- +test: ABI 1\.0 memory disk'
expect_line '^future_abi +1\.[0-9]+ +async '
expect_line "^both_apis +- +broken +- +plugin $tp/both_apis\.so gives both queue_io and pread/pwrite"
expect_line "^no_queue_io +- +broken +- +plugin $tp/no_queue_io\.so lacks the required callback 'queue_io'"
expect_line "^bad_abi +- +broken +- +plugin $tp/bad_abi\.so has ABI version 99\.0, this server needs 1\.x"
expect_line "^ +$tp/slow_parallel\.so\$"

# As root, a plugin others could have replaced is listed as broken, unloaded.
if [ "$(id -u)" = 0 ]; then
	d=$(mktemp -d /tmp/ublk-plugins.XXXXXX)
	cp "$tp/slow_parallel.so" "$d/slow_parallel.so"
	chmod 0775 "$d/slow_parallel.so"
	out=$("$bin" plugins --plugin-dir "$d" 2>&1)
	printf '%s\n' "$out"
	expect_line "^slow_parallel +- +broken +- +refusing to load $d/slow_parallel\.so: $d/slow_parallel\.so is writable by group"
	chmod 0777 "$d"
	out=$("$bin" plugins --plugin-dir "$d" 2>&1) && { echo "FAIL: world-writable dir listed"; fails=$((fails + 1)); }
	expect_line "^ublk-server: cannot use plugin directory: $d is writable by others"
	rm -rf "$d"
fi
exit $fails
