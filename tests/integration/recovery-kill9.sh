#!/bin/bash
# kill -9 under load loses nothing: fio writes and verifies (crc32c) a loop
# device added with -r 1 -i 1 while its daemon is SIGKILLed at random short
# intervals and recovered, 20 times. Every fio pass exits 0 without a verify
# error; after each recover the device is LIVE, same id and major:minor,
# served by the new daemon; at the end the data of the last pass reads back
# intact after one more crash and recover.
. "${srcdir:-.}/lib.sh"
require_tool fio

CYCLES=${UBLK_RECOVERY_CYCLES:-20}
scratch_dir
img=$SCRATCH/loop.img
truncate -s 64M "$img"
add_args=(-t loop "$img" -r 1 -i 1)

id=$(add_dev "${add_args[@]}")
dev=/dev/ublkb$id
majmin=$(dev_majmin $id)
[ -n "$majmin" ] || fail "no /sys/block/ublkb$id/dev"
pid=$(dev_pid $id)

# One pass: random 4k writes over 16M, each block verified (backlog and at the end).
fio_pass() {
	timeout 120 fio --name=kill9 --filename=$dev --ioengine=io_uring --direct=1 \
		--rw=randwrite --bs=4k --iodepth=16 --size=16M --randseed=$1 \
		--verify=crc32c --verify_backlog=1024 --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 "${@:2}"
}

# What the device and the daemons are doing, for a failure message.
diagnose() {
	"$UBLK" list -n $id 2>&1 | head -2
	for p in $(our_daemons); do
		echo "pid $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"
		for t in /proc/$p/task/*; do
			echo "  task ${t##*/} $(cut -d' ' -f3 $t/stat 2>/dev/null) $(cat $t/wchan 2>/dev/null)"
			sed 's/^/    /' $t/stack 2>/dev/null | head -12
		done
	done
}

# Passes back to back until told to stop; the first failure ends the runner.
runner() {
	n=0
	while [ ! -e $SCRATCH/stop ]; do
		n=$((n + 1))
		if ! fio_pass $n >$SCRATCH/fio.$n.out 2>&1; then
			echo $n >$SCRATCH/failed
			return 1
		fi
		echo $n >$SCRATCH/passes
	done
}
runner &
runner_pid=$!
sleep 1

t0=$SECONDS
max_recover=0 loaded=0
for cycle in $(seq $CYCLES); do
	sleep 0.$((RANDOM % 8 + 2))
	[ -e $SCRATCH/failed ] && break
	# Aim at a moment with requests in flight (fio also spends time checksumming).
	for try in $(seq 40); do
		inflight=$(awk '{print $1 + $2}' /sys/block/ublkb$id/inflight)
		[ "$inflight" -gt 0 ] && break
		sleep 0.02
	done
	[ "$inflight" -gt 0 ] && loaded=$((loaded + 1))
	k0=$(date +%s%N)
	kill -9 $pid || fail "cycle $cycle: kill -9 $pid"
	wait_for "! process_alive $pid" 10 || fail "cycle $cycle: daemon $pid survived kill -9"
	exit_ms=$((($(date +%s%N) - k0) / 1000000))
	r0=$(date +%s%N)
	out=$(timeout 30 "$UBLK" recover -n $id "${add_args[@]}" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - r0) / 1000000))
	[ $rc = 124 ] && fail "cycle $cycle: recover hung (30 s): $(diagnose)"
	[ $rc = 0 ] || fail "cycle $cycle: recover failed ($rc): $out"
	[ $ms -gt $max_recover ] && max_recover=$ms
	printf '%s\n' "$out" | grep -q "^dev id $id: " || fail "cycle $cycle: recover printed: $out"
	new=$(dev_pid $id)
	[ "$(dev_state $id)" = LIVE ] || fail "cycle $cycle: state $(dev_state $id) after recover"
	[ "$new" != "$pid" ] || fail "cycle $cycle: daemon pid still $pid after recover"
	process_alive "$new" || fail "cycle $cycle: new daemon $new not running"
	[ "$(dev_majmin $id)" = "$majmin" ] ||
		fail "cycle $cycle: major:minor $(dev_majmin $id), was $majmin"
	echo "cycle $cycle: killed $pid with $inflight requests in flight (gone in $exit_ms ms), recovered by $new in $ms ms"
	pid=$new
done
[ -e $SCRATCH/failed ] &&
	fail "fio pass $(cat $SCRATCH/failed) failed: $(tail -15 $SCRATCH/fio.$(cat $SCRATCH/failed).out)"
cycles_s=$((SECONDS - t0))
# Most kills must hit the daemon with requests in flight (else fio was between passes).
[ $loaded -ge $((CYCLES / 2)) ] || fail "only $loaded of $CYCLES kills found requests in flight"

touch $SCRATCH/stop
wait_for "! kill -0 $runner_pid 2>/dev/null" 150 || fail "fio runner did not finish"
wait $runner_pid
[ -e $SCRATCH/failed ] &&
	fail "fio pass $(cat $SCRATCH/failed) failed: $(tail -15 $SCRATCH/fio.$(cat $SCRATCH/failed).out)"
passes=$(cat $SCRATCH/passes 2>/dev/null)
[ "${passes:-0}" -ge 1 ] || fail "no fio pass finished"
bad=$(grep -h -i -E 'verify.*(fail|bad)|bad magic|err= *[1-9]' $SCRATCH/fio.*.out)
[ -z "$bad" ] || fail "errors in the fio output: $bad"

# What the last pass wrote survives one more crash: read it back only.
kill -9 $pid
wait_for "! process_alive $pid" 10 || fail "daemon $pid survived kill -9"
timeout 30 "$UBLK" recover -n $id "${add_args[@]}" >/dev/null || fail "last recover failed"
fio_pass $passes --verify_only=1 >$SCRATCH/fio.final.out 2>&1 ||
	fail "data of pass $passes did not survive: $(tail -15 $SCRATCH/fio.final.out)"

"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "$CYCLES kills ($loaded with IO in flight) in $cycles_s s under $passes verified fio passes, slowest recover $max_recover ms"
