// SPDX-License-Identifier: MIT
/*
 * loop: a device backed by a regular file or a block device.
 *
 * Every IO is an io_uring SQE on the queue thread's ring: READ/WRITE (or
 * READ_FIXED/WRITE_FIXED in zero copy), FSYNC(DATASYNC) for FLUSH, FALLOCATE
 * for DISCARD and WRITE_ZEROES. Short transfers are resubmitted for the rest.
 * O_DIRECT unless direct_io=off or the file system refuses it.
 *
 * Integrity devices (metadata_size): each READ/WRITE also reads/writes its
 * metadata in the sidecar file (meta_file.h) with a second SQE; the request
 * completes when both are done. DISCARD and WRITE_ZEROES are not offered
 * then (they would leave stale tags): the block layer writes zeroes instead.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <liburing.h>

#include <ublk/plugin.h>

#include "common/backing.h"
#include "meta_file.h"

/* Largest WRITE_ZEROES / DISCARD we advertise: 4 GiB - 512. */
#define LOOP_MAX_FALLOC ((UINT32_MAX >> 9) << 9)

struct loop_dev {
	struct backing_file file;
	uint64_t offset;
	uint64_t size;		/* 0: the rest of the file */
	int direct_io;		/* wanted, then what the open got */
	int read_only;
	int can_punch;		/* FALLOC_FL_PUNCH_HOLE works */
	int can_zero_range;	/* FALLOC_FL_ZERO_RANGE works */
	uint64_t dev_size;
	struct meta_file meta;	/* integrity devices only */
};

/* Per request: how far a READ/WRITE got, how many SQEs are out, the first error. */
struct loop_req {
	uint32_t done;
	uint32_t pending;
	int error;
};

/* Cookies: what an SQE was. */
enum {
	LOOP_CK_RW = 1,
	LOOP_CK_FSYNC,
	LOOP_CK_FALLOC,		/* a fallocate (both halves of punch + allocate) */
	LOOP_CK_META,		/* a READ/WRITE's metadata in the meta file */
};

static int loop_create(void **handle)
{
	struct loop_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	backing_init(&d->file);
	meta_file_init(&d->meta);
	d->direct_io = 1;
	*handle = d;
	return 0;
}

static int loop_config(void *handle, const char *key, const char *value)
{
	struct loop_dev *d = handle;

	if (!strcmp(key, "file")) {
		/* kublk: the second backing file of an integrity device holds its metadata. */
		if (d->file.path)
			return meta_file_set_path(&d->meta, value);
		return backing_set_path(&d->file, value);
	}
	if (!strcmp(key, "meta_file"))
		return meta_file_set_path(&d->meta, value);
	if (!strcmp(key, "offset")) {
		if (ublk_parse_size(value, &d->offset)) {
			ublk_error("offset: '%s' is not a size (e.g. 1M)", value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "size")) {
		if (ublk_parse_size(value, &d->size) || !d->size) {
			ublk_error("size: '%s' is not a size (e.g. 1G)", value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "direct_io"))
		return backing_config_direct_io(value, &d->direct_io);
	ublk_error("unknown parameter '%s' for target loop", key);
	return -1;
}

#define loop_config_help \
	"file=PATH       backing regular file or block device (or a positional argument)\n" \
	"offset=SIZE     where the device starts in the file (default 0)\n" \
	"size=SIZE       device size (default: the rest of the file)\n" \
	"direct_io=BOOL  O_DIRECT on the backing file (default on)\n" \
	"meta_file=PATH  integrity metadata (metadata_size): metadata_size bytes per block\n" \
	"                (or a second positional file); created and extended as needed\n"

static int loop_config_complete(void *handle)
{
	struct loop_dev *d = handle;

	if (!d->file.path) {
		ublk_error("no backing file: give a path (file=PATH)");
		return -1;
	}
	return 0;
}

static uint64_t sysfs_queue_u64(dev_t rdev, const char *attr)
{
	char path[128];
	unsigned long long v = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/queue/%s",
		 major(rdev), minor(rdev), attr);
	f = fopen(path, "re");
	if (!f) {
		/* A partition: its queue is its disk's. */
		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/../queue/%s",
			 major(rdev), minor(rdev), attr);
		f = fopen(path, "re");
	}
	if (!f)
		return 0;
	if (fscanf(f, "%llu", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}

/* Which fallocate modes the backing store takes, without touching data. */
static void probe_fallocate(struct loop_dev *d, uint64_t file_size)
{
	if (d->read_only)
		return;
	if (d->file.is_bdev) {
		/* ZERO_RANGE always works (the kernel writes zeroes if it must);
		 * PUNCH_HOLE needs a device that unmaps while zeroing. */
		d->can_zero_range = 1;
		d->can_punch = sysfs_queue_u64(d->file.rdev, "write_zeroes_max_bytes") > 0;
		return;
	}
	/* Beyond the end of the file with KEEP_SIZE: a no-op where supported. */
	d->can_punch = !fallocate(d->file.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)file_size, 4096);
	d->can_zero_range = !fallocate(d->file.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
				       (off_t)file_size, 4096);
}

static int loop_open(void *handle, struct ublk_device_params *params)
{
	struct loop_dev *d = handle;
	uint32_t lbs = params->logical_block_size;
	uint64_t file_size, avail;

	d->read_only = !!(params->attrs & UBLK_DEV_READ_ONLY);
	if (backing_open(&d->file, "loop", d->read_only, d->direct_io))
		return -1;
	d->direct_io = d->file.direct_io;
	file_size = d->file.size;
	if (d->file.is_bdev) {
		int bdev_lbs = 0;

		/* O_DIRECT needs IO aligned to the backing device's sectors. */
		if (!ioctl(d->file.fd, BLKSSZGET, &bdev_lbs) && bdev_lbs > (int)lbs &&
		    d->direct_io && bdev_lbs <= 4096) {
			lbs = (uint32_t)bdev_lbs;
			params->logical_block_size = lbs;
			if (params->physical_block_size < lbs)
				params->physical_block_size = lbs;
		}
	}

	if (d->offset % lbs) {
		ublk_error("offset %" PRIu64 " is not a multiple of the block size %u",
			   d->offset, lbs);
		return -1;
	}
	if (d->offset >= file_size) {
		ublk_error("offset %" PRIu64 " is beyond the end of '%s' (%" PRIu64 " bytes)",
			   d->offset, d->file.path, file_size);
		return -1;
	}
	avail = file_size - d->offset;
	if (d->size) {
		if (d->size > avail) {
			ublk_error("offset + size (%" PRIu64 ") is beyond the end of '%s' (%" PRIu64 " bytes)",
				   d->offset + d->size, d->file.path, file_size);
			return -1;
		}
		if (d->size % lbs) {
			ublk_error("size %" PRIu64 " is not a multiple of the block size %u",
				   d->size, lbs);
			return -1;
		}
		d->dev_size = d->size;
	} else {
		d->dev_size = avail / lbs * lbs;
		if (!d->dev_size) {
			ublk_error("'%s' is too small: %" PRIu64 " bytes after offset %" PRIu64 ", less than one %u-byte block",
				   d->file.path, avail, d->offset, lbs);
			return -1;
		}
	}

	if (params->metadata_size) {
		if (!d->meta.path) {
			ublk_error("integrity (metadata_size) needs a file for the metadata: meta_file=PATH or a second file");
			return -1;
		}
		if (meta_file_open(&d->meta, d->dev_size, lbs, params->metadata_size,
				   d->read_only))
			return -1;
	} else if (d->meta.path) {
		ublk_error("'%s': a metadata file is for integrity devices (metadata_size); one backing file otherwise",
			   d->meta.path);
		return -1;
	} else {
		probe_fallocate(d, file_size);
	}
	params->size = d->dev_size;
	params->attrs |= UBLK_DEV_VOLATILE_CACHE | UBLK_DEV_FUA;
	if (d->read_only)
		params->attrs |= UBLK_DEV_READ_ONLY;
	if (d->can_punch) {
		params->discard_granularity = lbs;
		params->max_discard_size = LOOP_MAX_FALLOC;
	}
	/* WRITE_ZEROES: zero range, else punch (+ allocate for NOUNMAP). */
	if (d->can_zero_range || d->can_punch)
		params->max_write_zeroes_size = LOOP_MAX_FALLOC;
	ublk_log(UBLK_LOG_DEBUG, "loop: %s: %" PRIu64 " bytes at offset %" PRIu64 ", %s IO%s%s",
		 d->file.path, d->dev_size, d->offset, d->direct_io ? "direct" : "buffered",
		 d->can_punch ? ", discard" : "", d->can_zero_range ? ", zero range" : "");
	return 0;
}

/* Issue (the rest of) a READ/WRITE: 0, or -EAGAIN with no SQE. */
static int loop_submit_rw(struct ublk_request *req)
{
	struct loop_dev *d = req->handle;
	struct loop_req *lr = req->priv;
	struct io_uring_sqe *sqe = ublk_get_sqe(req, LOOP_CK_RW);
	uint32_t left = req->length - lr->done;
	uint64_t off = d->offset + req->offset + lr->done;
	int write = req->op == UBLK_OP_WRITE;

	if (!sqe)
		return -EAGAIN;
	if (req->data_mode == UBLK_DATA_FIXED) {
		/* addr: offset within the registered request buffer. */
		void *addr = (void *)(uintptr_t)lr->done;

		if (write)
			io_uring_prep_write_fixed(sqe, d->file.fd, addr, left, off, req->buf_index);
		else
			io_uring_prep_read_fixed(sqe, d->file.fd, addr, left, off, req->buf_index);
	} else {
		char *buf = (char *)req->buf + lr->done;

		if (write)
			io_uring_prep_write(sqe, d->file.fd, buf, left, off);
		else
			io_uring_prep_read(sqe, d->file.fd, buf, left, off);
	}
	if (write && (req->flags & UBLK_REQ_FUA))
		sqe->rw_flags = RWF_DSYNC;
	lr->pending++;
	return 0;
}

/* The metadata of a READ/WRITE, in one SQE on the meta file. */
static int loop_submit_meta(struct ublk_request *req)
{
	struct loop_dev *d = req->handle;
	struct loop_req *lr = req->priv;
	struct io_uring_sqe *sqe = ublk_get_sqe(req, LOOP_CK_META);
	uint64_t off = meta_file_offset(&d->meta, req->offset);

	if (!sqe)
		return -EAGAIN;
	if (req->op == UBLK_OP_WRITE) {
		io_uring_prep_write(sqe, d->meta.fd, req->meta_buf, req->meta_length, off);
		if (req->flags & UBLK_REQ_FUA)
			sqe->rw_flags = RWF_DSYNC;
	} else {
		io_uring_prep_read(sqe, d->meta.fd, req->meta_buf, req->meta_length, off);
	}
	lr->pending++;
	return 0;
}

/* Finish a request once its last SQE is back. */
static void loop_finish(struct ublk_request *req, int result)
{
	struct loop_req *lr = req->priv;

	if (!lr->pending)
		ublk_complete(req, lr->error ? lr->error : result);
}

static void loop_prep_falloc(struct ublk_request *req, struct io_uring_sqe *sqe, int mode)
{
	struct loop_dev *d = req->handle;
	struct loop_req *lr = req->priv;

	io_uring_prep_fallocate(sqe, d->file.fd, mode, (off_t)(d->offset + req->offset),
				(off_t)req->length);
	lr->pending++;
}

static struct io_uring_sqe *loop_falloc(struct ublk_request *req, int mode, uint32_t cookie)
{
	struct io_uring_sqe *sqe = ublk_get_sqe(req, cookie);

	if (sqe)
		loop_prep_falloc(req, sqe, mode);
	return sqe;
}

/*
 * Zeroed and still allocated: punch, then (linked) allocate again. Both SQEs
 * in one reservation, so the link is never split; on a full ring the host
 * calls loop_queue_io again later (nothing went out yet).
 */
static int loop_zero_keep(struct ublk_request *req)
{
	void *sqes[2];
	int ret = ublk_get_sqes(req, LOOP_CK_FALLOC, 2, sqes);

	if (ret == -EAGAIN)
		return 1;
	if (ret)
		return ret;
	loop_prep_falloc(req, sqes[0], FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE);
	((struct io_uring_sqe *)sqes[0])->flags |= IOSQE_IO_LINK;
	loop_prep_falloc(req, sqes[1], FALLOC_FL_KEEP_SIZE);
	return 0;
}

static void loop_queue_io(struct ublk_request *req)
{
	struct loop_dev *d = req->handle;
	struct loop_req *lr = req->priv;
	struct io_uring_sqe *sqe;
	int ret = 0;

	/* The host checked range and read-only for every target. */
	switch (req->op) {
	case UBLK_OP_READ:
	case UBLK_OP_WRITE:
		if (!req->length) {
			ublk_complete(req, 0);
			return;
		}
		if (loop_submit_rw(req)) {
			ublk_complete(req, -EAGAIN);
			return;
		}
		/* No room for the metadata: the host runs the request again. */
		if (req->meta_length && loop_submit_meta(req))
			lr->error = -EAGAIN;
		return;
	case UBLK_OP_FLUSH:
		sqe = ublk_get_sqe(req, LOOP_CK_FSYNC);
		if (!sqe) {
			ublk_complete(req, -EAGAIN);
			return;
		}
		io_uring_prep_fsync(sqe, d->file.fd, IORING_FSYNC_DATASYNC);
		lr->pending++;
		if (d->meta.fd >= 0) {
			sqe = ublk_get_sqe(req, LOOP_CK_FSYNC);
			if (!sqe) {
				lr->error = -EAGAIN;
				return;
			}
			io_uring_prep_fsync(sqe, d->meta.fd, IORING_FSYNC_DATASYNC);
			lr->pending++;
		}
		return;
	case UBLK_OP_DISCARD:
		if (!d->can_punch)
			ret = -EOPNOTSUPP;
		else if (!loop_falloc(req, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      LOOP_CK_FALLOC))
			ret = -EAGAIN;
		break;
	case UBLK_OP_WRITE_ZEROES:
		if (d->can_zero_range) {
			if (!loop_falloc(req, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
					 LOOP_CK_FALLOC))
				ret = -EAGAIN;
		} else if (!d->can_punch) {
			ret = -EOPNOTSUPP;
		} else if (!(req->flags & UBLK_REQ_NOUNMAP)) {
			if (!loop_falloc(req, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					 LOOP_CK_FALLOC))
				ret = -EAGAIN;
		} else {
			ret = loop_zero_keep(req);
			if (ret > 0)
				return;		/* queued by the host */
		}
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	if (ret)
		ublk_complete(req, ret);
}

static void loop_io_done(struct ublk_request *req, uint32_t cookie, int res)
{
	struct loop_req *lr = req->priv;

	lr->pending--;
	if (cookie == LOOP_CK_META) {
		/* Sized at open: short only if the meta file shrank under us. */
		if (res != (int)req->meta_length && !lr->error) {
			ublk_log(UBLK_LOG_WARN, "loop: metadata %s at %" PRIu64 ": %s",
				 req->op == UBLK_OP_READ ? "read" : "write", req->offset,
				 res < 0 ? strerror(-res) : "short");
			lr->error = res < 0 ? res : -EIO;
		}
		loop_finish(req, (int)req->length);
		return;
	}
	if (cookie != LOOP_CK_RW) {
		/* FSYNC / FALLOCATE: 0 or -errno; the first error wins. */
		if (res < 0 && !lr->error)
			lr->error = res;
		loop_finish(req, 0);
		return;
	}
	if (res < 0) {
		if (!lr->error)
			lr->error = res;
		loop_finish(req, res);
		return;
	}
	if (res == 0) {
		/* End of file before the end of the device: the file shrank. */
		ublk_log(UBLK_LOG_WARN, "loop: %s at %" PRIu64 ": unexpected end of file",
			 req->op == UBLK_OP_READ ? "read" : "write",
			 req->offset + lr->done);
		if (!lr->error)
			lr->error = -EIO;
		loop_finish(req, -EIO);
		return;
	}
	lr->done += (uint32_t)res;
	if (lr->done < req->length && !lr->error && loop_submit_rw(req))
		lr->error = -EAGAIN;
	loop_finish(req, (int)req->length);
}

static void loop_close(void *handle)
{
	struct loop_dev *d = handle;

	backing_close(&d->file);
	meta_file_close(&d->meta);
	free(d);
}

static const char *const loop_config_keys[] = { "file", "offset", "size", "direct_io",
						"meta_file", NULL };

static const struct ublk_plugin loop_plugin = {
	UBLK_PLUGIN_HEADER,
	/* Listed so a filter's bare key of the same name is refused as ambiguous. */
	.config_keys = loop_config_keys,
	.name = "loop",
	.version = PACKAGE_VERSION,
	.description = "a device backed by a file or a block device",
	.config_help = loop_config_help,
	.caps = UBLK_CAP_ZERO_COPY | UBLK_CAP_INTEGRITY,
	.request_priv_size = sizeof(struct loop_req),
	.create = loop_create,
	.config = loop_config,
	.config_complete = loop_config_complete,
	.open = loop_open,
	.queue_io = loop_queue_io,
	.io_done = loop_io_done,
	.close = loop_close,
};

UBLK_REGISTER_PLUGIN(loop_plugin)
