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

expect_fail "plugin directory $SCRATCH/worldw is writable by others (mode 0777)" \
	"$UBLK" add -t null --plugin-dir $SCRATCH/worldw
expect_fail "$SCRATCH/groupw/null.so is writable by group (mode 0775)" \
	"$UBLK" add -t null --plugin-dir $SCRATCH/groupw
expect_fail "$SCRATCH/notroot/null.so is owned by uid 65534, not root" \
	"$UBLK" add -t null --plugin-dir $SCRATCH/notroot
# UBLK_PLUGIN_DIR gets no exemption.
UBLK_PLUGIN_DIR=$SCRATCH/groupw expect_fail "writable by group" "$UBLK" add -t null
expect_fail "target must be a plugin name" "$UBLK" add -t ../null
expect_fail "'\.\./null' is not a plugin name" "$UBLK" add --filter ../null -t null
expect_fail "both_apis.so gives both queue_io and the simple API" \
	"$UBLK" add -t both_apis --plugin-dir "$TEST_PLUGINS"
expect_fail "no_queue_io.so lacks .*queue_io" \
	"$UBLK" add -t no_queue_io --plugin-dir "$TEST_PLUGINS"
assert_no_devices
pass
