#!/bin/bash
# --json outputs parse with jq and hold their fields: `stats --json` (per op
# counters, latency, queues, threads, interval), `list --json` (what `list`
# prints plus target, its keys, data path, recovery mode, daemon pid, stanza
# name in daemon mode), `features --json` (the same flags as `features`).
. "${srcdir:-.}/daemon-lib.sh"
. "${srcdir:-.}/stats-lib.sh"

# features --json has exactly the flags `features` prints.
fj=$("$UBLK" features --json) || fail "features --json failed"
printf '%s' "$fj" | jq -e . >/dev/null || fail "features --json is not JSON: $fj"
[ "$(jget "$fj" .features)" = "$("$UBLK" features | sed -n 's/^ublk_drv features: //p')" ] ||
	fail "features value differs"
[ "$(jget "$fj" '[.flags[].name] | join(" ")')" = \
  "$("$UBLK" features | awk -F: '/^\t/ { gsub(/[ \t]/, "", $1); printf "%s%s", sep, $1; sep = " " }')" ] ||
	fail "feature names differ: $(jget "$fj" '[.flags[].name] | join(" ")')"
echo "ok: features --json: $(jget "$fj" '.flags | length') flags"

# A command line device: list --json against list.
truncate -s 64M $SCRATCH/a.img
id=$(add_dev -t loop -q 2 -d 64 -r 1 $SCRATCH/a.img)
lj=$("$UBLK" list -n $id --json) || fail "list --json failed"
dev=$(jget "$lj" '.devices[0]')
[ "$(jget "$dev" .dev_id)" = $id ] || fail "dev_id"
[ "$(jget "$dev" .nr_hw_queues)" = 2 ] || fail "nr_hw_queues"
[ "$(jget "$dev" .queue_depth)" = 64 ] || fail "queue_depth"
[ "$(jget "$dev" .state)" = LIVE ] || fail "state"
[ "$(jget "$dev" .daemon_pid)" = "$(dev_pid $id)" ] || fail "daemon_pid"
[ "$(jget "$dev" .dev_capacity)" = $((64 << 11)) ] || fail "dev_capacity $(jget "$dev" .dev_capacity)"
[ "$(jget "$dev" .block_size)" = "$(dev_field $id 's/.* block size \([0-9]*\) .*/\1/p')" ] || fail "block_size"
[ "$(jget "$dev" .max_rq_size)" = "$(dev_field $id 's/.*max rq size \([0-9]*\) .*/\1/p')" ] || fail "max_rq_size"
[ "$(jget "$dev" .flags)" = "$(dev_field $id 's/.* flags \(0x[0-9a-f]*\) .*/\1/p')" ] || fail "flags"
[ "$(jget "$dev" '.queues | length')" = 2 ] || fail "queues"
[ "$(jget "$dev" '.queues[0].affinity | length')" -ge 1 ] || fail "affinity"
[ "$(jget "$dev" .target)" = loop ] || fail "target: $(jget "$dev" .target)"
[ "$(jget "$dev" .config.file)" = "$SCRATCH/a.img" ] || fail "config: $(jget "$dev" '.config | tostring')"
[ "$(jget "$dev" .data_path) ($(jget "$dev" .data_path_reason))" = \
  "$(dev_field $id 's/^\tdata path \(.*\)$/\1/p')" ] || fail "data_path"
[ "$(jget "$dev" .recovery)" = on ] || fail "recovery: $(jget "$dev" .recovery)"
[ "$(printf '%s' "$dev" | jq '.name')" = null ] || fail "a command line device has no stanza name"
echo "ok: list --json -n $id: $(printf '%s' "$dev" | jq -c '{dev_id, state, target, config, data_path, recovery, daemon_pid}')"

# stats --json has every documented field.
sj=$("$UBLK" stats --json) || fail "stats --json failed"
s=$(jget "$sj" ".devices[] | select(.dev_id == $id)")
for f in dev_id device pid alive target config data_path recovery recoveries start_time \
	nr_queues nr_threads requests bytes errors backend_errors in_flight latency \
	interval queues threads; do
	printf '%s' "$s" | jq -e "has(\"$f\")" >/dev/null || fail "stats --json lacks $f"
done
for op in read write flush discard write_zeroes; do
	jget "$s" ".requests.$op, .bytes.$op, .errors.$op" >/dev/null
done
for f in seconds iops read_iops write_iops mb_s avg_us p50_us p99_us errors; do
	jget "$s" ".interval.$f" >/dev/null
done
[ "$(jget "$s" '.latency.read.buckets | length')" = 32 ] || fail "read histogram buckets"
[ "$(jget "$s" .pid)" = "$(dev_pid $id)" ] || fail "stats pid"
echo "ok: stats --json fields"
"$UBLK" del -n $id

# Daemon mode: the stanza name.
cat >$SCRATCH/d.ini <<EOC
[global]
run_dir = $RUN

[device data7]
target = null
size = 32M
EOC
export UBLK_RUN_DIR=$RUN
start_daemon $SCRATCH/d.ini
wait_devices 1
id=$(dev_of data7)
dev=$(jget "$("$UBLK" list --json)" ".devices[] | select(.dev_id == $id)")
[ "$(jget "$dev" .name)" = data7 ] || fail "stanza name: $(jget "$dev" .name)"
[ "$(jget "$dev" .daemon_pid)" = "$DPID" ] || fail "daemon pid"
[ "$(jget "$dev" .config.size)" = 32M ] || fail "config: $(jget "$dev" '.config | tostring')"
[ "$(jget "$(stats_dev $id)" .device)" = data7 ] || fail "stats device label"
echo "ok: daemon mode: list --json names [device data7]"
stop_daemon
pass
