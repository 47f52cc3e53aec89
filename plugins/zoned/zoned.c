// SPDX-License-Identifier: MIT
/*
 * zoned: a host-managed zoned device, like null_blk's zoned mode. Zones of
 * zone_size bytes, the first conv_zones conventional (written anywhere), the
 * rest sequential (written only at their write pointer, by WRITE or ZONE
 * APPEND), with the open/active limits of max_open / max_active.
 *
 * The data lives in memory (a sparse memfd: pages only where written) or in
 * a file (file=). Either way every READ/WRITE is an io_uring SQE on the
 * queue thread's ring, READ_FIXED/WRITE_FIXED in zero copy. A zone reset
 * punches the zone's data away, so it reads back as zeroes.
 *
 * The zone state (zones.c) is shared by every queue thread under one mutex,
 * taken for a few instructions per request. With state=PATH (file backing
 * only) the write pointers are saved there at every FLUSH and when the
 * device stops, and read back at start: a zone comes back empty, closed or
 * full (open zones come back closed, as from a drive's power cycle).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <liburing.h>

#include <ublk/plugin.h>

#include "common/backing.h"
#include "common/util.h"
#include "zones.h"

#define ZONED_DEFAULT_SIZE	(1ULL << 30)
#define ZONED_DEFAULT_ZONE	(64ULL << 20)
#define STATE_MAGIC		"UBLKZWP1"

struct zoned_dev {
	struct backing_file file;	/* file=; unused in memory */
	int fd;				/* the data: the file or a memfd */
	int direct_io;
	uint64_t size;			/* size= (0: memory default / the file's) */
	uint64_t zone_size;
	uint64_t nr_conv;
	uint64_t max_open;
	uint64_t max_active;
	char *state_path;
	int state_fd;
	void *state_buf;		/* header + a write pointer per zone */
	size_t state_len;
	int read_only;
	int can_punch;
	pthread_mutex_t lock;		/* zs, state_buf */
	struct zones zs;
};

struct state_header {
	char magic[8];
	uint64_t zone_size;
	uint32_t nr_zones;
	uint32_t nr_conv;
};

/* Per request: where its data goes, how far a READ/WRITE got, SQEs out. */
struct zoned_req {
	uint64_t off;
	uint32_t done;
	uint32_t pending;
	int error;
};

enum {
	ZK_RW = 1,
	ZK_OTHER,		/* fsync / punch: 0 or -errno */
};

static int zoned_create(void **handle)
{
	struct zoned_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	backing_init(&d->file);
	d->fd = -1;
	d->state_fd = -1;
	d->direct_io = 1;
	d->zone_size = ZONED_DEFAULT_ZONE;
	pthread_mutex_init(&d->lock, NULL);
	*handle = d;
	return 0;
}

static int config_count(const char *key, const char *value, uint64_t *out)
{
	if (ublk_parse_uint(value, out) || *out > UINT32_MAX) {
		ublk_error("%s: '%s' is not a number of zones", key, value);
		return -1;
	}
	return 0;
}

static int zoned_config(void *handle, const char *key, const char *value)
{
	struct zoned_dev *d = handle;

	if (!strcmp(key, "file")) {
		if (d->file.path) {
			ublk_error("only one backing file, got '%s' and '%s'", d->file.path, value);
			return -1;
		}
		return backing_set_path(&d->file, value);
	}
	if (!strcmp(key, "size") || !strcmp(key, "zone_size")) {
		uint64_t *v = key[0] == 's' ? &d->size : &d->zone_size;

		if (ublk_parse_size(value, v) || !*v) {
			ublk_error("%s: '%s' is not a size (e.g. 64M)", key, value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "conv_zones"))
		return config_count(key, value, &d->nr_conv);
	if (!strcmp(key, "max_open"))
		return config_count(key, value, &d->max_open);
	if (!strcmp(key, "max_active"))
		return config_count(key, value, &d->max_active);
	if (!strcmp(key, "direct_io"))
		return backing_config_direct_io(value, &d->direct_io);
	if (!strcmp(key, "state")) {
		free(d->state_path);
		d->state_path = strdup(value);
		if (!d->state_path) {
			ublk_error("out of memory");
			return -1;
		}
		return 0;
	}
	ublk_error("unknown parameter '%s' for target zoned", key);
	return -1;
}

#define zoned_config_help \
	"size=SIZE        device size (default 1G in memory, the file's size with file=)\n" \
	"zone_size=SIZE   zone size, a power of two (default 64M)\n" \
	"conv_zones=N     conventional zones at the start (default 0)\n" \
	"max_open=N       open zones at most (default 0: no limit)\n" \
	"max_active=N     open + closed zones at most (default 0: no limit)\n" \
	"file=PATH        keep the data in this file or block device (default: in memory)\n" \
	"direct_io=BOOL   O_DIRECT on the file (default on)\n" \
	"state=PATH       with file=: save the write pointers here at every flush and stop\n"

static int zoned_config_complete(void *handle)
{
	struct zoned_dev *d = handle;

	if (d->state_path && !d->file.path) {
		ublk_error("state=%s needs file=: a memory-backed device forgets its data", d->state_path);
		return -1;
	}
	if (d->max_active && d->max_open > d->max_active) {
		ublk_error("max_open=%" PRIu64 " exceeds max_active=%" PRIu64 ": an open zone is active",
			   d->max_open, d->max_active);
		return -1;
	}
	return 0;
}

/* Write the write pointers to the state file; the caller holds d->lock. */
static int state_save_locked(struct zoned_dev *d)
{
	uint64_t *wp = (uint64_t *)((char *)d->state_buf + sizeof(struct state_header));
	uint32_t i;

	for (i = 0; i < d->zs.nr; i++)
		wp[i] = d->zs.z[i].conv ? d->zs.z[i].start : d->zs.z[i].wp;
	if (pwrite(d->state_fd, d->state_buf, d->state_len, 0) != (ssize_t)d->state_len)
		return errno ? -errno : -EIO;
	return 0;
}

/* Open (or create) state=PATH and restore the write pointers it holds. */
static int state_load(struct zoned_dev *d)
{
	struct state_header *h;
	uint64_t *wp;
	struct stat st;
	uint32_t i;

	d->state_len = sizeof(*h) + (size_t)d->zs.nr * sizeof(uint64_t);
	d->state_buf = calloc(1, d->state_len);
	if (!d->state_buf) {
		ublk_error("out of memory");
		return -1;
	}
	h = d->state_buf;
	d->state_fd = open(d->state_path, (d->read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC,
			   0644);
	if (d->state_fd < 0 || fstat(d->state_fd, &st)) {
		ublk_error("state file '%s': %s", d->state_path, strerror(errno));
		return -1;
	}
	if (st.st_size == 0) {
		/* A new device: every zone empty, and the file says so from now on. */
		memcpy(h->magic, STATE_MAGIC, sizeof(h->magic));
		h->zone_size = d->zs.zone_size;
		h->nr_zones = d->zs.nr;
		h->nr_conv = d->zs.nr_conv;
		if (!d->read_only && state_save_locked(d)) {
			ublk_error("state file '%s': cannot write: %s", d->state_path, strerror(errno));
			return -1;
		}
		return 0;
	}
	if (pread(d->state_fd, d->state_buf, d->state_len, 0) != (ssize_t)d->state_len ||
	    memcmp(h->magic, STATE_MAGIC, sizeof(h->magic))) {
		ublk_error("state file '%s' is not a zoned state file of %" PRIu32 " zones",
			   d->state_path, d->zs.nr);
		return -1;
	}
	if (h->zone_size != d->zs.zone_size || h->nr_zones != d->zs.nr ||
	    h->nr_conv != d->zs.nr_conv) {
		ublk_error("state file '%s' is for %" PRIu32 " zones of %" PRIu64 " bytes (%" PRIu32 " conventional), not %" PRIu32 " of %" PRIu64 " (%" PRIu32 "): remove it or configure the same zones",
			   d->state_path, h->nr_zones, h->zone_size, h->nr_conv, d->zs.nr,
			   d->zs.zone_size, d->zs.nr_conv);
		return -1;
	}
	wp = (uint64_t *)((char *)d->state_buf + sizeof(*h));
	for (i = 0; i < d->zs.nr; i++) {
		if (zones_restore_wp(&d->zs, i, wp[i])) {
			ublk_error("state file '%s': zone %" PRIu32 " has a write pointer outside it",
				   d->state_path, i);
			return -1;
		}
	}
	return 0;
}

static int open_backing(struct zoned_dev *d)
{
	if (d->file.path) {
		if (backing_open(&d->file, "zoned", d->read_only, d->direct_io))
			return -1;
		d->fd = d->file.fd;
		if (!d->size)
			d->size = d->file.size / d->zone_size * d->zone_size;
		if (d->size > d->file.size) {
			ublk_error("size %" PRIu64 " is beyond the end of '%s' (%" PRIu64 " bytes)",
				   d->size, d->file.path, d->file.size);
			return -1;
		}
		return 0;
	}
	if (!d->size)
		d->size = ZONED_DEFAULT_SIZE;
	d->fd = memfd_create("ublk-zoned", MFD_CLOEXEC);
	if (d->fd < 0 || ftruncate(d->fd, (off_t)d->size)) {
		ublk_error("memory for %" PRIu64 " bytes: %s", d->size, strerror(errno));
		return -1;
	}
	return 0;
}

static int zoned_open(void *handle, struct ublk_device_params *params)
{
	struct zoned_dev *d = handle;
	uint32_t lbs = params->logical_block_size;
	uint64_t nr;

	d->read_only = !!(params->attrs & UBLK_DEV_READ_ONLY);
	if (!is_power_of_2(d->zone_size) || d->zone_size < lbs || d->zone_size > UINT32_MAX) {
		ublk_error("zone_size %" PRIu64 " is not a power of two from the block size %u to 2G",
			   d->zone_size, lbs);
		return -1;
	}
	if (open_backing(d))
		return -1;
	if (!d->size || d->size % d->zone_size) {
		ublk_error("size %" PRIu64 " is not a positive multiple of zone_size %" PRIu64,
			   d->size, d->zone_size);
		return -1;
	}
	nr = d->size / d->zone_size;
	if (nr > UINT32_MAX || d->nr_conv >= nr) {
		ublk_error("conv_zones=%" PRIu64 " leaves no sequential zone of the %" PRIu64,
			   d->nr_conv, nr);
		return -1;
	}
	if (d->max_open > nr || d->max_active > nr) {
		ublk_error("max_open/max_active %" PRIu64 "/%" PRIu64 " exceed the %" PRIu64 " zones",
			   d->max_open, d->max_active, nr);
		return -1;
	}
	if (zones_init(&d->zs, (uint32_t)nr, (uint32_t)d->nr_conv, d->zone_size,
		       (uint32_t)d->max_open, (uint32_t)d->max_active)) {
		ublk_error("out of memory for %" PRIu64 " zones", nr);
		return -1;
	}
	if (d->state_path && state_load(d))
		return -1;
	/* Beyond the end with KEEP_SIZE: a no-op where punching works. */
	d->can_punch = !d->read_only &&
		       !fallocate(d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				  (off_t)d->size, 4096);

	params->size = d->size;
	params->zone_size = (uint32_t)d->zone_size;
	params->max_open_zones = (uint32_t)d->max_open;
	params->max_active_zones = (uint32_t)d->max_active;
	if (d->file.path)
		params->attrs |= UBLK_DEV_VOLATILE_CACHE | UBLK_DEV_FUA;
	ublk_log(UBLK_LOG_DEBUG, "zoned: %" PRIu64 " zones of %" PRIu64 " bytes, %" PRIu64 " conventional, in %s",
		 nr, d->zone_size, d->nr_conv, d->file.path ? d->file.path : "memory");
	return 0;
}

/* Issue (the rest of) a READ/WRITE/ZONE_APPEND at zr->off. */
static void submit_rw(struct ublk_request *req)
{
	struct zoned_dev *d = req->handle;
	struct zoned_req *zr = req->priv;
	struct io_uring_sqe *sqe = ublk_get_sqe(req, ZK_RW);
	uint32_t left = req->length - zr->done;
	uint64_t off = zr->off + zr->done;
	int write = req->op != UBLK_OP_READ;

	if (!sqe) {
		ublk_complete(req, -EAGAIN);
		return;
	}
	if (req->data_mode == UBLK_DATA_FIXED) {
		void *addr = (void *)(uintptr_t)zr->done;

		if (write)
			io_uring_prep_write_fixed(sqe, d->fd, addr, left, off, req->buf_index);
		else
			io_uring_prep_read_fixed(sqe, d->fd, addr, left, off, req->buf_index);
	} else {
		char *buf = (char *)req->buf + zr->done;

		if (write)
			io_uring_prep_write(sqe, d->fd, buf, left, off);
		else
			io_uring_prep_read(sqe, d->fd, buf, left, off);
	}
	if (write && (req->flags & UBLK_REQ_FUA))
		sqe->rw_flags = RWF_DSYNC;
	zr->pending++;
}

/* Drop the data of [off, off + len): a reset zone reads back zeroes. */
static void punch(struct ublk_request *req, uint64_t off, uint64_t len)
{
	struct zoned_dev *d = req->handle;
	struct zoned_req *zr = req->priv;
	struct io_uring_sqe *sqe;

	if (!d->can_punch || !len) {
		ublk_complete(req, 0);
		return;
	}
	sqe = ublk_get_sqe(req, ZK_OTHER);
	if (!sqe) {
		ublk_complete(req, -EAGAIN);
		return;
	}
	io_uring_prep_fallocate(sqe, d->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				(off_t)off, (off_t)len);
	zr->pending++;
}

/*
 * FLUSH: the write pointers to the state file, then both files to stable
 * storage. 0: under way or done; 1: the ring is full, the host calls
 * queue_io again; -errno.
 */
static int flush(struct ublk_request *req)
{
	struct zoned_dev *d = req->handle;
	struct zoned_req *zr = req->priv;
	unsigned int n = d->state_fd >= 0 ? 2 : 1, i;
	void *sqes[2];
	int ret;

	if (!d->file.path) {
		ublk_complete(req, 0);
		return 0;
	}
	ret = ublk_get_sqes(req, ZK_OTHER, n, sqes);
	if (ret == -EAGAIN)
		return 1;
	if (ret)
		return ret;
	if (d->state_fd >= 0) {
		pthread_mutex_lock(&d->lock);
		ret = state_save_locked(d);
		pthread_mutex_unlock(&d->lock);
		if (ret) {
			ublk_log(UBLK_LOG_WARN, "zoned: state file '%s': %s", d->state_path,
				 strerror(-ret));
			zr->error = ret;	/* the flush fails once the syncs are back */
		}
	}
	for (i = 0; i < n; i++) {
		io_uring_prep_fsync(sqes[i], i ? d->state_fd : d->fd, IORING_FSYNC_DATASYNC);
		zr->pending++;
	}
	return 0;
}

static void zoned_queue_io(struct ublk_request *req)
{
	struct zoned_dev *d = req->handle;
	struct zoned_req *zr = req->priv;
	unsigned long mgmt = 0;
	uint64_t where;
	int ret;

	switch (req->op) {
	case UBLK_OP_READ:
		if (!req->length) {
			ublk_complete(req, 0);
			return;
		}
		zr->off = req->offset;
		submit_rw(req);
		return;
	case UBLK_OP_WRITE:
	case UBLK_OP_ZONE_APPEND:
		pthread_mutex_lock(&d->lock);
		ret = zones_write(&d->zs, req->offset, req->length,
				  req->op == UBLK_OP_ZONE_APPEND, &where);
		pthread_mutex_unlock(&d->lock);
		if (ret)
			break;
		if (req->op == UBLK_OP_ZONE_APPEND)
			req->zone_append_sector = where >> 9;
		if (!req->length) {
			ublk_complete(req, 0);
			return;
		}
		zr->off = where;
		submit_rw(req);
		return;
	case UBLK_OP_FLUSH:
		ret = flush(req);
		if (ret < 0)
			break;
		return;
	case UBLK_OP_ZONE_OPEN:
		mgmt = BLKOPENZONE;
		break;
	case UBLK_OP_ZONE_CLOSE:
		mgmt = BLKCLOSEZONE;
		break;
	case UBLK_OP_ZONE_FINISH:
		mgmt = BLKFINISHZONE;
		break;
	case UBLK_OP_ZONE_RESET:
		pthread_mutex_lock(&d->lock);
		ret = zones_mgmt(&d->zs, BLKRESETZONE, req->offset);
		pthread_mutex_unlock(&d->lock);
		if (ret)
			break;
		punch(req, req->offset, d->zone_size);
		return;
	case UBLK_OP_ZONE_RESET_ALL:
		pthread_mutex_lock(&d->lock);
		zones_reset_all(&d->zs);
		pthread_mutex_unlock(&d->lock);
		punch(req, d->nr_conv * d->zone_size, d->size - d->nr_conv * d->zone_size);
		return;
	case UBLK_OP_REPORT_ZONES: {
		uint32_t n;

		pthread_mutex_lock(&d->lock);
		n = zones_report(&d->zs, req->offset, req->buf,
				 req->length / (uint32_t)sizeof(struct blk_zone));
		pthread_mutex_unlock(&d->lock);
		ublk_complete(req, (int)(n * sizeof(struct blk_zone)));
		return;
	}
	default:
		ret = -EOPNOTSUPP;
	}
	if (mgmt) {
		pthread_mutex_lock(&d->lock);
		ret = zones_mgmt(&d->zs, mgmt, req->offset);
		pthread_mutex_unlock(&d->lock);
	}
	ublk_complete(req, ret);
}

static void zoned_io_done(struct ublk_request *req, uint32_t cookie, int res)
{
	struct zoned_req *zr = req->priv;

	zr->pending--;
	if (cookie != ZK_RW) {
		if (res < 0 && !zr->error)
			zr->error = res;
		if (!zr->pending)
			ublk_complete(req, zr->error);
		return;
	}
	if (res <= 0) {
		ublk_complete(req, res < 0 ? res : -EIO);
		return;
	}
	zr->done += (uint32_t)res;
	if (zr->done >= req->length)
		ublk_complete(req, (int)req->length);
	else
		submit_rw(req);
}

static void zoned_close(void *handle)
{
	struct zoned_dev *d = handle;

	if (d->state_fd >= 0) {
		if (!d->read_only && d->zs.z && (state_save_locked(d) || fsync(d->state_fd)))
			ublk_log(UBLK_LOG_WARN, "zoned: state file '%s': %s", d->state_path,
				 strerror(errno));
		close(d->state_fd);
	}
	if (d->file.path)
		backing_close(&d->file);
	else if (d->fd >= 0)
		close(d->fd);
	zones_free(&d->zs);
	pthread_mutex_destroy(&d->lock);
	free(d->state_buf);
	free(d->state_path);
	free(d);
}

static const char *const zoned_config_keys[] = {
	"size", "zone_size", "conv_zones", "max_open", "max_active", "file", "direct_io",
	"state", NULL
};

static const struct ublk_plugin zoned_plugin = {
	UBLK_PLUGIN_HEADER,
	.config_keys = zoned_config_keys,
	.name = "zoned",
	.version = PACKAGE_VERSION,
	.description = "a host-managed zoned device in memory or in a file (like null_blk zoned)",
	.config_help = zoned_config_help,
	.caps = UBLK_CAP_ZONED | UBLK_CAP_ZERO_COPY,
	.request_priv_size = sizeof(struct zoned_req),
	.create = zoned_create,
	.config = zoned_config,
	.config_complete = zoned_config_complete,
	.open = zoned_open,
	.queue_io = zoned_queue_io,
	.io_done = zoned_io_done,
	.close = zoned_close,
};

UBLK_REGISTER_PLUGIN(zoned_plugin)
