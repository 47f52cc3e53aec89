#!/bin/bash
# rbd refuses what cannot work at add time, each within 15 s, with one line
# and no device: no such pool, no such image or snapshot, a wrong key, an
# unreachable monitor (bounded connect timeout, default 8 s, not librados'
# 5 minutes), a bad connect_timeout; in daemon mode the line names FILE:LINE.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"

rbd_cluster
scratch_dir
conf=$RBD_CLUSTER_DIR/ceph.conf

# A keyring whose client.admin key is a valid but wrong secret.
key=$({ printf '\001\000\000\000\000\000\000\000\000\000\020\000'; head -c 16 /dev/urandom; } | base64)
printf '[client.admin]\n\tkey = %s\n' "$key" >$SCRATCH/bad.keyring
# A configuration whose monitor address has nothing listening.
sed 's/^mon host = .*/mon host = v2:127.0.0.1:9/' "$conf" >$SCRATCH/nomon.conf

# bad PATTERN ADD_ARGS...: add fails with one line matching PATTERN, in 15 s.
bad() {
	t0=$(date +%s%N)
	expect_fail "$1" timeout 60 "$UBLK" add -t rbd "${@:2}"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ $ms -le 15000 ] || fail "add ${*:2}: refused after $ms ms, more than 15 s"
	echo "   ($ms ms)"
	assert_no_devices
}

bad "target rbd: no pool 'nosuchpool' in the Ceph cluster" nosuchpool/img
bad "target rbd: no image 'nosuchimage' in pool 'rbd'" rbd/nosuchimage
bad "target rbd: no image 'test' with snapshot 'nosnap' in pool 'rbd'" rbd/test@nosnap
bad "target rbd: Ceph monitors .* refused client.admin: bad key or keyring" rbd/test \
	--keyring $SCRATCH/bad.keyring
bad "target rbd: Ceph monitors .* refused client.nobody" rbd/test --id nobody
bad "target rbd: cannot reach the Ceph monitors v2:127.0.0.1:9 within 8 s" rbd/test \
	--conf $SCRATCH/nomon.conf
bad "target rbd: cannot reach the Ceph monitors v2:127.0.0.1:9 within 3 s" rbd/test \
	--conf $SCRATCH/nomon.conf --connect_timeout 3
bad "connect_timeout: 'soon' is not a number of seconds" rbd/test --connect_timeout soon
bad "target rbd: conf: cannot read '/nonexistent.conf'" rbd/test --conf /nonexistent.conf
bad "'noslash' is not pool/image" noslash

# Daemon mode: FILE:LINE of the stanza.
cfg=$SCRATCH/bad.ini
printf '[device ok]\ntarget = null\n\n[device a]\ntarget = rbd\npool = rbd\nimage = nosuchimage\n' >$cfg
expect_fail "^ublk-server: $cfg:4: target rbd: no image 'nosuchimage' in pool 'rbd'" \
	timeout 60 "$UBLK" -c $cfg
assert_no_devices
printf '[device a]\ntarget = rbd\nspec = rbd/test\nconf = %s\n' $SCRATCH/nomon.conf >$cfg
t0=$SECONDS
expect_fail "^ublk-server: $cfg:1: target rbd: cannot reach the Ceph monitors" \
	timeout 60 "$UBLK" -c $cfg
[ $((SECONDS - t0)) -le 15 ] || fail "daemon mode: unreachable monitor took $((SECONDS - t0)) s"
assert_no_devices
pass "${SECONDS} s"
