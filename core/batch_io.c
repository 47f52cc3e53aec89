// SPDX-License-Identifier: MIT
/*
 * The UBLK_F_BATCH_IO command path (Linux 7.0), batch_cmd_ops: instead of one
 * FETCH/COMMIT_AND_FETCH command per request slot, each queue's slots are
 * prepared with one PREP_IO_CMDS, new requests arrive as arrays of tags from
 * multishot FETCH_IO_CMDS into a provided buffer ring, and results leave in
 * one COMMIT_IO_CMDS per queue and loop turn.
 *
 * Any number of threads serves any number of queues (dev_queues.c): with
 * fewer threads than queues a thread serves queues t, t + nthreads, ...;
 * with more, thread t serves queue t % queues, which it shares with the
 * others of that queue. A queue is prepared once, by thread q % nthreads;
 * every thread keeps one fetch armed per queue it serves, and the kernel
 * hands each tag to one of them: that thread runs the request and commits
 * it. Tags arrive as __u16 arrays in the buffers of the thread's provided
 * buffer ring (buffer group = thread index), shared by its fetches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "io_internal.h"
#include "log.h"

/* Not in liburing 2.3's headers. */
#ifndef IORING_URING_CMD_MULTISHOT
#define IORING_URING_CMD_MULTISHOT	(1U << 1)
#endif

#define MIN_FETCH_BUFS		4	/* buffers in the provided ring: a power of two */
#define COMMIT_BUFS_MAX		(2 * MAX_QUEUES + 32)

enum commit_state { COMMIT_FREE, COMMIT_FILLING, COMMIT_SENT };

struct commit_buf {
	char *elems;
	unsigned int nr;
	uint8_t state;			/* enum commit_state */
	uint8_t lq;			/* the local queue it is for */
};

/* A queue this thread serves. */
struct batch_queue {
	unsigned int q_id;
	unsigned int cur;		/* the commit buffer being filled */
	int prepare;			/* this thread sends its PREP_IO_CMDS */
};

struct batch_state {
	struct io_uring_buf_ring *ring;	/* provided buffers for FETCH_IO_CMDS */
	size_t ring_len;
	unsigned int nr_bufs;
	__u16 *tags;			/* nr_bufs buffers of `depth` tags */
	unsigned int depth;
	unsigned int bgid;
	__u16 flags;			/* UBLK_BATCH_F_* of PREP and COMMIT */
	unsigned int elem_bytes;
	char *prep;
	struct batch_queue queues[MAX_QUEUES];
	unsigned int nr_queues;
	uint8_t local[MAX_QUEUES];	/* q_id -> index in queues[] */
	struct commit_buf commit[COMMIT_BUFS_MAX];
	unsigned int nr_commit;		/* allocated commit buffers */
	void (*start)(struct io_slot *io);	/* handed in: batch_io never calls io_loop */
};

static int commit_buf_alloc(struct batch_state *b)
{
	struct commit_buf *c;

	if (b->nr_commit == COMMIT_BUFS_MAX)
		return -1;
	c = &b->commit[b->nr_commit];
	c->elems = calloc(b->depth, b->elem_bytes);
	if (!c->elems)
		return -1;
	c->state = COMMIT_FREE;
	return (int)b->nr_commit++;
}

/* A free commit buffer, a new one if none: -1 when all are in use. */
static int commit_buf_get(struct batch_state *b)
{
	unsigned int i;

	for (i = 0; i < b->nr_commit; i++)
		if (b->commit[i].state == COMMIT_FREE)
			return (int)i;
	return commit_buf_alloc(b);
}

/* The queues thread t serves, as dev_queues.c spread them. */
static void batch_map_queues(struct io_thread *t, struct batch_state *b)
{
	unsigned int nq = t->dev->info.nr_hw_queues, nt = t->dev->nr_threads, q;

	for (q = 0; q < nq; q++) {
		if (nt >= nq ? q != t->index % nq : q % nt != t->index)
			continue;
		b->local[q] = (uint8_t)b->nr_queues;
		b->queues[b->nr_queues].q_id = q;
		b->queues[b->nr_queues].prepare = q % nt == t->index;
		b->nr_queues++;
	}
}

static void batch_thread_exit(struct io_thread *t);

static int batch_thread_init(struct io_thread *t, void (*start)(struct io_slot *io))
{
	struct device *dev = t->dev;
	struct io_uring_buf_reg reg;
	struct batch_state *b;
	unsigned int i;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	t->batch = b;
	b->start = start;
	b->depth = dev->info.queue_depth;
	b->bgid = t->index;
	b->elem_bytes = sizeof(struct ublk_elem_header);
	/* Copy modes tell the kernel where each slot's buffer is. */
	if (dev->data_path == DATA_COPY) {
		b->flags |= UBLK_BATCH_F_HAS_BUF_ADDR;
		b->elem_bytes += sizeof(__u64);
	}
	if (dev->data_path == DATA_AUTO_ZC && dev->auto_zc_fallback)
		b->flags |= UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK;
	batch_map_queues(t, b);
	/* Two buffers a queue: one can be refilled while the other is in use. */
	for (b->nr_bufs = MIN_FETCH_BUFS; b->nr_bufs < 2 * b->nr_queues; b->nr_bufs <<= 1)
		;

	/* liburing 2.3 has no io_uring_setup_buf_ring(): map and register by hand. */
	b->ring_len = b->nr_bufs * sizeof(struct io_uring_buf);
	b->ring = mmap(NULL, b->ring_len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	b->tags = calloc((size_t)b->nr_bufs * b->depth, sizeof(__u16));
	b->prep = calloc(b->depth, b->elem_bytes);
	if (b->ring == MAP_FAILED || !b->tags || !b->prep) {
		ret = -ENOMEM;
		goto err;
	}
	for (i = 0; i < b->nr_queues; i++) {
		ret = commit_buf_alloc(b);
		if (ret < 0) {
			ret = -ENOMEM;
			goto err;
		}
		b->queues[i].cur = (unsigned int)ret;
		b->commit[ret].state = COMMIT_FILLING;
		b->commit[ret].lq = (uint8_t)i;
	}
	io_uring_buf_ring_init(b->ring);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (__u64)(uintptr_t)b->ring;
	reg.ring_entries = b->nr_bufs;
	reg.bgid = (__u16)b->bgid;
	ret = io_uring_register_buf_ring(&t->ring, &reg, 0);
	if (ret) {
		log_error("dev %d thread %u: register buffer ring: %s", dev->dev_id,
			  t->index, strerror(-ret));
		goto err;
	}
	for (i = 0; i < b->nr_bufs; i++)
		io_uring_buf_ring_add(b->ring, b->tags + i * b->depth,
				      b->depth * sizeof(__u16), (unsigned short)i,
				      io_uring_buf_ring_mask(b->nr_bufs), (int)i);
	io_uring_buf_ring_advance(b->ring, (int)b->nr_bufs);
	return 0;
err:
	batch_thread_exit(t);
	return ret;
}

static void batch_thread_exit(struct io_thread *t)
{
	struct batch_state *b = t->batch;
	unsigned int i;

	if (!b)
		return;
	if (b->ring && b->ring != MAP_FAILED)
		munmap(b->ring, b->ring_len);
	for (i = 0; i < b->nr_commit; i++)
		free(b->commit[i].elems);
	free(b->tags);
	free(b->prep);
	free(b);
	t->batch = NULL;
}

static void put_elem(const struct batch_state *b, char *at, const struct io_slot *io,
		     uint16_t buf_index, int result)
{
	struct ublk_elem_header h = {
		.tag = io->req.tag,
		.buf_index = buf_index,
		.result = result,
	};

	memcpy(at, &h, sizeof(h));
	if (b->flags & UBLK_BATCH_F_HAS_BUF_ADDR) {
		__u64 addr = (__u64)(uintptr_t)io->buf;

		memcpy(at + sizeof(h), &addr, sizeof(addr));
	}
}

static void prep_batch_cmd(struct io_uring_sqe *sqe, const struct io_thread *t,
			   unsigned int q_id, __u32 cmd_op,
			   __u16 flags, unsigned int nr_elem, unsigned int elem_bytes,
			   void *buf)
{
	struct ublk_batch_io *cmd = (struct ublk_batch_io *)&sqe->addr3;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->flags = t->dev->cmd_sqe_flags;
	sqe->fd = t->dev->cmd_fd;
	sqe->cmd_op = cmd_op;
	sqe->addr = (__u64)(uintptr_t)buf;
	sqe->len = nr_elem * elem_bytes;
	cmd->q_id = (__u16)q_id;
	cmd->flags = flags;
	cmd->nr_elem = (__u16)nr_elem;
	cmd->elem_bytes = (__u8)elem_bytes;
}

static int arm_fetch(struct io_thread *t, unsigned int q_id)
{
	struct batch_state *b = t->batch;
	struct io_uring_sqe *sqe = thread_get_sqe(t);

	if (!sqe)
		return -EBUSY;
	prep_batch_cmd(sqe, t, q_id, UBLK_U_IO_FETCH_IO_CMDS, 0, 0, sizeof(__u16), NULL);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = (__u16)b->bgid;
	sqe->uring_cmd_flags = IORING_URING_CMD_MULTISHOT;
	sqe->user_data = ud_build(0, q_id, 0, UD_BATCH_FETCH, 0);
	t->cmd_inflight++;
	return 0;
}

/* PREP_IO_CMDS for every slot of queue q_id, and wait for it. */
static int prepare_queue(struct io_thread *t, unsigned int q_id)
{
	struct batch_state *b = t->batch;
	struct queue_map *q = &t->dev->queues[q_id];
	struct io_uring_sqe *sqe = thread_get_sqe(t);
	struct io_uring_cqe *cqe;
	unsigned int tag;
	int ret;

	if (!sqe)
		return -EBUSY;
	for (tag = 0; tag < b->depth; tag++)
		put_elem(b, b->prep + tag * b->elem_bytes, &q->ios[tag], q->ios[tag].buf_index, 0);
	prep_batch_cmd(sqe, t, q_id, UBLK_U_IO_PREP_IO_CMDS, b->flags, b->depth, b->elem_bytes,
		       b->prep);
	sqe->user_data = ud_build(0, q_id, 0, UD_BATCH_PREP, 0);

	/* Wait for PREP here: START_DEV would wait forever for slots it lacks. */
	ret = io_uring_submit_and_wait(&t->ring, 1);
	if (ret < 0)
		return ret;
	for (;;) {
		ret = io_uring_wait_cqe(&t->ring, &cqe);
		if (ret == -EINTR)
			continue;
		if (ret < 0)
			return ret;
		if (UD_KIND(cqe->user_data) == UD_BATCH_PREP)
			break;
		/* Only the stop poll can be pending now: a forced exit. */
		io_uring_cqe_seen(&t->ring, cqe);
		return -ECANCELED;
	}
	ret = cqe->res;
	io_uring_cqe_seen(&t->ring, cqe);
	if (ret < 0) {
		log_error("dev %d queue %u: PREP_IO_CMDS: %s", t->dev->dev_id, q_id,
			  strerror(-ret));
		return ret;
	}
	return 0;
}

/*
 * Prepare the queues this thread is first for, then arm a fetch for each
 * queue it serves: a queue shared with a thread not prepared yet only gets
 * its tags once that PREP is done, and START_DEV waits for every PREP.
 */
static int batch_start(struct io_thread *t)
{
	struct batch_state *b = t->batch;
	unsigned int i;
	int ret;

	for (i = 0; i < b->nr_queues; i++) {
		if (!b->queues[i].prepare)
			continue;
		ret = prepare_queue(t, b->queues[i].q_id);
		if (ret)
			return ret;
	}
	for (i = 0; i < b->nr_queues; i++) {
		ret = arm_fetch(t, b->queues[i].q_id);
		if (ret)
			return ret;
	}
	return 0;
}

/* Record a result; it goes out with the next batch_flush(). No SQE of its own. */
static void batch_commit(struct io_slot *io, int result, struct io_uring_sqe *sqe)
{
	struct io_thread *t = io->thread;
	struct batch_state *b = t->batch;
	struct commit_buf *c = &b->commit[b->queues[b->local[io->req.q_id]].cur];
	uint16_t buf_index = io->buf_index;

	(void)sqe;
	if (t->dev->rotate_buf)
		buf_index = io_rotate_buf_index(io);
	put_elem(b, c->elems + c->nr * b->elem_bytes, io, buf_index, result);
	c->nr++;
}

static void batch_flush(struct io_thread *t)
{
	struct batch_state *b = t->batch;
	unsigned int i;

	for (i = 0; i < b->nr_queues; i++) {
		struct batch_queue *bq = &b->queues[i];
		struct commit_buf *c = &b->commit[bq->cur];
		struct io_uring_sqe *sqe;
		int next;

		if (!c->nr)
			continue;
		/* The filled buffer must stay untouched until its CQE: switch to another. */
		next = commit_buf_get(b);
		if (next < 0)
			return;		/* all in flight: try again next turn */
		sqe = thread_get_sqe(t);
		if (!sqe)
			return;
		prep_batch_cmd(sqe, t, bq->q_id, UBLK_U_IO_COMMIT_IO_CMDS, b->flags, c->nr,
			       b->elem_bytes, c->elems);
		sqe->user_data = ud_build(0, bq->q_id, 0, UD_BATCH_COMMIT, bq->cur);
		c->state = COMMIT_SENT;
		t->cmd_inflight++;
		bq->cur = (unsigned int)next;
		b->commit[next].state = COMMIT_FILLING;
		b->commit[next].lq = (uint8_t)i;
	}
}

static void handle_fetch(struct io_thread *t, const struct io_uring_cqe *cqe,
			 unsigned int q_id)
{
	struct batch_state *b = t->batch;
	struct queue_map *q = &t->dev->queues[q_id];

	if (cqe->res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
		unsigned int bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		const __u16 *tags = b->tags + bid * b->depth;
		unsigned int i, n = (unsigned int)cqe->res / sizeof(__u16);

		for (i = 0; i < n; i++) {
			struct io_slot *io;

			if (tags[i] >= b->depth) {
				log_error("dev %d queue %u: fetched tag %u out of range",
					  t->dev->dev_id, q->id, tags[i]);
				continue;
			}
			io = &q->ios[tags[i]];
			/* A queue shared by threads: this one has the request now. */
			if (io->thread != t) {
				io->thread = t;
				io->req.thread_index = t->index;
				io->req.thread_data = t->layer_data[0];
			}
			b->start(io);
		}
		io_uring_buf_ring_add(b->ring, (void *)tags, b->depth * sizeof(__u16),
				      (unsigned short)bid, io_uring_buf_ring_mask(b->nr_bufs), 0);
		io_uring_buf_ring_advance(b->ring, 1);
	}
	if (cqe->flags & IORING_CQE_F_MORE)
		return;

	/* The multishot ended: the device stops, or it needs re-arming. */
	t->cmd_inflight--;
	if (cqe->res == UBLK_IO_RES_ABORT || t->stopping) {
		t->stopping = 1;
		return;
	}
	if (cqe->res < 0 && cqe->res != -ENOBUFS)
		log_error("dev %d queue %u: FETCH_IO_CMDS: %s", t->dev->dev_id, q->id,
			  strerror(-cqe->res));
	if (arm_fetch(t, q_id))
		t->stopping = 1;
}

static void handle_commit(struct io_thread *t, const struct io_uring_cqe *cqe,
			  uint32_t index)
{
	struct batch_state *b = t->batch;
	struct commit_buf *c;
	unsigned int done;

	t->cmd_inflight--;
	if (index >= b->nr_commit)
		return;
	c = &b->commit[index];
	c->state = COMMIT_FREE;
	if (cqe->res < 0) {
		/* ENODEV: the device is going away and takes the requests with it. */
		if (cqe->res != -ENODEV)
			log_error("dev %d queue %u: COMMIT_IO_CMDS: %s", t->dev->dev_id,
				  b->queues[c->lq].q_id, strerror(-cqe->res));
		t->stopping |= cqe->res == -ENODEV;
		c->nr = 0;
		return;
	}
	/* A partial commit: send the rest again with the next flush. */
	done = (unsigned int)cqe->res / b->elem_bytes;
	if (done < c->nr) {
		struct commit_buf *cur = &b->commit[b->queues[c->lq].cur];

		memcpy(cur->elems + cur->nr * b->elem_bytes, c->elems + done * b->elem_bytes,
		       (c->nr - done) * b->elem_bytes);
		cur->nr += c->nr - done;
	}
	c->nr = 0;
}

static void batch_handle_cqe(struct io_thread *t, const struct io_uring_cqe *cqe,
		      unsigned int kind, uint32_t cookie)
{
	switch (kind) {
	case UD_BATCH_FETCH:
		handle_fetch(t, cqe, UD_QID(cqe->user_data));
		break;
	case UD_BATCH_COMMIT:
		handle_commit(t, cqe, cookie);
		break;
	default:
		/* PREP completes inside batch_start. */
		break;
	}
}

const struct cmd_ops batch_cmd_ops = {
	.name = "batch",
	.thread_init = batch_thread_init,
	.thread_exit = batch_thread_exit,
	.fetch_all = batch_start,
	.commit_sqes = 0,
	.commit = batch_commit,
	.flush = batch_flush,
	.handle_cqe = batch_handle_cqe,
};
