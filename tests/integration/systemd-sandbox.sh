#!/bin/bash
# The systemd unit's sandbox still lets ublk-server work. The test VM runs no
# systemd, so this rebuilds what the unit's settings do to the daemon, read
# from etc/ublk-server.service itself: the capability bounding set
# (CapabilityBoundingSet=), no_new_privs (NoNewPrivileges=), the umask
# (UMask=), a private /tmp and /var/tmp (PrivateTmp=), read-only /usr /etc
# (ProtectSystem=full), /home (ProtectHome=read-only), /sys and /proc/sys
# (ProtectKernelTunables=). Under it the daemon serves a null and a loop
# device (fio verify), reloads, and stops cleanly. Control: with an empty
# bounding set, add fails (CAP_SYS_ADMIN is what ublk needs).
. "${srcdir:-.}/daemon-lib.sh"
require_driver
require_tool setpriv
require_tool unshare

unit=$abs_top_srcdir/etc/ublk-server.service
setting() { sed -n "s/^$1=//p" "$unit" | tail -1; }
[ "$(setting NoNewPrivileges)" = yes ] || fail "unit: NoNewPrivileges= is not yes"
[ "$(setting PrivateTmp)" = yes ] || fail "unit: PrivateTmp= is not yes"
[ "$(setting ProtectSystem)" = full ] || fail "unit: ProtectSystem= is not full"
[ "$(setting ProtectHome)" = read-only ] || fail "unit: ProtectHome= is not read-only"
[ "$(setting ProtectKernelTunables)" = yes ] || fail "unit: ProtectKernelTunables= is not yes"
umask_=$(setting UMask)
[ -n "$umask_" ] || fail "unit: no UMask="
caps=$(setting CapabilityBoundingSet)
[ -n "$caps" ] || fail "unit: no CapabilityBoundingSet="
# setpriv's spelling: -all,+sys_admin,...
bset=-all
for c in $caps; do
	c=${c#CAP_}
	bset="$bset,+${c,,}"
done
echo "unit: CapabilityBoundingSet=$caps -> setpriv --bounding-set $bset, UMask=$umask_"

# The sandbox: a mount namespace with the unit's views, then setpriv; it
# replaces the calling (sub)shell, so `sandbox ... &` gives the daemon's pid.
sandbox() {
	local ro=(/usr /etc /boot /home /sys /proc/sys) d keep=()
	# The unit runs an installed binary; a test build or source tree that
	# lives under /tmp (a CI clone, a mount in the test VM) stays visible
	# through the private /tmp (rbind: with the mounts below it).
	for d in "${abs_top_builddir:-}" "${abs_top_srcdir:-}"; do
		case $d in /tmp/?*) keep+=("$d") ;; esac
	done
	exec unshare -m --propagation private -- /bin/bash -c '
		set -e
		old=/run/.sandbox-tmp.$$
		mkdir -p "$old"
		mount --rbind /tmp "$old"
		mount -t tmpfs -o mode=1777 tmpfs /tmp
		for d in '"${keep[*]}"'; do
			mkdir -p "$d"
			mount --rbind "$old/${d#/tmp/}" "$d"
		done
		umount -l "$old"
		rmdir "$old"
		mount -t tmpfs -o mode=1777 tmpfs /var/tmp
		for d in '"${ro[*]}"'; do
			[ -d "$d" ] || continue
			mount --bind "$d" "$d"
			mount -o remount,bind,ro "$d"
		done
		umask '"$umask_"'
		exec setpriv --no-new-privs --bounding-set "$0" --inh-caps -all -- "$@"' "$@"
}

# /tmp is private in the sandbox: everything lives under /run.
dir=$(mktemp -d /run/"$TEST_NAME".XXXXXX)
RUN=$dir/run
truncate -s 64M "$dir/loop.img"
cat >"$dir/sandbox.ini" <<EOF
[global]
run_dir = $RUN
[device sb-null]
target = null
size = 64M
[device sb-loop]
target = loop
file = $dir/loop.img
EOF

sandbox "$bset" "$UBLK" -c "$dir/sandbox.ini" --foreground >"$DOUT" 2>"$DERR" &
DPID=$!
track_pid $DPID
wait_devices 2
grep -q "^NoNewPrivs:[[:space:]]*1$" "/proc/$DPID/status" || fail "daemon: no_new_privs not set"
eff=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$DPID/status")
bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' "/proc/$DPID/status")
[ "$eff" = "$bnd" ] && [ "$eff" = 0000000000200000 ] ||
	fail "daemon: CapEff $eff CapBnd $bnd, expected CAP_SYS_ADMIN only (0000000000200000)"
grep -q "^Umask:[[:space:]]*0*${umask_#0}$" "/proc/$DPID/status" || fail "daemon: $(grep Umask "/proc/$DPID/status")"
# In its own mount namespace the paths show from outside it: cwd = its root.
[ "$(readlink "/proc/$DPID/cwd")" = "$(readlink "/proc/$DPID/root")" ] ||
	fail "daemon: cwd $(readlink "/proc/$DPID/cwd"), root $(readlink "/proc/$DPID/root")"
lid=$(dev_of sb-loop)
run_fio sandbox-loop --filename="/dev/ublkb$lid" --rw=randwrite --bs=4k --size=8M \
	--verify=crc32c --verify_fatal=1
run_fio sandbox-null --filename="/dev/ublkb$(dev_of sb-null)" --rw=randread --bs=4k --size=8M
printf '[device sb-null2]\ntarget = null\nsize = 16M\n' >>"$dir/sandbox.ini"
kill -HUP "$DPID"
wait_devices 3
stop_daemon
rm -rf "$dir"
echo "ok: sandboxed daemon (caps $eff, no_new_privs, umask $umask_): 3 devices, fio verify, reload, stop"

# Control: without CAP_SYS_ADMIN ublk refuses to add a device.
if out=$(sandbox -all "$UBLK" add -t null -s 16M 2>&1); then
	id=$(printf '%s\n' "$out" | sed -n 's/^dev id \([0-9]*\):.*/\1/p')
	[ -n "$id" ] && track_dev "$id"
	fail "add succeeded with an empty capability bounding set: $out"
fi
echo "ok: with no capability: $out"
pass
