#!/bin/bash
# shmem_zc: an application shares a hugetlb memfd (a plain memfd where the
# kernel has no huge pages: the client says which) over the device's socket
# and does O_DIRECT IO from it, fio-like (shmem-client.c): every byte read
# back is what was written, through the fast path and the normal path
# alike, and the server counts exactly the requests served from the shared
# buffer as shmem_zc_hits. The socket is root's alone.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/stats-lib.sh"
require_feature SHMEM_ZC
client=$abs_top_builddir/tests/integration/shmem-client
[ -x "$client" ] || fail "$client is not built (make check builds it)"

# Two 2 MiB huge pages for the client's buffer, if the kernel can spare them.
old_hp=$(cat /proc/sys/vm/nr_hugepages)
echo $((old_hp + 2)) >/proc/sys/vm/nr_hugepages 2>/dev/null

scratch_dir
img=$SCRATCH/shmem.img
truncate -s 16M "$img"
id=$(add_dev -t loop -q 2 --shmem_zc "$img")
run_dir=${UBLK_RUN_DIR:-/run/ublk-server}
sock=$run_dir/shmem/dev$id.sock
[ -S "$sock" ] || fail "no socket $sock"
[ "$(stat -c '%a %u' "$run_dir/shmem")" = "700 0" ] ||
	fail "$run_dir/shmem: $(stat -c '%a %u' "$run_dir/shmem"), expected 700 0"
[ "$(stat -c '%a %u' "$sock")" = "600 0" ] || fail "$sock: $(stat -c '%a %u' "$sock"), expected 600 0"
settle $id
before=$(jget "$(stats_dev $id)" .shmem_zc_hits)
[ "$before" = 0 ] || fail "shmem_zc_hits $before before any shared IO"

# Nobody but root may share memory with the server.
out=$(setpriv --reuid=4001 --regid=4001 --clear-groups "$client" "$sock" /dev/ublkb$id 16 2>&1) &&
	fail "uid 4001 used the socket: $out"
printf '%s\n' "$out" | grep -q "$sock: Permission denied" || fail "uid 4001: $out"
echo "ok: uid 4001 refused: $(printf '%s\n' "$out" | grep 'Permission denied')"

out=$("$client" "$sock" /dev/ublkb$id 16) || fail "shmem-client: $out"
printf '%s\n' "$out"
shared=$(printf '%s\n' "$out" | sed -n 's/^shared_ios=//p')
[ -n "$shared" ] && [ "$shared" -gt 0 ] || fail "client printed no shared_ios"
hits=$(jget "$(stats_dev $id)" .shmem_zc_hits)
[ "$hits" = "$shared" ] || fail "shmem_zc_hits $hits, expected $shared (the client's shared-buffer requests)"
echo "ok: $hits requests served from shared memory, data verified"

"$UBLK" del -n $id || fail "del -n $id"
[ ! -e "$sock" ] || fail "$sock left after del"
echo $old_hp >/proc/sys/vm/nr_hugepages
assert_no_devices
pass "${SECONDS} s"
