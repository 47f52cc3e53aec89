#!/bin/bash
# trace over loop: every request of a fio run (random reads and writes of
# mixed sizes, as fio's own iolog records them) appears in trace.file with
# the same op, offset and length and a result equal to the length; nothing
# else writes. With trace.sample=4, a run of 400 writes logs about 100.
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/filter-lib.sh"

scratch_dir
img=$SCRATCH/t.img tr=$SCRATCH/trace.log
truncate -s 64M "$img"

id=$(add_dev --filter trace --trace.file "$tr" -t loop "$img") || exit 1
dev=/dev/ublkb$id
# No merging: each fio IO is one request.
echo 2 >/sys/block/ublkb$id/queue/nomerges || fail "cannot disable merges"
run_fio trace --filename=$dev --rw=randrw --bsrange=4k-64k --iodepth=8 --size=32M \
	--number_ios=600 --write_iolog=$SCRATCH/fio.iolog
del_and_wait $id
[ -s "$tr" ] || fail "trace file $tr is empty"
head -3 "$tr"

# fio iolog: "[MSEC] FILE read|write OFFSET LENGTH" (v3 has MSEC, v2 not);
# trace: "... op=OP offset=O length=L result=R latency_us=US"
awk '$2 == "read" || $2 == "write" { print $2, $3, $4 }
     $3 == "read" || $3 == "write" { print $3, $4, $5 }' $SCRATCH/fio.iolog | sort >$SCRATCH/want
sed -n 's/.* op=\([a-z_]*\) offset=\([0-9]*\) length=\([0-9]*\) result=\([-0-9]*\) latency_us=[0-9]*$/\1 \2 \3 \4/p' "$tr" \
	>$SCRATCH/got.all
[ "$(wc -l <$SCRATCH/got.all)" = "$(wc -l <"$tr")" ] || fail "malformed trace lines: $(grep -v latency_us= "$tr" | head -3)"
awk '$3 != $4 { print }' $SCRATCH/got.all | grep -q . &&
	fail "requests with a result other than their length: $(awk '$3 != $4' $SCRATCH/got.all | head -3)"
awk '$1 == "read" || $1 == "write" { print $1, $2, $3 }' $SCRATCH/got.all | sort >$SCRATCH/got
want=$(wc -l <$SCRATCH/want)
[ "$want" -ge 500 ] || fail "fio logged only $want IOs"
missing=$(comm -23 $SCRATCH/want $SCRATCH/got | wc -l)
[ "$missing" = 0 ] || fail "$missing of $want fio IOs not in the trace: $(comm -23 $SCRATCH/want $SCRATCH/got | head -3)"
extra_writes=$(comm -13 $SCRATCH/want $SCRATCH/got | grep -c '^write')
[ "$extra_writes" = 0 ] || fail "$extra_writes writes in the trace that fio did not do"
echo "ok: all $want fio IOs traced with op, offset, length and result"

# Sampling: 1 in 4.
rm -f "$tr"
id=$(add_dev --filter trace --trace.file "$tr" --trace.sample 4 -t loop "$img") || exit 1
run_fio trace-sample --filename=/dev/ublkb$id --rw=write --bs=4k --iodepth=1 --size=1600k
del_and_wait $id
n=$(grep -c "op=write " "$tr")
in_range "$n" 95 105 || fail "trace.sample=4: $n of 400 writes traced"
assert_no_devices
pass "$want IOs traced; sample=4: $n of 400 writes"
