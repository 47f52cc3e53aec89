#!/bin/bash
# A recovery-enabled device counts the daemons that re-attached to it: 0 after
# add, 1 and 2 after two kill -9 + recover cycles; the new daemon owns the
# stats file (its pid) and counts requests from zero.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/stats-lib.sh"

id=$(add_dev -t null --size 64M -r 1)
[ "$(jget "$(stats_dev $id)" .recoveries)" = 0 ] || fail "recoveries after add"
[ "$(jget "$(stats_dev $id)" .recovery)" = on ] || fail "recovery mode"
for cycle in 1 2; do
	pid=$(dev_pid $id)
	kill -9 $pid
	wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
	out=$(timeout 60 "$UBLK" recover -n $id -t null --size 64M -r 1 2>&1) || fail "recover: $out"
	[ "$(dev_state $id)" = LIVE ] || fail "state $(dev_state $id) after recover"
	dd if=/dev/ublkb$id of=/dev/null bs=4k count=7 iflag=direct status=none || fail "dd"
	settle $id
	s=$(stats_dev $id)
	[ "$(jget "$s" .recoveries)" = $cycle ] || fail "recoveries $(jget "$s" .recoveries), expected $cycle: $(printf "%s" "$s" | jq -c "{pid, recoveries, requests}"); recover said: $out"
	[ "$(jget "$s" .pid)" = "$(dev_pid $id)" ] || fail "stats pid $(jget "$s" .pid)"
	[ "$(jget "$s" .requests.read)" -ge 7 ] || fail "reads $(jget "$s" .requests.read)"
	echo "ok: recovery $cycle counted, pid $(dev_pid $id)"
done
"$UBLK" stats --prometheus | grep -qx "ublk_recoveries_total{device=\"ublkb$id\",dev_id=\"$id\"} 2" ||
	fail "prometheus: $("$UBLK" stats --prometheus | grep recoveries)"
"$UBLK" del -n $id
pass
