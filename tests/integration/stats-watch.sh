#!/bin/bash
# `stats --watch 1` in a terminal (tmux) redraws its table in place with new
# numbers each second while fio runs: two captures of the pane 2 s apart show
# the device's row with non-zero, different IOPS, and one table only. fio
# runs until the test kills it: on a slow machine (a sanitized build, a
# loaded host) finding the first row may take most of 15 s.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/stats-lib.sh"
require_tool tmux

id=$(add_dev -t null --size 1G)
fio --name=watch --filename=/dev/ublkb$id --ioengine=io_uring --direct=1 --rw=randrw \
	--bs=4k --iodepth=8 --rate_iops=2000,1000 --rate_process=poisson --runtime=120 \
	--time_based >/dev/null 2>&1 &
FIO=$!
export TMUX_TMPDIR=$(mktemp -d /tmp/stats-watch.XXXXXX)
sock=obs-watch
cleanup_tmux() {
	tmux -L $sock kill-server >/dev/null 2>&1
	kill $FIO >/dev/null 2>&1
	rm -rf "$TMUX_TMPDIR"
}
trap 'rc=$?; cleanup_tmux; (exit $rc); on_exit' EXIT
tmux -L $sock new-session -d -x 160 -y 20 "$UBLK stats --watch 1" || fail "tmux did not start"

# row ID: the device's row of the pane ("ublkbID ID IOPS ...").
row() { tmux -L $sock capture-pane -p | awk -v id=$id '$1 == "ublkb" id { print }'; }
wait_for '[ -n "$(row)" ] && [ "$(row | awk "{ print \$3 }")" != 0.0 ]' 10 ||
	fail "no table with IO: $(tmux -L $sock capture-pane -p)"
sleep 1.5
first=$(row)
sleep 2
second=$(row)
echo "1st: $first"
echo "2nd: $second"
[ -n "$first" ] && [ -n "$second" ] || fail "row missing: $(tmux -L $sock capture-pane -p)"
[ "$first" != "$second" ] || fail "the numbers did not change"
for r in "$first" "$second"; do
	iops=$(echo "$r" | awk '{ print int($3) }')
	[ "$iops" -gt 100 ] || fail "IOPS $iops in: $r"
done
# Redrawn in place: one header on the screen, not a scrolling log.
[ "$(tmux -L $sock capture-pane -p | grep -c '^DEVICE')" = 1 ] ||
	fail "more than one table on screen: $(tmux -L $sock capture-pane -p)"
pass
