#!/bin/bash
# Chaos soak, inside the VM (tests/soak/run-soak starts it; make soak).
#
# Two daemons and the command line, under fio for UBLK_SOAK_MINUTES:
#   K  (kill):   kloop (loop) and kstripe (stripe over 2 files), both
#                `recovery = reissue`, fio --verify=crc32c on each all the
#                time; the driver kill -9s K and starts it again (the
#                devices are re-attached, fio's IO waits and goes on).
#   R  (reload): rnull (null, fio randrw), rfault (loop + fault_inject,
#                error_rate 2%: fio counts the injected errors) and rextra
#                (loop), which SIGHUP reloads add and remove in turn; each
#                time rextra comes back it is verified with fio. R is never
#                killed: its RSS, threads and fds are sampled over time.
#   CLI: `add -t loop`, fio verify, `del` of a device, again and again.
# At the end: 0 verify/IO errors outside rfault (failed on purpose), rfault
# saw errors, R's threads and fds back to their first values in the same
# configuration, RSS bounded and not grown in the same configuration, and
# after SIGINT no device, no state file, no daemon left.
#
# Environment: UBLK_SOAK_MINUTES (default 2), UBLK_SOAK_SRCDIR,
# UBLK_SOAK_BUILDDIR, UBLK_SOAK_SEED.
srcdir=$UBLK_SOAK_SRCDIR/tests/integration
abs_top_builddir=$UBLK_SOAK_BUILDDIR
. "$srcdir/lib.sh"
require_tool fio

minutes=${UBLK_SOAK_MINUTES:-2}
RANDOM=${UBLK_SOAK_SEED:-$$}
scratch_dir
S=$SCRATCH
end=$((SECONDS + minutes * 60))
say() { echo "soak $(printf '%5d' $SECONDS)s: $*"; }

fail() {
	echo "FAIL: soak: $*" >&2
	for f in "$S"/K.err "$S"/R.err; do
		[ -s "$f" ] && { echo "--- $f (end):"; tail -n 20 "$f"; } >&2
	done
	exit 1
}

truncate -s 128M $S/kloop.img
truncate -s 64M $S/s0.img $S/s1.img
truncate -s 64M $S/rfault.img
truncate -s 32M $S/rextra.img $S/cli.img
mkdir -p $S/runK $S/runR

cat >$S/K.ini <<EOF
[global]
run_dir = $S/runK

[device kloop]
target = loop
file = $S/kloop.img
recovery = reissue

[device kstripe]
target = stripe
file = $S/s0.img
file = $S/s1.img
chunk_size = 64K
recovery = reissue
EOF

r_ini() {
	cat <<EOF
[global]
run_dir = $S/runR

[device rnull]
target = null
size = 256M

[device rfault]
target = loop
file = $S/rfault.img
filters = fault_inject
fault_inject.error_rate = 2%
EOF
	[ "$1" = 1 ] && cat <<EOF

[device rextra]
target = loop
file = $S/rextra.img
EOF
	return 0
}

# NAME's device id from a daemon's output file.
dev_in() { sed -n "s|^$2: /dev/ublkb\([0-9]*\)\( (recovered)\)\?\$|\1|p" "$1" | tail -n 1; }

start_k() {
	"$UBLK" -c $S/K.ini >$S/K.out 2>>$S/K.err &
	KPID=$!
	track_pid $KPID
	wait_for "[ \$(grep -c ': /dev/ublkb' $S/K.out) -ge 2 ]" 120 ||
		{ stuck; fail "daemon K reported $(cat $S/K.out)"; }
	track_dev "$(dev_in $S/K.out kloop)"
	track_dev "$(dev_in $S/K.out kstripe)"
}

r_ini 0 >$S/R.ini
"$UBLK" -c $S/R.ini >$S/R.out 2>$S/R.err &
RPID=$!
track_pid $RPID
wait_for "[ \$(grep -c ': /dev/ublkb' $S/R.out) -ge 2 ]" 60 || fail "daemon R reported $(cat $S/R.out)"
for n in rnull rfault; do track_dev "$(dev_in $S/R.out $n)"; done
extra=0
start_k
kloop=$(dev_in $S/K.out kloop) kstripe=$(dev_in $S/K.out kstripe)
rnull=$(dev_in $S/R.out rnull) rfault=$(dev_in $S/R.out rfault)
say "K (pid $KPID): kloop ublkb$kloop kstripe ublkb$kstripe; R (pid $RPID): rnull ublkb$rnull rfault ublkb$rfault"

# worker NAME DEV FIO_ARGS...: fio rounds on DEV until $S/stop; one line
# per round in $S/NAME.rounds: "ok", or "FAIL rc" (output kept).
worker() {
	local name=$1 dev=$2 r=0 rc
	shift 2
	while [ ! -e $S/stop ]; do
		r=$((r + 1))
		fio --name=$name --filename=$dev --ioengine=io_uring --direct=1 \
			--output-format=json "$@" >$S/$name.json 2>$S/$name.stderr
		rc=$?
		if [ $rc = 0 ]; then
			echo ok >>$S/$name.rounds
		else
			echo "FAIL $rc" >>$S/$name.rounds
			cp $S/$name.json $S/$name.fail$r.json
			cp $S/$name.stderr $S/$name.fail$r.stderr
		fi
		python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["jobs"][0]["total_err"])' \
			$S/$name.json >>$S/$name.errs 2>/dev/null
	done
}
verify_args=(--rw=randwrite --iodepth=16 --size=16M
	--verify=crc32c --verify_backlog=256 --do_verify=1 --verify_fatal=1 --verify_state_save=0)
worker kloop /dev/ublkb$kloop "${verify_args[@]}" --bs=4k &
W1=$!
# 48k blocks: many cross the 64K stripe chunks.
worker kstripe /dev/ublkb$kstripe "${verify_args[@]}" --bs=48k &
W2=$!
worker rnull /dev/ublkb$rnull --rw=randrw --bs=4k --iodepth=32 --size=256M --runtime=10 --time_based &
W3=$!
worker rfault /dev/ublkb$rfault --rw=randrw --bs=4k --iodepth=8 --size=64M --runtime=10 --time_based \
	--continue_on_error=all &
W4=$!
for p in $W1 $W2 $W3 $W4; do track_pid $p; done

# sample: "SECONDS extra rss_kB threads fds K_rss_kB cycles io_wq" of R.
# Threads leave out io_uring's io-wq workers (iou-wrk-N), which the kernel
# starts and ends by itself with the load; cycles: rextra removals so far.
sample() {
	local rss thr=0 iou=0 fds krss c
	rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$RPID/status)
	for c in /proc/$RPID/task/*/comm; do
		case $(cat $c 2>/dev/null) in
		iou-wrk-*) iou=$((iou + 1)) ;;
		'') ;;
		*) thr=$((thr + 1)) ;;
		esac
	done
	fds=$(ls /proc/$RPID/fd | wc -l)
	krss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$KPID/status 2>/dev/null)
	echo "$SECONDS $extra $rss $thr $fds ${krss:-0} $cycles $iou" >>$S/samples
}

# quick_verify NAME DEV: a short crc32c-verified fio; a failure counts.
quick_verify() {
	if fio --name=$1 --filename=$2 --ioengine=io_uring --direct=1 --rw=randwrite --bs=4k \
		--iodepth=8 --size=8M --verify=crc32c --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 >$S/$1.quick.out 2>&1; then
		echo ok >>$S/$1.rounds
	else
		echo FAIL >>$S/$1.rounds
		cp $S/$1.quick.out $S/$1.fail.$SECONDS.out
		say "FAIL: quick verify of $1 ($2): $(tail -n 3 $S/$1.quick.out | tr '\n' ' ')"
	fi
}

# buf_kb: 64 MiB + the IO buffers (queues x depth x max IO size) of the
# devices R serves or served.
buf_kb=65536
add_buffers() {
	local l q d m
	l=$("$UBLK" list -n $1)
	q=$(printf '%s\n' "$l" | sed -n 's/.*nr_hw_queues \([0-9]*\).*/\1/p')
	d=$(printf '%s\n' "$l" | sed -n 's/.*queue_depth \([0-9]*\).*/\1/p')
	m=$(printf '%s\n' "$l" | sed -n 's/.*max rq size \([0-9]*\).*/\1/p')
	[ -n "$q" ] && [ -n "$d" ] && [ -n "$m" ] || fail "list -n $1: no queues, depth or max rq size: $l"
	buf_kb=$((buf_kb + q * d * (m + 4096) / 1024))
}
add_buffers $rnull
add_buffers $rfault
extra_counted=0

kills=0 reloads=0 cli=0 reload_lines=1 cycles=0
# stuck: the state and kernel stack of our daemons and fio (a hang's facts).
stuck() {
	local p
	for p in $(pgrep -x ublk-server) $(pgrep -x fio); do
		echo "--- $p $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | cut -c1-80)"
		grep -E '^(State|Threads)' /proc/$p/status 2>/dev/null | tr '\n' ' '
		echo
		for t in /proc/$p/task/*; do
			echo "  $(cat $t/comm 2>/dev/null) $(sed -n 's/^State:[[:space:]]*//p' $t/status 2>/dev/null): $(tr '\n' ' ' <$t/stack 2>/dev/null | cut -c1-300)"
		done
	done
	"$UBLK" list 2>&1 | grep -E 'dev id|state'
}

do_kill() {
	local old=$KPID t0=$SECONDS t1 t2
	kill -9 $KPID
	# Bounded: a daemon that does not die within 120 s is a hang to report.
	wait_for "! process_alive $old" 120 || { stuck; fail "K ($old) still alive 120 s after kill -9"; }
	wait $old 2>/dev/null
	t1=$SECONDS
	wait_for "[ \"\$(dev_state $kloop)\" = QUIESCED ] && [ \"\$(dev_state $kstripe)\" = QUIESCED ]" 60 ||
		{ stuck; fail "after kill -9 of K: kloop $(dev_state $kloop), kstripe $(dev_state $kstripe)"; }
	t2=$SECONDS
	start_k
	say "kill -9 K: dead after $((t1 - t0)) s, both QUIESCED after $((t2 - t1)) s, re-attached after $((SECONDS - t2)) s"
	[ "$(dev_in $S/K.out kloop)" = $kloop ] && [ "$(dev_in $S/K.out kstripe)" = $kstripe ] ||
		fail "K came back with other devices: $(cat $S/K.out)"
	[ "$(grep -c '(recovered)$' $S/K.out)" = 2 ] || fail "K did not re-attach both: $(cat $S/K.out)"
	kills=$((kills + 1))
	say "kill -9 K ($old), re-attached by $KPID"
}

do_reload() {
	extra=$((1 - extra))
	r_ini $extra >$S/R.ini
	kill -HUP $RPID
	reload_lines=$((reload_lines + 1))
	wait_for "[ \$(grep -c 'reloaded $S/R.ini' $S/R.err) -ge $((reload_lines - 1)) ]" 60 ||
		fail "reload $reload_lines of R not logged"
	reloads=$((reloads + 1))
	if [ $extra = 1 ]; then
		wait_for "[ -n \"\$(dev_in $S/R.out rextra)\" ] && [ -b /dev/ublkb\$(dev_in $S/R.out rextra) ]" 30 ||
			fail "rextra not back"
		id=$(dev_in $S/R.out rextra)
		track_dev $id
		wait_for "[ \"\$(dev_state $id)\" = LIVE ]" 30 || fail "rextra (dev $id) not LIVE"
		[ $extra_counted = 1 ] || { add_buffers $id; extra_counted=1; }
		quick_verify rextra /dev/ublkb$id
	else
		cycles=$((cycles + 1))
	fi
	say "SIGHUP R: rextra $([ $extra = 1 ] && echo added || echo removed)"
}

do_cli() {
	local out id
	out=$("$UBLK" add -t loop $S/cli.img 2>&1) || fail "add -t loop: $out"
	id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
	[ -n "$id" ] || fail "add printed no id: $out"
	track_dev $id
	track_pid "$(dev_pid $id)"
	quick_verify cli /dev/ublkb$id
	out=$("$UBLK" del -n $id 2>&1) || fail "del -n $id: $out"
	wait_for "[ ! -e /dev/ublkb$id ]" 20 || fail "/dev/ublkb$id still there after del"
	cli=$((cli + 1))
	say "CLI add/verify/del of dev $id"
}

sleep 5	# the first sample with every worker's IO under way
sample
next_sample=$((SECONDS + 10))
# Every kind of action once (rextra added and removed: the memory the
# allocator keeps after a first cycle is the baseline), then at random.
do_kill
do_reload
do_cli
do_reload
sample
while [ $SECONDS -lt $end ]; do
	case $((RANDOM % 3)) in
	0) do_kill ;;
	1) do_reload ;;
	2) do_cli ;;
	esac
	t=$((SECONDS + 2 + RANDOM % 6))
	while [ $SECONDS -lt $t ]; do
		[ $SECONDS -ge $next_sample ] && { sample; next_sample=$((SECONDS + 10)); }
		sleep 0.5
	done
done

# The base configuration again (no rextra) for the last sample.
[ $extra = 1 ] && do_reload
touch $S/stop
say "stopping: waiting for the fio rounds in flight"
for p in $W1 $W2 $W3 $W4; do
	# A 16M verify round takes ~4 min on a loaded host (7 in 30 min).
	timeout 900 tail --pid=$p -f /dev/null || { stuck; fail "worker $p did not end"; }
	wait $p
done
sleep 1
sample

# Figures. Rounds: kloop, kstripe, rnull, rextra, cli must all be ok.
bad=0
for n in kloop kstripe rnull rextra cli; do
	[ -f $S/$n.rounds ] || { [ $n = rextra ] || [ $n = cli ] || fail "no fio rounds for $n"; continue; }
	ok=$(grep -c '^ok$' $S/$n.rounds)
	nf=$(grep -vc '^ok$' $S/$n.rounds)
	errs=$(awk '{ s += $1 } END { print s + 0 }' $S/$n.errs 2>/dev/null)
	say "$n: $ok fio rounds ok, $nf failed, ${errs:-0} IO errors"
	bad=$((bad + nf))
	for f in $S/$n.fail*; do [ -e "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
done
ferr=$(awk '{ s += $1 } END { print s + 0 }' $S/rfault.errs 2>/dev/null)
say "rfault: $(wc -l <$S/rfault.rounds) fio rounds, $ferr injected errors seen (failed on purpose)"
say "actions: $kills kill -9 + recover, $reloads SIGHUP reloads, $cli CLI add/del"
# (no process substitution: the VM has no /dev/fd)
set -- $(head -n 1 $S/samples)
rss_start=$3 thr_start=$4 fds_start=$5
# The baseline: the first sample without rextra after it was added and
# removed once; the end: the last sample (without rextra, IO stopped).
set -- $(awk '$2 == 0 && $7 >= 1' $S/samples | head -n 1)
rss0=$3 thr0=$4 fds0=$5
set -- $(tail -n 1 $S/samples)
rss1=$3 thr1=$4 fds1=$5
rmax=$(awk 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' $S/samples)
kmax=$(awk 'BEGIN { m = 0 } $6 > m { m = $6 } END { print m }' $S/samples)
say "R RSS bound kB: $buf_kb (64 MiB + the IO buffers of rnull, rfault, rextra)"
say "R RSS kB: start $rss_start, after the first rextra cycle $rss0, last $rss1, max $rmax ($(wc -l <$S/samples) samples, $cycles cycles)"
say "R threads (without io-wq workers): start $thr_start, after a cycle $thr0, last $thr1; fds: start $fds_start, after a cycle $fds0, last $fds1; K RSS max $kmax kB"
cp $S/samples "${UBLK_SOAK_OUT:-/tmp}/soak-samples.txt" 2>/dev/null

[ $bad = 0 ] || fail "$bad fio rounds failed on devices never failed on purpose"
[ "${ferr:-0}" -gt 0 ] || fail "rfault saw no injected error"
[ "$thr1" = "$thr0" ] && [ "$thr1" = "$thr_start" ] || fail "R threads $thr_start, $thr0 -> $thr1 in the same configuration"
[ "$fds1" = "$fds0" ] && [ "$fds1" = "$fds_start" ] || fail "R fds $fds_start, $fds0 -> $fds1 in the same configuration: $(ls -l /proc/$RPID/fd)"
# Memory: every request slot owns a max-IO-size buffer (posix_memalign);
# with transparent huge pages a 4k IO into one makes its huge page
# resident, so RSS climbs while the slots get used, up to the buffers'
# total, and drops when rextra goes. A leak shows as more than that total,
# or as growth between samples of the same configuration:
# (a) RSS <= 64 MiB + the buffers of rnull, rfault and rextra;
# (b) without rextra, after its first add/remove cycle: no sample more
#     than 10% (or 4 MiB) above the first such sample.
[ $rmax -le $buf_kb ] || fail "R RSS $rmax kB above the bound $buf_kb kB (64 MiB + IO buffers)"
bmax=$(awk '$2 == 0 && $7 >= 1 && $3 > m { m = $3 } END { print m + 0 }' $S/samples)
say "R RSS kB without rextra after a cycle: first $rss0, max $bmax, last $rss1"
lim=$((rss0 / 10)); [ $lim -lt 4096 ] && lim=4096
[ $((bmax - rss0)) -le $lim ] || fail "R RSS grew from $rss0 to $bmax kB in the same configuration"

# SIGINT: every device and state file goes.
for p in $KPID $RPID; do
	kill -INT $p
	wait $p
	rc=$?
	[ $rc = 0 ] || fail "daemon $p exit status $rc after SIGINT"
done
assert_no_devices
assert_no_daemons
left=$(find $S/runK $S/runR -mindepth 1)
[ -z "$left" ] || fail "left in the run directories: $left"
say "PASS: 0 verify errors, no leaked device, thread, fd, state file; RSS $rss0 -> $rss1 kB (max $rmax)"
