#!/bin/bash
# ext4 on stripe (2 files, 64K chunks): concurrent writers, fsck clean,
# checksums equal on a new device over the same files (see ext4-lib.sh).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/ext4-lib.sh"

scratch_dir
truncate -s 64M "$SCRATCH/a.img" "$SCRATCH/b.img"
ext4_roundtrip -t stripe "$SCRATCH/a.img" "$SCRATCH/b.img"
pass "48 files, fsck clean, checksums equal after remount (${SECONDS} s)"
