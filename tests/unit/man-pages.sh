#!/bin/sh
# The man pages render without a warning, and ublk-server.ini(5) documents
# every core key that core/dev_config.c and core/integrity.c know.
set -u
src=$abs_top_srcdir
fails=0

command -v man >/dev/null 2>&1 || { echo "SKIP: man is not installed"; exit 77; }
for page in ublk-server.8 ublk-server.ini.5 ublk-plugin.3; do
	warn=$(MANWIDTH=80 man --warnings -l "$src/man/$page" 2>&1 >/dev/null)
	if [ -n "$warn" ]; then
		echo "FAIL: $page: $warn"
		fails=$((fails + 1))
	else
		echo "ok: $page renders without warnings"
	fi
done

keys=$(sed -n 's/^[[:space:]]*\[KEY_[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' "$src/core/dev_config.c" "$src/core/integrity.c")
[ -n "$keys" ] || { echo "FAIL: no core key found in core/dev_config.c"; exit 1; }
for k in $keys workers plugin_dir log_level run_dir stats_mode; do
	if grep -q "^\.BI $k " "$src/man/ublk-server.ini.5"; then
		echo "ok: key $k"
	else
		echo "FAIL: ublk-server.ini(5) does not document key '$k'"
		fails=$((fails + 1))
	fi
done
exit $fails
