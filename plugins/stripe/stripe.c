// SPDX-License-Identifier: MIT
/*
 * stripe: RAID-0 over 1..16 backing files (or block devices) of equal size.
 *
 * A request is cut at chunk boundaries (stripe_map.c); each file gets one
 * READV/WRITEV SQE with an iovec per piece, all files in parallel, or in
 * zero copy one READ_FIXED/WRITE_FIXED per contiguous piece. The request
 * completes when every part has; any failed or short part fails it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include <liburing.h>

#include <ublk/plugin.h>

#include "common/backing.h"
#include "common/util.h"
#include "stripe_map.h"

#define STRIPE_MAX_FILES	16
#define STRIPE_MIN_CHUNK	(4U << 10)
#define STRIPE_MAX_CHUNK	(512U << 10)
#define STRIPE_DEFAULT_CHUNK	(64U << 10)
#define STRIPE_MAX_IO		(1U << 20)
/* Pieces of the largest request with the smallest chunk, any alignment. */
#define STRIPE_MAX_PIECES	(STRIPE_MAX_IO / STRIPE_MIN_CHUNK + 2)

struct stripe_dev {
	struct backing_file files[STRIPE_MAX_FILES];
	uint32_t nfiles;
	uint32_t chunk_size;
	int direct_io;
	int read_only;
	uint64_t file_size;	/* used bytes of each file, a multiple of chunk_size */
	uint64_t dev_size;
};

/*
 * Per request. Each SQE's cookie is the byte count it must return (0 for
 * FSYNC), so a short part is seen without more state. A request's parts
 * (SQEs) are issued in a fixed order, one reservation each; when the ring is
 * full the host calls queue_io again later and `issued` says where to resume
 * (the plan is recomputed: it depends only on the request).
 */
struct stripe_req {
	uint32_t pending;	/* parts in flight */
	uint32_t issued;	/* parts issued so far */
	int all_issued;		/* no more parts will go out */
	int error;
	struct iovec iov[STRIPE_MAX_PIECES];
};

static int stripe_create(void **handle)
{
	struct stripe_dev *d = calloc(1, sizeof(*d));
	unsigned int i;

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(d->files); i++)
		backing_init(&d->files[i]);
	d->chunk_size = STRIPE_DEFAULT_CHUNK;
	d->direct_io = 1;
	*handle = d;
	return 0;
}

static int stripe_config(void *handle, const char *key, const char *value)
{
	struct stripe_dev *d = handle;

	if (!strcmp(key, "file")) {
		if (d->nfiles == STRIPE_MAX_FILES) {
			ublk_error("too many backing files: at most %u", STRIPE_MAX_FILES);
			return -1;
		}
		if (backing_set_path(&d->files[d->nfiles], value))
			return -1;
		d->nfiles++;
		return 0;
	}
	if (!strcmp(key, "chunk_size")) {
		uint64_t v;

		if (ublk_parse_size(value, &v) || v < STRIPE_MIN_CHUNK || v > STRIPE_MAX_CHUNK ||
		    !is_power_of_2(v)) {
			ublk_error("chunk_size: '%s' is not a power of two from 4K to 512K", value);
			return -1;
		}
		d->chunk_size = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "direct_io"))
		return backing_config_direct_io(value, &d->direct_io);
	ublk_error("unknown parameter '%s' for target stripe", key);
	return -1;
}

#define stripe_config_help \
	"file=PATH        a backing file or block device; repeat for each (or positional arguments)\n" \
	"chunk_size=SIZE  stripe unit, a power of two from 4K to 512K (default 64K)\n" \
	"direct_io=BOOL   O_DIRECT on the backing files (default on)\n"

static int stripe_config_complete(void *handle)
{
	struct stripe_dev *d = handle;

	if (!d->nfiles) {
		ublk_error("no backing files: give one or more paths (file=PATH)");
		return -1;
	}
	return 0;
}

static int stripe_open(void *handle, struct ublk_device_params *params)
{
	struct stripe_dev *d = handle;
	uint64_t size0;
	uint32_t i;

	d->read_only = !!(params->attrs & UBLK_DEV_READ_ONLY);
	for (i = 0; i < d->nfiles; i++) {
		if (backing_open(&d->files[i], "stripe", d->read_only, d->direct_io))
			return -1;
		if (d->files[i].size != d->files[0].size) {
			ublk_error("backing files differ in size: '%s' is %" PRIu64 " bytes, '%s' is %" PRIu64 " bytes",
				   d->files[0].path, d->files[0].size, d->files[i].path,
				   d->files[i].size);
			return -1;
		}
	}
	size0 = d->files[0].size;
	d->file_size = size0 / d->chunk_size * d->chunk_size;
	if (!d->file_size) {
		ublk_error("'%s' is too small: %" PRIu64 " bytes, less than one %u-byte chunk",
			   d->files[0].path, size0, d->chunk_size);
		return -1;
	}
	if (d->chunk_size % params->logical_block_size) {
		ublk_error("chunk_size %u is not a multiple of the block size %u",
			   d->chunk_size, params->logical_block_size);
		return -1;
	}
	d->dev_size = d->file_size * d->nfiles;
	params->size = d->dev_size;
	params->io_min = d->chunk_size;
	params->io_opt = d->chunk_size * d->nfiles;
	if (!params->max_io_size || params->max_io_size > STRIPE_MAX_IO)
		params->max_io_size = STRIPE_MAX_IO;
	params->attrs |= UBLK_DEV_VOLATILE_CACHE | UBLK_DEV_FUA;
	if (d->read_only)
		params->attrs |= UBLK_DEV_READ_ONLY;
	return 0;
}

/* The request's parts are all out and back (or none went out): finish it. */
static void stripe_maybe_complete(struct ublk_request *req)
{
	struct stripe_req *sr = req->priv;

	if (sr->pending || !sr->all_issued)
		return;
	if (sr->error)
		ublk_complete(req, sr->error);
	else
		ublk_complete(req, req->op == UBLK_OP_FLUSH ? 0 : (int)req->length);
}

/*
 * An SQE for the next part: 0; 1 when the ring is full (the host queued the
 * request and calls stripe_queue_io again: return without completing); or
 * -errno, and no more parts go out.
 */
static int stripe_part_sqe(struct ublk_request *req, uint32_t cookie, struct io_uring_sqe **sqe)
{
	struct stripe_req *sr = req->priv;
	void *p;
	int ret = ublk_get_sqes(req, cookie, 1, &p);

	if (ret == -ENOSYS) {		/* a 1.0 host */
		p = ublk_get_sqe(req, cookie);
		ret = p ? 0 : -EAGAIN;
	} else if (ret == -EAGAIN) {
		return 1;
	}
	if (ret) {
		sr->error = ret;
		sr->all_issued = 1;
		return ret;
	}
	*sqe = p;
	sr->issued++;
	sr->pending++;
	return 0;
}

static void stripe_flush(struct ublk_request *req)
{
	struct stripe_dev *d = req->handle;
	struct stripe_req *sr = req->priv;
	struct io_uring_sqe *sqe;
	uint32_t i;

	for (i = sr->issued; i < d->nfiles && !sr->all_issued; i++) {
		if (stripe_part_sqe(req, 0, &sqe))
			break;
		io_uring_prep_fsync(sqe, d->files[i].fd, IORING_FSYNC_DATASYNC);
	}
	if (i == d->nfiles)
		sr->all_issued = 1;
	stripe_maybe_complete(req);
}

static void stripe_rw(struct ublk_request *req)
{
	struct stripe_dev *d = req->handle;
	struct stripe_req *sr = req->priv;
	struct stripe_piece pieces[STRIPE_MAX_PIECES], grouped[STRIPE_MAX_PIECES];
	uint32_t first[STRIPE_MAX_FILES], count[STRIPE_MAX_FILES];
	int write = req->op == UBLK_OP_WRITE;
	int fixed = req->data_mode == UBLK_DATA_FIXED;
	uint32_t f, i, nio = 0, part = 0;
	int n;

	n = stripe_map(req->offset, req->length, d->chunk_size, d->nfiles, pieces,
		       STRIPE_MAX_PIECES);
	if (n <= 0) {
		ublk_complete(req, n ? -EIO : 0);
		return;
	}
	stripe_group_by_file(pieces, (uint32_t)n, d->nfiles, grouped, first, count);

	for (f = 0; f < d->nfiles && !sr->all_issued; f++) {
		const struct stripe_piece *p = &grouped[first[f]];
		uint32_t start = nio, bytes = 0;
		struct io_uring_sqe *sqe;

		if (!count[f])
			continue;
		/*
		 * One iovec per buffer-contiguous run (file-contiguous already);
		 * in zero copy an "address" is the offset in the request buffer.
		 * Rebuilt identically on a resumed call.
		 */
		for (i = 0; i < count[f]; i++) {
			char *addr = fixed ? (char *)(uintptr_t)p[i].buf_off :
					     (char *)req->buf + p[i].buf_off;

			if (nio > start && (char *)sr->iov[nio - 1].iov_base +
					   sr->iov[nio - 1].iov_len == addr) {
				sr->iov[nio - 1].iov_len += p[i].len;
			} else {
				sr->iov[nio].iov_base = addr;
				sr->iov[nio].iov_len = p[i].len;
				nio++;
			}
			bytes += p[i].len;
		}

		if (!fixed) {
			/* One READV/WRITEV per file. */
			if (part++ < sr->issued)
				continue;
			if (stripe_part_sqe(req, bytes, &sqe))
				break;
			if (write)
				io_uring_prep_writev(sqe, d->files[f].fd, &sr->iov[start], nio - start,
						     p[0].file_off);
			else
				io_uring_prep_readv(sqe, d->files[f].fd, &sr->iov[start], nio - start,
						    p[0].file_off);
			if (write && (req->flags & UBLK_REQ_FUA))
				sqe->rw_flags = RWF_DSYNC;
			continue;
		}
		/* Zero copy: one fixed-buffer SQE per run; addr is the buffer offset. */
		{
			uint64_t foff = p[0].file_off;

			for (i = start; i < nio; i++, foff += sr->iov[i - 1].iov_len) {
				if (part++ < sr->issued)
					continue;
				if (stripe_part_sqe(req, (uint32_t)sr->iov[i].iov_len, &sqe))
					goto out;
				if (write)
					io_uring_prep_write_fixed(sqe, d->files[f].fd, sr->iov[i].iov_base,
								  (unsigned int)sr->iov[i].iov_len,
								  foff, req->buf_index);
				else
					io_uring_prep_read_fixed(sqe, d->files[f].fd, sr->iov[i].iov_base,
								 (unsigned int)sr->iov[i].iov_len,
								 foff, req->buf_index);
				if (write && (req->flags & UBLK_REQ_FUA))
					sqe->rw_flags = RWF_DSYNC;
			}
		}
	}
	if (f == d->nfiles)
		sr->all_issued = 1;
out:
	stripe_maybe_complete(req);
}

static void stripe_queue_io(struct ublk_request *req)
{
	struct stripe_req *sr = req->priv;

	/* The host checked range and read-only; a part failed while we waited: stop. */
	if (sr->error)
		sr->all_issued = 1;
	switch (req->op) {
	case UBLK_OP_READ:
	case UBLK_OP_WRITE:
		stripe_rw(req);
		return;
	case UBLK_OP_FLUSH:
		stripe_flush(req);
		return;
	default:
		ublk_complete(req, -EOPNOTSUPP);
	}
}

static void stripe_io_done(struct ublk_request *req, uint32_t expected, int res)
{
	struct stripe_req *sr = req->priv;

	sr->pending--;
	if (!sr->error) {
		if (res < 0)
			sr->error = res;
		else if ((uint32_t)res != expected)
			sr->error = -EIO;	/* short: past the end of a shrunk file */
	}
	stripe_maybe_complete(req);
}

static void stripe_close(void *handle)
{
	struct stripe_dev *d = handle;
	uint32_t i;

	for (i = 0; i < ARRAY_SIZE(d->files); i++)
		backing_close(&d->files[i]);
	free(d);
}

static const struct ublk_plugin stripe_plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "stripe",
	.version = PACKAGE_VERSION,
	.description = "RAID-0 over backing files of equal size",
	.config_help = stripe_config_help,
	.caps = UBLK_CAP_ZERO_COPY,
	.request_priv_size = sizeof(struct stripe_req),
	.create = stripe_create,
	.config = stripe_config,
	.config_complete = stripe_config_complete,
	.open = stripe_open,
	.queue_io = stripe_queue_io,
	.io_done = stripe_io_done,
	.close = stripe_close,
};

UBLK_REGISTER_PLUGIN(stripe_plugin)
