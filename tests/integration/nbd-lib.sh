# Sourced by the nbd-*.sh tests after lib.sh (or daemon-lib.sh): NBD servers
# the test starts itself on a Unix socket in $SCRATCH, and stops at exit
# (after the devices, so nothing waits on a server that is gone).
[ -e "$UBLK_PLUGIN_DIR/nbd.so" ] || skip "nbd.so is not built (configure --with-nbd)"
[ -n "${SCRATCH:-}" ] || scratch_dir
# The test VM boots with its loopback interface down; 127.0.0.1 needs it.
ip link set lo up 2>/dev/null
NBD_SOCK=$SCRATCH/nbd.sock
NBD_PIDFILE=$SCRATCH/nbd.pid

# Devices first, then servers, then lib.sh's own cleanup.
eval "lib_$(declare -f on_exit)"
on_exit() {
	rc=$?
	cleanup_test
	stop_server
	(exit $rc)
	lib_on_exit
}
trap on_exit EXIT

# wait for the server's socket (its pid file is written once it listens)
wait_server() {
	wait_for "[ -S '$NBD_SOCK' ] && [ -s '$NBD_PIDFILE' ]" 20 ||
		fail "NBD server did not listen on $NBD_SOCK"
}

# start_nbdkit ARGS...: nbdkit PLUGIN ARGS on $NBD_SOCK; NBD_URI says where.
start_nbdkit() {
	require_tool nbdkit
	rm -f "$NBD_SOCK" "$NBD_PIDFILE"
	nbdkit -U "$NBD_SOCK" -P "$NBD_PIDFILE" "$@" || fail "nbdkit $* failed to start"
	wait_server
	NBD_URI="nbd+unix:///?socket=$NBD_SOCK"
}

# start_qemu_nbd EXPORT ARGS...: qemu-nbd serving ARGS as EXPORT, up to 8
# clients, staying up when the last one leaves (--persistent).
start_qemu_nbd() {
	require_tool qemu-nbd
	rm -f "$NBD_SOCK" "$NBD_PIDFILE"
	qemu-nbd --fork -k "$NBD_SOCK" --pid-file="$NBD_PIDFILE" -x "$1" -e 8 --persistent "${@:2}" ||
		fail "qemu-nbd $* failed to start"
	wait_server
	NBD_URI="nbd+unix:///$1?socket=$NBD_SOCK"
}

# stop_server: SIGKILL (a crash, as far as the client can tell), socket gone.
stop_server() {
	if [ -s "$NBD_PIDFILE" ]; then
		pid=$(cat "$NBD_PIDFILE")
		kill -9 "$pid" 2>/dev/null
		wait_for "! process_alive $pid" 10
	fi
	rm -f "$NBD_SOCK" "$NBD_PIDFILE"
	return 0
}
