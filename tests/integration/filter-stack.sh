#!/bin/bash
# Two test filters stacked over loop (--filter a --filter b, outermost first):
# fio verify passes through both; each filter saw every request on the way
# down and its completion on the way up with its own handle, thread data and
# priv (counters written at close: bad=0), its thread SQE came back to its own
# thread_event, and per-request SQEs (delay_us) to its own io_done. Keys
# reach their layer by NAME.key.
. "${srcdir:-.}/lib.sh"

scratch_dir
img=$SCRATCH/loop.img
truncate -s 32M "$img"
pd=$SCRATCH/plugins
mkdir "$pd"
ln -s "$UBLK_PLUGIN_DIR"/*.so "$TEST_PLUGINS"/test_filter_*.so "$pd"/

id=$(add_dev -t loop --plugin-dir "$pd" --filter test_filter_a --filter test_filter_b \
	--test_filter_a.count_file $SCRATCH/a.cnt --test_filter_b.count_file $SCRATCH/b.cnt \
	--test_filter_a.mark outer --test_filter_b.mark inner --test_filter_b.delay_us 50 "$img")
run_fio "stack-$id" --filename=/dev/ublkb$id --rw=randwrite --bs=4k-256k --iodepth=16 \
	--size=16M --verify=crc32c --do_verify=1 --verify_fatal=1 --verify_state_save=0
"$UBLK" del -n $id || fail "del -n $id"

for f in a b; do
	[ -s $SCRATCH/$f.cnt ] || fail "test_filter_$f wrote no counters"
	read -r line <$SCRATCH/$f.cnt
	echo "  test_filter_$f: $line"
	eval "$line"
	[ "$bad" = 0 ] || fail "test_filter_$f saw $bad requests with another layer's handle/thread data/priv"
	[ "$queued" -gt 50 ] || fail "test_filter_$f saw only $queued requests"
	[ "$completed" = "$queued" ] || fail "test_filter_$f: $queued queued, $completed completed"
	[ "$thread_events" -ge 2 ] || fail "test_filter_$f: $thread_events thread events, expected one per IO thread"
	case $f in
	a) [ "$mark" = outer ] && [ "$delayed" = 0 ] || fail "test_filter_a got another layer's keys: $line" ;;
	b) [ "$mark" = inner ] && [ "$delayed" = "$queued" ] || fail "test_filter_b: delays not routed to its io_done: $line" ;;
	esac
done
a_q=$(sed 's/.*queued=\([0-9]*\).*/\1/' $SCRATCH/a.cnt)
b_q=$(sed 's/.*queued=\([0-9]*\).*/\1/' $SCRATCH/b.cnt)
[ "$a_q" = "$b_q" ] || fail "the outer filter passed $a_q requests, the inner one saw $b_q"
assert_no_devices
pass
