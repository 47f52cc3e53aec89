# Sourced by loop-ext4.sh and stripe-ext4.sh after lib.sh.
# ext4_roundtrip ADD_ARGS...: on a device made with `add -q 2 ADD_ARGS`:
# mkfs, mount, files from four concurrent writers, sync, umount, fsck -fn
# clean; then a new device with the same ADD_ARGS mounts and every file has
# its checksum (the data is in the backing store, not in a cache).
require_tool mkfs.ext4
require_tool fsck.ext4
require_tool sha256sum

ext4_roundtrip() {
	mnt=$SCRATCH/mnt
	mkdir -p "$mnt"
	trap 'rc=$?; umount "$mnt" 2>/dev/null; (exit $rc); on_exit' EXIT

	id=$(add_dev -q 2 "$@")
	dev=/dev/ublkb$id
	mkfs.ext4 -q -F $dev || fail "mkfs.ext4 $dev"
	mount $dev "$mnt" || fail "mount $dev"
	# Four writers at once, files from 4K to 4M, some in subdirectories.
	for w in 1 2 3 4; do
		(
			mkdir -p "$mnt/w$w/sub"
			for i in 1 2 3 4 5 6; do
				dd if=/dev/urandom of="$mnt/w$w/f$i" bs=4k count=$((i * i * w * 4)) status=none
				cp "$mnt/w$w/f$i" "$mnt/w$w/sub/copy$i"
			done
		) &
	done
	wait
	(cd "$mnt" && find . -type f | sort | xargs sha256sum) >$SCRATCH/sums
	[ "$(wc -l <$SCRATCH/sums)" = 48 ] || fail "expected 48 files, got $(wc -l <$SCRATCH/sums)"
	sync
	umount "$mnt" || fail "umount"
	fsck.ext4 -fn $dev >$SCRATCH/fsck.out 2>&1 || fail "fsck.ext4 -fn: $(tail -5 $SCRATCH/fsck.out)"
	"$UBLK" del -n $id || fail "del -n $id"

	id=$(add_dev "$@")
	mount /dev/ublkb$id "$mnt" || fail "remount on new device $id"
	(cd "$mnt" && sha256sum --quiet -c $SCRATCH/sums) || fail "checksums differ after remount"
	umount "$mnt" || fail "umount"
	"$UBLK" del -n $id
	assert_no_devices
}
