#!/bin/bash
# rbd: kill -9 the daemon under fio verify with recovery on (-r 1 -i 1),
# `recover` attaches a new daemon to the same /dev/ublkbN, which reopens the
# image and takes over its exclusive lock from the dead client: every fio
# pass verifies (crc32c) with 0 errors. rbd_cache=off: without a flush, a
# writeback cache may lose acknowledged writes on a crash, by definition.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
require_tool fio

CYCLES=${UBLK_RBD_RECOVERY_CYCLES:-2}
rbd_cluster
scratch_dir
rbd_image recovery 32
add_args=(-t rbd rbd/recovery --rbd_cache off -r 1 -i 1)

id=$(add_dev "${add_args[@]}")
dev=/dev/ublkb$id
majmin=$(dev_majmin $id)
pid=$(dev_pid $id)

fio_pass() {
	timeout 600 fio --name=rbdkill9 --filename=$dev --ioengine=io_uring --direct=1 \
		--rw=randwrite --bs=4k --iodepth=16 --size=4M --randseed=$1 \
		--verify=crc32c --verify_backlog=256 --do_verify=1 --verify_fatal=1 \
		--verify_state_save=0 "${@:2}"
}

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

loaded=0
for cycle in $(seq $CYCLES); do
	sleep 3
	[ -e $SCRATCH/failed ] && break
	for try in $(seq 100); do
		inflight=$(awk '{print $1 + $2}' /sys/block/ublkb$id/inflight)
		[ "$inflight" -gt 0 ] && break
		sleep 0.05
	done
	[ "$inflight" -gt 0 ] && loaded=$((loaded + 1))
	kill -9 $pid || fail "cycle $cycle: kill -9 $pid"
	wait_for "! process_alive $pid" 10 || fail "cycle $cycle: daemon $pid survived kill -9"
	t0=$SECONDS
	out=$(timeout 60 "$UBLK" recover -n $id "${add_args[@]}" 2>&1) ||
		fail "cycle $cycle: recover failed: $out"
	new=$(dev_pid $id)
	[ "$(dev_state $id)" = LIVE ] || fail "cycle $cycle: state $(dev_state $id) after recover"
	[ "$new" != "$pid" ] && process_alive "$new" || fail "cycle $cycle: no new daemon"
	[ "$(dev_majmin $id)" = "$majmin" ] || fail "cycle $cycle: major:minor changed"
	# Writes resume once the new client holds the image's exclusive lock.
	w0=$(awk '{print $5}' /sys/block/ublkb$id/stat)
	wait_for "[ \$(awk '{print \$5}' /sys/block/ublkb$id/stat) -gt $w0 ] || [ -e $SCRATCH/failed ]" 120 ||
		fail "cycle $cycle: no write completed within 120 s of the recover"
	echo "cycle $cycle: killed $pid with $inflight in flight, recovered by $new, writing again after $((SECONDS - t0)) s"
	pid=$new
done
[ -e $SCRATCH/failed ] &&
	fail "fio pass $(cat $SCRATCH/failed) failed: $(tail -15 $SCRATCH/fio.$(cat $SCRATCH/failed).out)"
[ $loaded -ge 1 ] || fail "no kill found requests in flight"
touch $SCRATCH/stop
wait_for "! kill -0 $runner_pid 2>/dev/null" 600 || fail "fio runner did not finish"
wait $runner_pid
[ -e $SCRATCH/failed ] &&
	fail "fio pass $(cat $SCRATCH/failed) failed: $(tail -15 $SCRATCH/fio.$(cat $SCRATCH/failed).out)"
passes=$(cat $SCRATCH/passes 2>/dev/null)
[ "${passes:-0}" -ge 1 ] || fail "no fio pass finished"
bad=$(grep -h -i -E 'verify.*(fail|bad)|bad magic|err= *[1-9]' $SCRATCH/fio.*.out)
[ -z "$bad" ] || fail "errors in the fio output: $bad"
"$UBLK" del -n $id || fail "del -n $id"
assert_no_devices
pass "$CYCLES kills ($loaded with IO in flight), $passes verified fio passes, 0 errors (${SECONDS} s)"
