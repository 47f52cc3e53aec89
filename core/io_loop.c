// SPDX-License-Identifier: MIT
/*
 * The IO threads. Each owns one io_uring and a set of request slots; one
 * loop turn submits everything queued and reaps every completion:
 *
 *   FETCH/COMMIT CQE --> checks --> (register buffer | copy in) --> layers[0].queue_io
 *   layer queue_io   --> ublk_next_queue_io --> layers[L+1].queue_io ...
 *   ublk_complete    --> complete() of the nearest layer above that has one
 *                    ... --> (unregister | copy out) --> COMMIT_AND_FETCH
 *
 * Every SQE's user_data says where its completion goes (io_internal.h).
 * No request ever fails for lack of SQEs: a slot that cannot get them waits
 * on its thread's deferred list and is retried after the next submit.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "device.h"
#include "io_internal.h"
#include "io_loop.h"
#include "log.h"
#include "shmem_zc.h"
#include "stats.h"
#include "zoned.h"

/*
 * The IO thread running and the layer whose callback runs, set around every
 * callback the host makes: ublk_get_thread_sqe() belongs to that layer.
 */
static __thread struct io_thread *cur_thread;
static __thread unsigned int cur_layer;

static inline struct io_slot *req_to_slot(struct ublk_request *req)
{
	return (struct io_slot *)((char *)req - offsetof(struct io_slot, req));
}

/* Point req at layer L: its instance, thread data and private area. */
static inline void slot_enter(struct io_slot *s, unsigned int layer)
{
	const struct layer *l;

	s->layer = (uint8_t)layer;
	if (s->dev->nr_layers == 1)
		return;		/* set once when the slot was made */
	l = &s->dev->layers[layer];
	s->req.handle = l->handle;
	s->req.thread_data = s->thread->layer_data[layer];
	s->req.priv = l->priv_size ? (char *)s->priv + l->priv_off : NULL;
}

static void call_queue_io(struct io_slot *s, unsigned int layer)
{
	unsigned int prev = cur_layer;

	slot_enter(s, layer);
	cur_layer = layer;
	s->dev->layers[layer].queue_io(&s->req);
	cur_layer = prev;
}

static void defer(struct io_slot *s, enum io_deferred what, int arg)
{
	struct io_thread *t = s->thread;

	s->deferred = (uint8_t)what;
	s->deferred_arg = arg;
	s->next_deferred = NULL;
	if (t->deferred_tail)
		t->deferred_tail->next_deferred = s;
	else
		t->deferred_head = s;
	t->deferred_tail = s;
}

/* Off the deferred list: a layer completed a request it had left waiting. */
static void undefer(struct io_slot *io)
{
	struct io_thread *t = io->thread;
	struct io_slot **pp, *prev = NULL;

	for (pp = &t->deferred_head; *pp; prev = *pp, pp = &(*pp)->next_deferred) {
		if (*pp == io) {
			*pp = io->next_deferred;
			if (t->deferred_tail == io)
				t->deferred_tail = prev;
			break;
		}
	}
	io->next_deferred = NULL;
	io->deferred = DEFER_NONE;
}

static void prep_io_cmd(struct io_uring_sqe *sqe, struct io_slot *io,
			__u32 cmd_op, int result, __u64 cmd_addr)
{
	struct ublksrv_io_cmd *cmd = (struct ublksrv_io_cmd *)&sqe->addr3;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->flags = io->dev->cmd_sqe_flags;
	sqe->fd = io->dev->cmd_fd;	/* /dev/ublkcN: registered file 0, or its fd */
	sqe->cmd_op = cmd_op;
	cmd->q_id = io->req.q_id;
	cmd->tag = io->req.tag;
	cmd->result = result;
	cmd->addr = cmd_addr;
}

/* FETCH, COMMIT_AND_FETCH or NEED_GET_DATA for one slot, on a reserved SQE. */
static void prep_fetch_cmd(struct io_uring_sqe *sqe, struct io_slot *io, __u32 cmd_op,
			   int result)
{
	struct device *dev = io->dev;
	__u64 addr = 0;

	/* Copy modes give the kernel our buffer; the others pass none. */
	if (dev->data_path == DATA_COPY || dev->data_path == DATA_GET_DATA)
		addr = (__u64)(uintptr_t)io->buf;
	/* Where a zone append landed goes back in the same field (zoned.h). */
	else if (dev->zoned && io->req.op == UBLK_OP_ZONE_APPEND &&
		 cmd_op == UBLK_U_IO_COMMIT_AND_FETCH_REQ)
		addr = io->req.zone_append_sector;
	prep_io_cmd(sqe, io, cmd_op, result, addr);
	if (dev->data_path == DATA_AUTO_ZC) {
		if (dev->rotate_buf && cmd_op == UBLK_U_IO_COMMIT_AND_FETCH_REQ)
			io_rotate_buf_index(io);
		sqe->addr = ublk_auto_buf_reg_encode(io->buf_index,
				dev->auto_zc_fallback ? UBLK_AUTO_BUF_REG_FALLBACK : 0);
	}
	sqe->user_data = ud_build(io->req.tag, io->req.q_id, 0, UD_CMD, 0);
	io->thread->cmd_inflight++;
}

/* FETCH or NEED_GET_DATA: now, or after the next submit. */
static void issue_cmd(struct io_slot *io, __u32 cmd_op)
{
	struct io_uring_sqe *sqe = thread_get_sqe(io->thread);

	if (!sqe) {
		defer(io, DEFER_CMD, (int)cmd_op);
		return;
	}
	prep_fetch_cmd(sqe, io, cmd_op, 0);
}

static inline __u64 user_copy_offset(const struct io_slot *io)
{
	return UBLKSRV_IO_BUF_OFFSET + ((__u64)io->req.q_id << UBLK_QID_OFF) +
	       ((__u64)io->req.tag << UBLK_TAG_OFF);
}

/*
 * A request's integrity metadata, in (WRITE) or out (READ): a memory copy at
 * the user copy offset with UBLKSRV_IO_INTEGRITY_FLAG, counted in bytes of
 * metadata. 0, or -1 after a log line.
 */
static int meta_copy(struct io_slot *io, int out, uint32_t len)
{
	__u64 off = user_copy_offset(io) | UBLKSRV_IO_INTEGRITY_FLAG;
	ssize_t n = out ? pwrite(io->dev->cdev_fd, io->meta, len, (off_t)off) :
			  pread(io->dev->cdev_fd, io->meta, len, (off_t)off);

	if (n == (ssize_t)len)
		return 0;
	log_error("dev %d queue %u tag %u: metadata copy %s: %s", io->dev->dev_id,
		  io->req.q_id, io->req.tag, out ? "out" : "in", n < 0 ? strerror(errno) : "short");
	return -1;
}

/*
 * The result goes back to the kernel: unregister the buffer and commit as one
 * reservation (a hard link is never split), or wait for room; never fail.
 */
static void io_commit(struct io_slot *io, int result)
{
	struct io_thread *t = io->thread;
	struct device *dev = io->dev;
	struct ublk_request *req = &io->req;
	struct io_uring_sqe *sqe[2];
	unsigned int n = dev->cmd->commit_sqes + !!(io->flags & IO_BUF_REGISTERED);

	if (io->deferred)
		undefer(io);
	if (n && thread_reserve_sqes(t, n, sqe)) {
		defer(io, DEFER_COMMIT, result);
		return;
	}
	if (io->flags & IO_BUF_REGISTERED) {
		io->flags &= ~IO_BUF_REGISTERED;
		/*
		 * Hard link: the commit must go out even if this fails.
		 * Batch commits are sent later in the turn, in SQ order.
		 */
		prep_io_cmd(sqe[0], io, UBLK_U_IO_UNREGISTER_IO_BUF, 0, io->buf_index);
		sqe[0]->flags |= IOSQE_CQE_SKIP_SUCCESS;
		if (dev->cmd->commit_sqes)
			sqe[0]->flags |= IOSQE_IO_HARDLINK;
		sqe[0]->user_data = ud_build(req->tag, req->q_id, 0, UD_UNREG_BUF, 0);
	} else if (result > 0 && !(io->flags & IO_SHMEM) &&
		   ((dev->data_path == DATA_USER_COPY && req->op == UBLK_OP_READ &&
		     !dev->no_data) || req->op == UBLK_OP_REPORT_ZONES)) {
		ssize_t w = pwrite(dev->cdev_fd, io->buf, (size_t)result,
				   (off_t)user_copy_offset(io));

		if (w != result) {
			log_error("dev %d queue %u tag %u: user copy out: %s", dev->dev_id,
				  req->q_id, req->tag, w < 0 ? strerror(errno) : "short");
			result = -EIO;
		}
	}
	if (req->meta_length && req->op == UBLK_OP_READ && result > 0 &&
	    meta_copy(io, 1, integrity_meta_bytes(&dev->params, (uint32_t)result)))
		result = -EIO;
	/* A zone report borrowed the plain buffer on a zero copy path: give FIXED back. */
	if (req->op == UBLK_OP_REPORT_ZONES &&
	    (dev->data_path == DATA_ZERO_COPY || dev->data_path == DATA_AUTO_ZC)) {
		req->data_mode = UBLK_DATA_FIXED;
		req->buf = NULL;
	}
	stats_io_done(io, result);
	dev->cmd->commit(io, result, n ? sqe[n - 1] : NULL);
}

/* Hand the request to the outermost layer, its private areas fresh. */
static void io_dispatch(struct io_slot *io)
{
	struct device *dev = io->dev;

	if (dev->priv_zero) {
		memset(io->priv, 0, dev->priv_zero);
	} else if (dev->priv_zero_each) {
		unsigned int i;

		for (i = 0; i < dev->nr_layers; i++) {
			const struct layer *l = &dev->layers[i];

			if (l->priv_size && !(l->flags & UBLK_PLUGIN_OWN_PRIV))
				memset((char *)io->priv + l->priv_off, 0, l->priv_size);
		}
	}
	call_queue_io(io, 0);
}

static int op_has_data(int op)
{
	return op == UBLK_OP_READ || op == UBLK_OP_WRITE || op == UBLK_OP_ZONE_APPEND;
}

/* The data step of a request's start: register or copy in, then the layers. */
static void io_start_data(struct io_slot *io)
{
	struct device *dev = io->dev;
	struct ublk_request *req = &io->req;
	unsigned int op = req->op;
	/* Shared memory: the data is where the layers will look, nothing to move. */
	int needs_data = op_has_data((int)op) && !dev->no_data && !(io->flags & IO_SHMEM);

	if (needs_data && (dev->data_path == DATA_ZERO_COPY ||
			   (dev->data_path == DATA_AUTO_ZC && (io->flags & IO_NEED_REG_BUF)))) {
		struct io_uring_sqe *sqe = thread_get_sqe(io->thread);

		if (!sqe) {
			defer(io, DEFER_START, 0);
			return;
		}
		prep_io_cmd(sqe, io, UBLK_U_IO_REGISTER_IO_BUF, 0, io->buf_index);
		sqe->user_data = ud_build(req->tag, req->q_id, 0, UD_REG_BUF, 0);
		io->thread->target_inflight++;
		return;
	}
	if (needs_data && dev->data_path == DATA_USER_COPY &&
	    (op == UBLK_OP_WRITE || op == UBLK_OP_ZONE_APPEND)) {
		/* A memory copy from the kernel: quick, not a blocking IO. */
		ssize_t n = pread(dev->cdev_fd, io->buf, req->length, (off_t)user_copy_offset(io));

		if (n != (ssize_t)req->length) {
			log_error("dev %d queue %u tag %u: user copy in: %s", dev->dev_id,
				  req->q_id, req->tag, n < 0 ? strerror(errno) : "short");
			io_commit(io, -EIO);
			return;
		}
	}
	if (req->meta_length && op == UBLK_OP_WRITE && meta_copy(io, 0, req->meta_length)) {
		io_commit(io, -EIO);
		return;
	}
	io_dispatch(io);
}

/*
 * A zone operation on a zoned device: the same range and read-only checks as
 * the data operations; a report gets its length in bytes and, on a zero copy
 * path, the slot's plain buffer (io_commit gives FIXED back). 0 or -errno.
 */
static int zone_op_start(struct io_slot *io, const struct ublksrv_io_desc *iod, unsigned int op)
{
	struct device *dev = io->dev;
	struct ublk_request *req = &io->req;
	uint64_t size = __atomic_load_n(&dev->size, __ATOMIC_RELAXED);

	switch (op) {
	case UBLK_IO_OP_REPORT_ZONES:
		req->length = iod->nr_sectors * (uint32_t)ZONE_DESC_SIZE;
		if (req->offset >= size || req->length > dev->info.max_io_buf_bytes)
			return -EINVAL;
		req->data_mode = UBLK_DATA_BUFFER;
		req->buf = io->buf;
		return 0;
	case UBLK_IO_OP_ZONE_RESET_ALL:
		return dev->read_only ? -EROFS : 0;
	case UBLK_IO_OP_ZONE_APPEND:
		req->zone_append_sector = 0;
		/* fall through */
	case UBLK_IO_OP_ZONE_OPEN:
	case UBLK_IO_OP_ZONE_CLOSE:
	case UBLK_IO_OP_ZONE_FINISH:
	case UBLK_IO_OP_ZONE_RESET:
		if (req->offset >= size || req->length > size - req->offset)
			return -EIO;
		return dev->read_only ? -EROFS : 0;
	default:
		return -EOPNOTSUPP;
	}
}

/* The slot's own buffer again, after a request served from shared memory. */
static void shmem_io_reset(struct io_slot *io)
{
	int data_path = io->dev->data_path;

	io->flags &= ~IO_SHMEM;
	io->req.buf = io->buf;
	io->req.data_mode = data_path == DATA_ZERO_COPY || data_path == DATA_AUTO_ZC ?
			    UBLK_DATA_FIXED : UBLK_DATA_BUFFER;
}

/* UBLK_IO_F_SHMEM_ZC: point the request at the application's memory; 0, or -EIO. */
static int shmem_io_start(struct io_slot *io, const struct ublksrv_io_desc *iod)
{
	struct ublk_request *req = &io->req;
	void *p = shmem_zc_lookup(io->dev->shmem, iod->addr, req->length);

	if (!p) {
		log_error("dev %d queue %u tag %u: request names shared buffer %u (offset %u), which this daemon has not mapped",
			  io->dev->dev_id, req->q_id, req->tag, ublk_shmem_zc_index(iod->addr),
			  ublk_shmem_zc_offset(iod->addr));
		return -EIO;
	}
	req->buf = p;
	req->data_mode = UBLK_DATA_BUFFER;
	io->flags |= IO_SHMEM;
	stats_shmem_hit(io);
	return 0;
}

/* A request arrived in slot io: describe it, check it once for every target, start it. */
static void io_start(struct io_slot *io)
{
	struct device *dev = io->dev;
	const struct ublksrv_io_desc *iod = io->iod;
	unsigned int op = iod->op_flags & 0xff;
	struct ublk_request *req = &io->req;
	uint64_t size;
	int ret;

	stats_io_start(io);
	req->op = (uint8_t)op;
	req->flags = 0;
	if (iod->op_flags & UBLK_IO_F_FUA)
		req->flags |= UBLK_REQ_FUA;
	if (iod->op_flags & UBLK_IO_F_NOUNMAP)
		req->flags |= UBLK_REQ_NOUNMAP;
	req->offset = (uint64_t)iod->start_sector << 9;
	req->length = iod->nr_sectors << 9;
	/* Metadata rides with the data of a READ/WRITE that carries it. */
	req->meta_length = 0;
	req->meta_buf = NULL;
	if ((iod->op_flags & UBLK_IO_F_INTEGRITY) &&
	    (op == UBLK_IO_OP_READ || op == UBLK_IO_OP_WRITE) && io->meta) {
		req->meta_length = integrity_meta_bytes(&dev->params, req->length);
		req->meta_buf = io->meta;
	}
	io->flags &= ~(IO_SQE_STARVED | IO_NEED_REG_BUF);
	if (iod->op_flags & UBLK_IO_F_NEED_REG_BUF)
		io->flags |= IO_NEED_REG_BUF;
	if (io->flags & IO_SHMEM)
		shmem_io_reset(io);
	if ((iod->op_flags & UBLK_IO_F_SHMEM_ZC) && shmem_io_start(io, iod)) {
		io_commit(io, -EIO);
		return;
	}

	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		size = __atomic_load_n(&dev->size, __ATOMIC_RELAXED);
		if (req->offset > size || req->length > size - req->offset) {
			io_commit(io, -EIO);
			return;
		}
		if (op != UBLK_IO_OP_READ && dev->read_only) {
			io_commit(io, -EROFS);
			return;
		}
		break;
	case UBLK_IO_OP_FLUSH:
		break;
	default:
		if (!dev->zoned) {
			io_commit(io, -EOPNOTSUPP);
			return;
		}
		ret = zone_op_start(io, iod, op);
		if (ret) {
			io_commit(io, ret);
			return;
		}
	}
	io_start_data(io);
}

static void call_complete(struct io_slot *s, unsigned int layer, int result)
{
	unsigned int prev = cur_layer;

	slot_enter(s, layer);
	cur_layer = layer;
	s->dev->layers[layer].complete(&s->req, result);
	cur_layer = prev;
}

void io_complete(struct ublk_request *req, int result)
{
	struct io_slot *io = req_to_slot(req);
	int up = io->dev->layers[io->layer].up;

	if (up >= 0) {
		call_complete(io, (unsigned int)up, result);
		return;
	}
	/* A 1.0 layer found no SQE and gave up: run the request again instead. */
	if (result == -EAGAIN && (io->flags & IO_SQE_STARVED)) {
		io->flags &= ~IO_SQE_STARVED;
		defer(io, DEFER_RESTART, 0);
		return;
	}
	io_commit(io, result);
}

void io_next_queue_io(struct ublk_request *req)
{
	struct io_slot *io = req_to_slot(req);
	unsigned int next = io->layer + 1U;

	if (next >= io->dev->nr_layers) {
		log_error("dev %d: %s called ublk_next_queue_io() but has no layer below",
			  io->dev->dev_id, io->dev->layers[io->layer].name);
		io_complete(req, -EIO);
		return;
	}
	call_queue_io(io, next);
}

static void prep_layer_sqe(struct io_uring_sqe *sqe, struct io_slot *io, uint32_t cookie)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->user_data = ud_build(io->req.tag, io->req.q_id, io->layer, UD_TARGET, cookie);
	io->thread->target_inflight++;
}

static int layer_has_io_done(const struct io_slot *io, const char *service)
{
	const struct layer *l = &io->dev->layers[io->layer];

	if (l->io_done)
		return 1;
	log_error("%s %s uses %s() without an io_done callback", layer_kind_name(l), l->name,
		  service);
	return 0;
}

void *io_get_target_sqe(struct ublk_request *req, uint32_t cookie)
{
	struct io_slot *io = req_to_slot(req);
	struct io_uring_sqe *sqe;

	if (!layer_has_io_done(io, "ublk_get_sqe"))
		return NULL;
	sqe = thread_get_sqe(io->thread);
	if (!sqe) {
		io->flags |= IO_SQE_STARVED;
		return NULL;
	}
	prep_layer_sqe(sqe, io, cookie);
	return sqe;
}

int io_get_target_sqes(struct ublk_request *req, uint32_t cookie, unsigned int n, void **sqes)
{
	struct io_slot *io = req_to_slot(req);
	struct io_uring_sqe **s = (struct io_uring_sqe **)sqes;
	unsigned int i;
	int ret;

	if (!n || !layer_has_io_done(io, "ublk_get_sqes"))
		return -EINVAL;
	if (io->deferred)
		return -EAGAIN;		/* already waiting for room */
	ret = thread_reserve_sqes(io->thread, n, s);
	if (ret == -EAGAIN) {
		defer(io, DEFER_QUEUE, 0);
		return ret;
	}
	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		prep_layer_sqe(s[i], io, cookie);
	return 0;
}

void *io_get_thread_sqe(uint32_t cookie)
{
	struct io_thread *t = cur_thread;
	struct io_uring_sqe *sqe;
	const struct layer *l;

	if (!t)
		return NULL;
	l = &t->dev->layers[cur_layer];
	if (!l->thread_event) {
		log_error("%s %s uses ublk_get_thread_sqe() without a thread_event callback",
			  layer_kind_name(l), l->name);
		return NULL;
	}
	sqe = thread_get_sqe(t);
	if (!sqe)
		return NULL;
	memset(sqe, 0, sizeof(*sqe));
	sqe->user_data = ud_build(0, 0, cur_layer, UD_THREAD, cookie);
	return sqe;
}

/* Retry what waited for SQEs, oldest first; a slot deferred again waits for the next turn. */
static void run_deferred(struct io_thread *t)
{
	struct io_slot *last = t->deferred_tail, *io;

	while ((io = t->deferred_head) && io_uring_sq_space_left(&t->ring)) {
		enum io_deferred what = io->deferred;
		int arg = io->deferred_arg;

		t->deferred_head = io->next_deferred;
		if (!t->deferred_head)
			t->deferred_tail = NULL;
		io->next_deferred = NULL;
		io->deferred = DEFER_NONE;
		switch (what) {
		case DEFER_CMD:
			issue_cmd(io, (__u32)arg);
			break;
		case DEFER_START:
			io_start_data(io);
			break;
		case DEFER_QUEUE:
			call_queue_io(io, io->layer);
			break;
		case DEFER_RESTART:
			io_dispatch(io);
			break;
		case DEFER_COMMIT:
			io_commit(io, arg);
			break;
		case DEFER_NONE:
			break;
		}
		if (io == last)
			break;
	}
}

/* Submit and retry the waiting slots for as long as that makes room. */
static void drain_deferred(struct io_thread *t)
{
	while (t->deferred_head) {
		int ret = io_uring_submit(&t->ring);

		run_deferred(t);
		if (ret <= 0)
			break;		/* no room made: wait for completions */
	}
}

static void handle_cmd_cqe(struct io_thread *t, struct io_slot *io, int res)
{
	t->cmd_inflight--;
	if (res == UBLK_IO_RES_OK) {
		io_start(io);
	} else if (res == UBLK_IO_RES_NEED_GET_DATA) {
		issue_cmd(io, UBLK_U_IO_NEED_GET_DATA);
	} else {
		/* ABORT: the device is stopping; this slot is done for good. */
		if (res != UBLK_IO_RES_ABORT)
			log_error("dev %d queue %u tag %u: command failed: %s",
				  io->dev->dev_id, io->req.q_id, io->req.tag, strerror(-res));
		t->stopping = 1;
	}
}

static void handle_layer_cqe(struct io_thread *t, struct io_slot *io, unsigned int layer,
			     uint32_t cookie, int res)
{
	unsigned int prev = cur_layer;

	t->target_inflight--;
	slot_enter(io, layer);
	cur_layer = layer;
	io->dev->layers[layer].io_done(&io->req, cookie, res);
	cur_layer = prev;
}

static void handle_thread_cqe(struct io_thread *t, unsigned int layer, uint32_t cookie, int res)
{
	const struct layer *l = &t->dev->layers[layer];
	unsigned int prev = cur_layer;

	cur_layer = layer;
	l->thread_event(l->handle, t->layer_data[layer], cookie, res);
	cur_layer = prev;
}

static void handle_cqe(struct io_thread *t, const struct io_uring_cqe *cqe)
{
	struct device *dev = t->dev;
	__u64 ud = cqe->user_data;
	unsigned int kind = UD_KIND(ud);
	struct io_slot *io = &dev->queues[UD_QID(ud)].ios[UD_TAG(ud)];

	switch (kind) {
	case UD_CMD:
		handle_cmd_cqe(t, io, cqe->res);
		break;
	case UD_TARGET:
		handle_layer_cqe(t, io, UD_LAYER(ud), UD_COOKIE(ud), cqe->res);
		break;
	case UD_REG_BUF:
		t->target_inflight--;
		if (cqe->res < 0) {
			log_error("dev %d queue %u tag %u: register buffer: %s", dev->dev_id,
				  io->req.q_id, io->req.tag, strerror(-cqe->res));
			io_commit(io, cqe->res);
			break;
		}
		io->flags |= IO_BUF_REGISTERED;
		io_dispatch(io);
		break;
	case UD_UNREG_BUF:
		log_error("dev %d queue %u tag %u: unregister buffer: %s", dev->dev_id,
			  io->req.q_id, io->req.tag, strerror(-cqe->res));
		break;
	case UD_THREAD:
		handle_thread_cqe(t, UD_LAYER(ud), UD_COOKIE(ud), cqe->res);
		break;
	case UD_STOP:
		t->exit_now = 1;
		break;
	case UD_BATCH_PREP:
	case UD_BATCH_FETCH:
	case UD_BATCH_COMMIT:
		dev->cmd->handle_cqe(t, cqe, kind, UD_COOKIE(ud));
		break;
	default:
		log_error("dev %d: completion with unknown user_data 0x%llx", dev->dev_id,
			  (unsigned long long)ud);
	}
}

/* UBLK_DEBUG_RING_ENTRIES=N: a small ring to exercise SQE deferral (debug only). */
static unsigned int debug_ring_entries(void)
{
	const char *env = getenv("UBLK_DEBUG_RING_ENTRIES");
	unsigned long v;
	char *end;

	if (!env || !*env)
		return 0;
	v = strtoul(env, &end, 10);
	if (*end || v < 4 || v > 4096) {
		log_warn("UBLK_DEBUG_RING_ENTRIES=%s ignored: a number from 4 to 4096", env);
		return 0;
	}
	return (unsigned int)v;
}

static int thread_setup_ring(struct io_thread *t)
{
	static const unsigned int flag_sets[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct device *dev = t->dev;
	struct io_uring_params p;
	unsigned int entries = 16;
	unsigned int i;
	int ret = -EINVAL;

	/* Room for a command and a target SQE per slot, within limits. */
	while (entries < 2 * t->nr_ios + 8 && entries < 4096)
		entries <<= 1;
	if (debug_ring_entries()) {
		entries = debug_ring_entries();
		t->debug_defer = 1;
	}

	for (i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flag_sets[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 2;
		ret = io_uring_queue_init_params(entries, &t->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		log_error("dev %d thread %u: io_uring setup: %s", dev->dev_id, t->index,
			  strerror(-ret));
		return ret;
	}
	t->sq_entries = t->ring.sq.ring_entries;

	ret = dev->cmd_sqe_flags & IOSQE_FIXED_FILE ?
	      io_uring_register_files(&t->ring, &dev->cdev_fd, 1) : 0;
	if (ret) {
		log_error("dev %d thread %u: register %s: %s", dev->dev_id, t->index,
			  "char device", strerror(-ret));
		goto err;
	}
	if (dev->data_path == DATA_ZERO_COPY || dev->data_path == DATA_AUTO_ZC) {
		ret = io_uring_register_buffers_sparse(&t->ring,
						       t->nr_ios * (dev->rotate_buf ? 2 : 1));
		if (ret) {
			log_error("dev %d thread %u: sparse buffer table: %s", dev->dev_id,
				  t->index, strerror(-ret));
			goto err;
		}
	}
	ret = dev->cmd->thread_init(t, io_start);
	if (ret)
		goto err;
	/* Saves an fget per io_uring_enter; optional. */
	io_uring_register_ring_fd(&t->ring);
	return 0;
err:
	io_uring_queue_exit(&t->ring);
	return ret;
}

/* The per-request command set: nothing per thread, a FETCH per slot. */
static int per_io_thread_init(struct io_thread *t, void (*start)(struct io_slot *io))
{
	(void)t;
	(void)start;
	return 0;
}

static void per_io_thread_exit(struct io_thread *t)
{
	(void)t;
}

static int per_io_fetch_all(struct io_thread *t)
{
	unsigned int i;

	for (i = 0; i < t->nr_ios; i++)
		issue_cmd(t->ios[i], UBLK_U_IO_FETCH_REQ);
	return 0;
}

static void per_io_commit(struct io_slot *io, int result, struct io_uring_sqe *sqe)
{
	prep_fetch_cmd(sqe, io, UBLK_U_IO_COMMIT_AND_FETCH_REQ, result);
}

static void per_io_handle_cqe(struct io_thread *t, const struct io_uring_cqe *cqe,
			      unsigned int kind, uint32_t cookie)
{
	(void)cookie;
	log_error("dev %d thread %u: a batch completion (kind %u, result %d) on a per-IO device",
		  t->dev->dev_id, t->index, kind, cqe->res);
}

const struct cmd_ops per_io_cmd_ops = {
	.name = "per-IO",
	.thread_init = per_io_thread_init,
	.thread_exit = per_io_thread_exit,
	.fetch_all = per_io_fetch_all,
	.commit_sqes = 1,
	.commit = per_io_commit,
	.handle_cqe = per_io_handle_cqe,
};

/* thread_init of every layer, innermost first (a filter may use what is below). */
static int thread_init_layers(struct io_thread *t)
{
	struct device *dev = t->dev;
	unsigned int i;

	for (i = dev->nr_layers; i-- > 0;) {
		struct layer *l = &dev->layers[i];

		if (l->thread_init) {
			plugin_clear_error();
			cur_layer = i;
			if (l->thread_init(l->handle, t->index, &t->layer_data[i])) {
				log_error("dev %d thread %u: %s %s: %s", dev->dev_id, t->index,
					  layer_kind_name(l), l->name,
					  plugin_error("thread_init failed"));
				return -EINVAL;
			}
		}
		t->layers_ready++;
	}
	return 0;
}

/* thread_exit of the layers whose thread_init ran, outermost first. */
static void thread_exit_layers(struct io_thread *t)
{
	struct device *dev = t->dev;
	unsigned int i;

	for (i = dev->nr_layers - t->layers_ready; i < dev->nr_layers; i++) {
		struct layer *l = &dev->layers[i];

		cur_layer = i;
		if (l->thread_exit)
			l->thread_exit(l->handle, t->layer_data[i]);
	}
	t->layers_ready = 0;
}

static int thread_arm_stop(struct io_thread *t)
{
	struct io_uring_sqe *sqe = thread_get_sqe(t);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, t->dev->stop_efd, POLLIN);
	sqe->user_data = ud_build(0, 0, 0, UD_STOP, 0);
	return 0;
}

static void thread_signal_ready(struct io_thread *t, int result)
{
	struct device *dev = t->dev;

	pthread_mutex_lock(&dev->lock);
	t->init_result = result;
	t->started = 1;
	pthread_cond_broadcast(&dev->cond);
	pthread_mutex_unlock(&dev->lock);
}

static void thread_leave(struct io_thread *t)
{
	struct device *dev = t->dev;

	int last;

	pthread_mutex_lock(&dev->lock);
	last = --dev->threads_running == 0;
	pthread_cond_broadcast(&dev->cond);
	pthread_mutex_unlock(&dev->lock);
	/* Lets a daemon's poll loop notice that this device went away. */
	if (last)
		eventfd_write(dev->done_efd, 1);
}

static void thread_loop(struct io_thread *t)
{
	struct device *dev = t->dev;
	struct io_uring_cqe *cqe;
	unsigned int head, n;
	int ret;

	while (!t->exit_now) {
		if (dev->cmd->flush)
			dev->cmd->flush(t);
		if (t->stopping && !t->cmd_inflight && !t->target_inflight && !t->deferred_head)
			break;
		/* The queue was full: send it, then the waiting slots go first. */
		drain_deferred(t);
		ret = io_uring_submit_and_wait(&t->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			log_error("dev %d thread %u: io_uring: %s", dev->dev_id, t->index,
				  strerror(-ret));
			break;
		}
		n = 0;
		io_uring_for_each_cqe(&t->ring, head, cqe) {
			handle_cqe(t, cqe);
			n++;
		}
		io_uring_cq_advance(&t->ring, n);
	}
}

void *io_thread_main(void *arg)
{
	struct io_thread *t = arg;
	struct device *dev = t->dev;
	unsigned int i;
	int ret;

	cur_thread = t;
	if (t->pin && pthread_setaffinity_np(pthread_self(), sizeof(t->affinity), &t->affinity))
		log_warn("dev %d thread %u: cannot pin to its queue's CPUs", dev->dev_id, t->index);

	ret = thread_setup_ring(t);
	if (ret)
		goto fail;
	ret = thread_arm_stop(t);
	if (ret)
		goto fail_ring;
	/*
	 * Every slot to the kernel (START_DEV waits for them; batch reports a
	 * failed PREP here). Before the layers' thread_init: batch waits on the
	 * ring for PREP, and their thread SQEs must not complete in that wait.
	 * No request arrives before START_DEV, after this thread is ready.
	 */
	ret = dev->cmd->fetch_all(t);
	if (ret)
		goto fail_ring;
	ret = thread_init_layers(t);
	if (ret)
		goto fail_ring;
	for (i = 0; i < t->nr_ios; i++) {
		struct io_slot *io = t->ios[i];

		/* A shared batch queue's slots: their first thread sets them. */
		if (io->thread != t)
			continue;
		io->req.thread_data = t->layer_data[0];
		slot_enter(io, 0);
	}
	/*
	 * Hand the FETCHes to the kernel before START_DEV waits for them, so the
	 * main thread's START never depends on this thread being scheduled.
	 */
	drain_deferred(t);
	io_uring_submit(&t->ring);
	thread_signal_ready(t, 0);

	thread_loop(t);

	/* Leaving the ring cancels whatever the kernel still holds. */
	thread_exit_layers(t);
	io_uring_queue_exit(&t->ring);
	dev->cmd->thread_exit(t);
	thread_leave(t);
	cur_thread = NULL;
	return NULL;

fail_ring:
	thread_exit_layers(t);
	io_uring_queue_exit(&t->ring);
	dev->cmd->thread_exit(t);
fail:
	thread_signal_ready(t, ret);
	thread_leave(t);
	cur_thread = NULL;
	return NULL;
}
