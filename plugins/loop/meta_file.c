// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <ublk/plugin.h>

#include "meta_file.h"

void meta_file_init(struct meta_file *mf)
{
	memset(mf, 0, sizeof(*mf));
	mf->fd = -1;
}

int meta_file_set_path(struct meta_file *mf, const char *path)
{
	if (mf->path) {
		ublk_error("only one metadata file, got '%s' and '%s'", mf->path, path);
		return -1;
	}
	if (!*path) {
		ublk_error("meta_file: empty path");
		return -1;
	}
	mf->path = strdup(path);
	if (!mf->path) {
		ublk_error("out of memory");
		return -1;
	}
	return 0;
}

/* Fill [from, to) with 0xff: metadata of blocks never written. */
static int fill_escape(struct meta_file *mf, uint64_t from, uint64_t to)
{
	static const size_t chunk = 64 << 10;
	char *buf = malloc(chunk);
	int ret = 0;

	if (!buf) {
		ublk_error("out of memory");
		return -1;
	}
	memset(buf, 0xff, chunk);
	while (from < to) {
		size_t n = to - from < chunk ? (size_t)(to - from) : chunk;
		ssize_t w = pwrite(mf->fd, buf, n, (off_t)from);

		if (w <= 0) {
			ublk_error("meta_file '%s': cannot extend: %s", mf->path,
				   w < 0 ? strerror(errno) : "short write");
			ret = -1;
			break;
		}
		from += (uint64_t)w;
	}
	free(buf);
	return ret;
}

int meta_file_open(struct meta_file *mf, uint64_t dev_size, uint32_t lbs,
		   uint32_t metadata_size, int read_only)
{
	uint64_t need = dev_size / lbs * metadata_size;
	struct stat st;

	mf->lbs = lbs;
	mf->metadata_size = metadata_size;
	/* Buffered: a tuple is a few bytes, never sector aligned. */
	mf->fd = open(mf->path, (read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0600);
	if (mf->fd < 0) {
		ublk_error("meta_file '%s': %s", mf->path, strerror(errno));
		return -1;
	}
	if (fstat(mf->fd, &st) || !S_ISREG(st.st_mode)) {
		ublk_error("meta_file '%s' is not a regular file", mf->path);
		return -1;
	}
	if ((uint64_t)st.st_size >= need)
		return 0;
	if (read_only) {
		ublk_error("meta_file '%s' has %" PRIu64 " bytes, the device's metadata needs %" PRIu64,
			   mf->path, (uint64_t)st.st_size, need);
		return -1;
	}
	return fill_escape(mf, (uint64_t)st.st_size, need);
}

void meta_file_close(struct meta_file *mf)
{
	if (mf->fd >= 0)
		close(mf->fd);
	free(mf->path);
	meta_file_init(mf);
}
