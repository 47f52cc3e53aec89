// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <ublk/plugin.h>

#include "backing.h"

void backing_init(struct backing_file *bf)
{
	memset(bf, 0, sizeof(*bf));
	bf->fd = -1;
}

int backing_set_path(struct backing_file *bf, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		ublk_error("backing file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		ublk_error("backing file '%s' is not a regular file or a block device", path);
		return -1;
	}
	bf->path = strdup(path);
	if (!bf->path) {
		ublk_error("out of memory");
		return -1;
	}
	return 0;
}

int backing_config_direct_io(const char *value, int *direct_io)
{
	if (ublk_parse_bool(value, direct_io)) {
		ublk_error("direct_io: '%s' is not on or off", value);
		return -1;
	}
	return 0;
}

static int open_fd(struct backing_file *bf, const char *target, int flags, int direct_io)
{
	if (direct_io) {
		bf->fd = open(bf->path, flags | O_DIRECT);
		if (bf->fd >= 0) {
			bf->direct_io = 1;
			return 0;
		}
		if (errno != EINVAL) {
			ublk_error("cannot open '%s': %s", bf->path, strerror(errno));
			return -1;
		}
		ublk_log(UBLK_LOG_WARN, "%s: %s refuses O_DIRECT, using buffered IO",
			 target, bf->path);
	}
	bf->direct_io = 0;
	bf->fd = open(bf->path, flags);
	if (bf->fd < 0) {
		ublk_error("cannot open '%s': %s", bf->path, strerror(errno));
		return -1;
	}
	return 0;
}

int backing_open(struct backing_file *bf, const char *target, int read_only, int direct_io)
{
	struct stat st;

	if (open_fd(bf, target, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC, direct_io))
		return -1;
	if (fstat(bf->fd, &st)) {
		ublk_error("cannot stat '%s': %s", bf->path, strerror(errno));
		return -1;
	}
	bf->is_bdev = S_ISBLK(st.st_mode);
	if (!bf->is_bdev) {
		bf->size = (uint64_t)st.st_size;
		return 0;
	}
	bf->rdev = st.st_rdev;
	if (ioctl(bf->fd, BLKGETSIZE64, &bf->size)) {
		ublk_error("cannot get the size of '%s': %s", bf->path, strerror(errno));
		return -1;
	}
	return 0;
}

void backing_close(struct backing_file *bf)
{
	if (bf->fd >= 0)
		close(bf->fd);
	free(bf->path);
	backing_init(bf);
}
