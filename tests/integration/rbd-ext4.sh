#!/bin/bash
# ext4 on an rbd image: concurrent writers, fsck clean, checksums equal on a
# new device over the same image (see ext4-lib.sh).
. "${srcdir:-.}/lib.sh"
. "${srcdir:-.}/rbd-lib.sh"
. "${srcdir:-.}/ext4-lib.sh"

rbd_cluster
scratch_dir
rbd_image ext4 128
ext4_roundtrip -t rbd rbd/ext4
# ext4_roundtrip has its own exit trap: remove the image here.
rbd_remove_images
pass "48 files, fsck clean, checksums equal after remount (${SECONDS} s)"
