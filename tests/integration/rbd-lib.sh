# Sourced by the rbd-*.sh tests after lib.sh: one throwaway Ceph cluster
# (tests/ceph/ceph-cluster) shared by all of them in a VM run. The first rbd
# test starts it in $UBLK_RBD_CLUSTER (default /tmp/ublk-rbd-cluster, a tmpfs
# in the VM: it goes with the VM); rbd-cluster-stop.sh, the last rbd test,
# stops it. Each test makes its own images and removes them.
RBD_CLUSTER_DIR=${UBLK_RBD_CLUSTER:-/tmp/ublk-rbd-cluster}
CEPH_CLUSTER=$abs_top_srcdir/tests/ceph/ceph-cluster
export CEPH_HELPER=$abs_top_builddir/tests/ceph/ceph-helper
RBD_IMAGES=

# The rbd target and the Ceph daemons must be there; a missing piece fails
# (the test runner installs them: tests/install-deps), except a build
# configured without librbd, which skips.
[ -e "$UBLK_PLUGIN_DIR/rbd.so" ] || skip "the rbd target is not built (configure found no librbd)"
require_tool ceph-mon
require_tool ceph-osd
require_tool rbd

rbd_cluster_running() {
	[ -e "$RBD_CLUSTER_DIR/ceph.conf" ] &&
		"$CEPH_CLUSTER" status "$RBD_CLUSTER_DIR" 2>/dev/null | grep -q "mon.a running" &&
		"$CEPH_CLUSTER" status "$RBD_CLUSTER_DIR" 2>/dev/null | grep -q "osd.0 running"
}

# The shared cluster, started on first use.
rbd_cluster() {
	if ! rbd_cluster_running; then
		rm -rf "$RBD_CLUSTER_DIR"
		t0=$SECONDS
		"$CEPH_CLUSTER" start "$RBD_CLUSTER_DIR" >"/tmp/ceph-cluster-start.out" 2>&1 ||
			fail "cannot start the test cluster: $(tail -5 /tmp/ceph-cluster-start.out)"
		echo "ceph cluster started in $((SECONDS - t0)) s:"
		sed "s/^/  /" "$RBD_CLUSTER_DIR/log/start.times"
	fi
	export CEPH_CONF=$RBD_CLUSTER_DIR/ceph.conf
}

# rbd_image NAME SIZE_MB: a fresh image rbd/NAME, removed when the test ends.
rbd_image() {
	timeout 120 rbd rm "rbd/$1" >/dev/null 2>&1
	timeout 120 rbd create --size "$2" "rbd/$1" || fail "rbd create rbd/$1"
	RBD_IMAGES="$RBD_IMAGES $1"
}

# Bytes used by an image, from its object map (`rbd du`).
rbd_used() {
	timeout 120 rbd du --format json "rbd/$1" |
		sed -n 's/.*"used_size":\([0-9]*\).*/\1/p' | head -1
}

# Remove this test's images (their devices must be gone: an image with
# watchers cannot be removed).
rbd_remove_images() {
	for img in $RBD_IMAGES; do
		timeout 120 rbd snap purge "rbd/$img" >/dev/null 2>&1
		timeout 120 rbd rm "rbd/$img" >/dev/null 2>&1
	done
	RBD_IMAGES=
}

# lib.sh's exit handler, with the images removed after the devices.
rbd_on_exit() {
	rc=$?
	cleanup_test
	rbd_remove_images
	(exit $rc)
	on_exit
}
trap rbd_on_exit EXIT
