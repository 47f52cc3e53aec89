# Sourced by the filter-*.sh and fault-*.sh tests, after lib.sh.

# fio_field NAME N: field N of fio's terse (v3) output of run_fio NAME.
# 7/8: read KiB/s and IOPS, 48/49: write KiB/s and IOPS.
fio_field() {
	cut -d';' -f"$2" "/tmp/fio.$1.out" | tail -1 | cut -d. -f1
}

# del_and_wait ID: delete the device and wait until its daemon has exited
# (a filter flushes what it writes in close()).
del_and_wait() {
	_pid=$(dev_pid "$1")
	"$UBLK" del -n "$1" || fail "del -n $1"
	[ -n "$_pid" ] && [ "$_pid" -gt 0 ] 2>/dev/null &&
		{ wait_for "! process_alive $_pid" 30 || fail "daemon $_pid still running after del"; }
	return 0
}

# in_range VALUE LOW HIGH
in_range() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
