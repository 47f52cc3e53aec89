# Sourced by the stats-*.sh and metrics-*.sh tests, after lib.sh or daemon-lib.sh.
require_tool jq

# stats_dev ID: the device's object of `stats -n ID --json`.
stats_dev() {
	"$UBLK" stats -n "$1" --json | jq -e '.devices[0]' ||
		fail "stats -n $1 --json: no device object"
}

# jget JSON FILTER: one value, failing the test if the filter yields null.
jget() {
	v=$(printf '%s\n' "$1" | jq -er "$2") || fail "jq '$2': no value in: $(printf '%s' "$1" | head -c 400)"
	echo "$v"
}

# settle ID: wait until the device has no request in flight and its counters
# stop moving (the kernel's partition scan at add time is done).
settle() {
	prev=
	for _ in $(seq 50); do
		cur=$(stats_dev "$1" | jq -c '[.requests, .in_flight]')
		[ "$cur" = "$prev" ] && [ "$(printf '%s' "$cur" | jq '.[1]')" = 0 ] && return 0
		prev=$cur
		sleep 0.2
	done
	fail "device $1: counters never settled: $cur"
}

# prom_check FILE: a valid text exposition (promtool if installed, else prom-check.awk).
prom_check() {
	if command -v promtool >/dev/null 2>&1; then
		promtool check metrics <"$1" || fail "promtool check metrics: $(promtool check metrics <"$1" 2>&1 | head -5)"
	else
		awk -f "${srcdir:-.}/prom-check.awk" "$1" >"$1.problems" ||
			fail "invalid exposition: $(head -5 "$1.problems")"
	fi
}
