#!/bin/bash
# ext4 on loop: concurrent writers, fsck clean, checksums equal on a new
# device over the same file (see ext4-lib.sh).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/ext4-lib.sh"

scratch_dir
truncate -s 128M "$SCRATCH/fs.img"
ext4_roundtrip -t loop "$SCRATCH/fs.img"
pass "48 files, fsck clean, checksums equal after remount (${SECONDS} s)"
