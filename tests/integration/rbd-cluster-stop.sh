#!/bin/bash
# The last rbd test: stop the shared test cluster (rbd-lib.sh) and check that
# none of its daemons is left.
. "${srcdir:-.}/lib.sh"
RBD_CLUSTER_DIR=${UBLK_RBD_CLUSTER:-/tmp/ublk-rbd-cluster}
CEPH_CLUSTER=$abs_top_srcdir/tests/ceph/ceph-cluster

[ -e "$RBD_CLUSTER_DIR/ceph.conf" ] || skip "no test cluster was started"
timeout 120 "$CEPH_CLUSTER" stop "$RBD_CLUSTER_DIR" || fail "ceph-cluster stop"
for p in $(pgrep -f -- "-c $RBD_CLUSTER_DIR/ceph.conf"); do
	process_alive $p && fail "ceph daemon $p still running: $(tr '\0' ' ' </proc/$p/cmdline)"
done
rm -rf "$RBD_CLUSTER_DIR"
pass "${SECONDS} s"
