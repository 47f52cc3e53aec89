/* SPDX-License-Identifier: MIT */
/*
 * Backing files for plugins that keep their data in regular files or block
 * devices (loop, stripe): the `file=` and `direct_io=` keys, and opening
 * with O_DIRECT where the file system takes it.
 */
#ifndef UBLK_PLUGINS_COMMON_BACKING_H
#define UBLK_PLUGINS_COMMON_BACKING_H

#include <stdint.h>
#include <sys/types.h>

struct backing_file {
	char *path;
	int fd;			/* -1 until backing_open */
	int direct_io;		/* opened with O_DIRECT */
	int is_bdev;
	dev_t rdev;		/* a block device's number */
	uint64_t size;		/* bytes, at open */
};

/* An unused backing file: no path, fd -1. */
void backing_init(struct backing_file *bf);

/*
 * `file=PATH`: PATH must exist and be a regular file or a block device.
 * 0, or -1 after ublk_error().
 */
int backing_set_path(struct backing_file *bf, const char *path);

/* `direct_io=BOOL`. 0, or -1 after ublk_error(). */
int backing_config_direct_io(const char *value, int *direct_io);

/*
 * Open bf->path read-only or read-write, with O_DIRECT when direct_io is
 * set and falling back to buffered IO (a warning naming target) when the
 * file system refuses it; fill in fd, direct_io, is_bdev, rdev and size.
 * 0, or -1 after ublk_error(); backing_close() undoes either.
 */
int backing_open(struct backing_file *bf, const char *target, int read_only, int direct_io);

/* Close the fd and free the path. */
void backing_close(struct backing_file *bf);

#endif
