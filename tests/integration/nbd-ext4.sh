#!/bin/bash
# ext4 on nbd -> nbdkit memory: concurrent writers, fsck clean, checksums
# equal on a new device over the same export (see ext4-lib.sh).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/nbd-lib.sh"
. "${srcdir:-.}/ext4-lib.sh"

start_nbdkit memory 128M
ext4_roundtrip -t nbd "$NBD_URI"
pass "48 files, fsck clean, checksums equal after remount (${SECONDS} s)"
