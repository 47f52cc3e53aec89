#!/bin/bash
# The SDK as a third party sees it: `make install` into a DESTDIR (no .la in
# the plugin directory), examples/ramdisk built from the installed copy with
# pkg-config alone, loaded by the installed server from that plugin
# directory, fio crc32c verify at QD32 on 2 queues, mkfs.ext4 + fsck clean.
. "${srcdir:-.}/lib.sh"
require_driver
require_tool pkg-config
require_tool cc
require_tool make
require_tool mkfs.ext4
require_tool fsck.ext4

scratch_dir
stage=$SCRATCH/stage
make -C "$abs_top_builddir" install DESTDIR="$stage" >$SCRATCH/install.log 2>&1 ||
	fail "make install: $(tail -5 $SCRATCH/install.log)"
pc=$(find "$stage" -name ublk-plugin.pc)
[ -n "$pc" ] || fail "no ublk-plugin.pc installed"
export PKG_CONFIG_PATH=$(dirname "$pc") PKG_CONFIG_SYSROOT_DIR=$stage
plugindir=$(pkg-config --variable=plugindir ublk-plugin) || fail "pkg-config --variable=plugindir"
case $plugindir in "$stage"/*) ;; *) fail "plugindir $plugindir is not in the stage" ;; esac
[ -e "$plugindir/null.so" ] || fail "null.so not installed in $plugindir"
ls "$plugindir"/*.la >/dev/null 2>&1 && fail "libtool archives installed: $(ls "$plugindir"/*.la)"
server=$(find "$stage" -type f -name ublk-server -perm -u+x)
[ -x "$server" ] || fail "ublk-server not installed"
echo "ok: installed; plugindir $plugindir, no .la"

# Out of tree: a copy of the installed example, nothing from the source tree.
example=$(find "$stage" -path '*/examples/ramdisk/Makefile')
[ -n "$example" ] || fail "examples/ramdisk not installed"
cp -r "$(dirname "$example")" $SCRATCH/ramdisk
make -C $SCRATCH/ramdisk >$SCRATCH/build.log 2>&1 || fail "ramdisk build: $(tail -5 $SCRATCH/build.log)"
grep -q -- "-I$stage" $SCRATCH/build.log || fail "ramdisk not built with the staged header: $(cat $SCRATCH/build.log)"
make -C $SCRATCH/ramdisk install >>$SCRATCH/build.log 2>&1 || fail "ramdisk install: $(tail -5 $SCRATCH/build.log)"
[ -e "$plugindir/ramdisk.so" ] || fail "ramdisk.so not in $plugindir"
"$server" plugins --plugin-dir "$plugindir" | grep -E -q '^ramdisk +1\.2 +simple +parallel ' ||
	fail "plugins does not list ramdisk: $("$server" plugins --plugin-dir "$plugindir")"
echo "ok: ramdisk built with pkg-config alone and listed"

id=$("$server" add -t ramdisk --size 256M -q 2 -d 64 --plugin-dir "$plugindir" |
	sed -n 's/^dev id \([0-9]*\):.*/\1/p')
[ -n "$id" ] || fail "add -t ramdisk failed"
dev=/dev/ublkb$id
[ "$(blockdev --getsize64 $dev)" = $((256 << 20)) ] || fail "size $(blockdev --getsize64 $dev)"
for q in 0 1; do
	run_fio "ramdisk-verify-$q" --filename=$dev --rw=randwrite --bs=4k --iodepth=32 \
		--size=64M --offset=$((q * 64))M --cpus_allowed=$q --verify=crc32c \
		--do_verify=1 --verify_fatal=1 --verify_state_save=0 &
done
wait %1 || fail "fio verify on cpu 0"
wait %2 || fail "fio verify on cpu 1"
"$UBLK" stats -n $id | tee $SCRATCH/stats
echo "ok: fio crc32c verify at QD32, two jobs on two CPUs"

mnt=$SCRATCH/mnt
mkdir -p "$mnt"
trap 'rc=$?; umount "$mnt" 2>/dev/null; (exit $rc); on_exit' EXIT
mkfs.ext4 -q -F $dev || fail "mkfs.ext4"
mount $dev "$mnt" || fail "mount"
dd if=/dev/urandom of="$mnt/f" bs=1M count=32 status=none || fail "write a file"
sum=$(sha256sum <"$mnt/f")
umount "$mnt" || fail "umount"
fsck.ext4 -fn $dev >$SCRATCH/fsck.out 2>&1 || fail "fsck.ext4 -fn: $(tail -5 $SCRATCH/fsck.out)"
mount $dev "$mnt" || fail "remount"
[ "$(sha256sum <"$mnt/f")" = "$sum" ] || fail "file changed across umount"
umount "$mnt"
"$UBLK" del -n $id || fail "del"
assert_no_devices
pass "mkfs.ext4 + fsck clean"
