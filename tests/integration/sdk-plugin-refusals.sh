#!/bin/bash
# Plugins the server must not load, each refused in one line, no device:
# as root, a world-writable plugin directory, a group-writable .so, a .so
# not owned by root; for everyone, `-t ../null` and a plugin with both or
# neither API.
. "${srcdir:-.}/lib.sh"
require_driver
[ "$(id -u)" = 0 ] || skip "the ownership rule applies to root only"

scratch_dir
null=$UBLK_PLUGIN_DIR/null.so
for d in ok worldw groupw notroot; do
	mkdir -m 0755 $SCRATCH/$d
	cp "$null" $SCRATCH/$d/null.so
	chmod 0755 $SCRATCH/$d/null.so
done
chmod 0777 $SCRATCH/worldw
chmod 0775 $SCRATCH/groupw/null.so
chown 65534 $SCRATCH/notroot/null.so

# The same copy in a good directory loads: the refusals below are the rule's.
id=$(add_dev -t null --size 64M --plugin-dir $SCRATCH/ok)
"$UBLK" del -n $id || fail "del"

expect_fail "refusing to load $SCRATCH/worldw/null.so: $SCRATCH/worldw is writable by others (mode 0777)" \
	"$UBLK" add -t null --plugin-dir $SCRATCH/worldw
expect_fail "$SCRATCH/groupw/null.so is writable by group (mode 0775)" \
	"$UBLK" add -t null --plugin-dir $SCRATCH/groupw
expect_fail "$SCRATCH/notroot/null.so is owned by uid 65534, not root" \
	"$UBLK" add -t null --plugin-dir $SCRATCH/notroot
# UBLK_PLUGIN_DIR gets no exemption.
UBLK_PLUGIN_DIR=$SCRATCH/groupw expect_fail "writable by group" "$UBLK" add -t null
expect_fail "target must be a plugin name, not '\.\./null'" "$UBLK" add -t ../null
expect_fail "'\.\./null' is not a filter name" "$UBLK" add -t null --filter ../null
expect_fail "'\.\./null' is not a plugin name" "$UBLK" help ../null
# A symlink into a directory others can write is no better than the file there.
mkdir -m 0777 $SCRATCH/open
cp "$null" $SCRATCH/open/null.so
chmod 0755 $SCRATCH/open/null.so
ln -s $SCRATCH/open/null.so $SCRATCH/ok/link.so
expect_fail "refusing to load $SCRATCH/ok/link.so: $SCRATCH/open is writable by others" \
	"$UBLK" add -t link --plugin-dir $SCRATCH/ok
expect_fail "both_apis.so gives both queue_io and pread/pwrite" \
	"$UBLK" add -t both_apis --plugin-dir "$TEST_PLUGINS"
expect_fail "no_queue_io.so lacks .*queue_io" \
	"$UBLK" add -t no_queue_io --plugin-dir "$TEST_PLUGINS"
expect_fail "workers must be a number from 1 to 256, not '0'" \
	"$UBLK" add -t slow_parallel --workers 0 --plugin-dir "$TEST_PLUGINS"
assert_no_devices
pass
