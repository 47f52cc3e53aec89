/* SPDX-License-Identifier: MIT */
/* Shared by the IO loop and the batch command path; not for plugins. */
#ifndef UBLK_SERVER_IO_INTERNAL_H
#define UBLK_SERVER_IO_INTERNAL_H

#include <errno.h>

#include "device.h"

/*
 * user_data: tag 0-11, queue 12-23, layer 24-27, kind 28-31, cookie 32-63.
 * The layer routes a layer's SQE completions to its own io_done or
 * thread_event, with its own full 32-bit cookie (MAX_LAYERS is 16).
 */
enum ud_kind {
	UD_CMD = 1,		/* FETCH / COMMIT_AND_FETCH / NEED_GET_DATA */
	UD_REG_BUF,		/* REGISTER_IO_BUF before the layers run */
	UD_UNREG_BUF,		/* UNREGISTER_IO_BUF, CQE only on failure */
	UD_TARGET,		/* a layer's request SQE: cookie is the layer's */
	UD_STOP,		/* poll on the device's stop eventfd */
	UD_BATCH_PREP,		/* PREP_IO_CMDS */
	UD_BATCH_FETCH,		/* multishot FETCH_IO_CMDS */
	UD_BATCH_COMMIT,	/* COMMIT_IO_CMDS: cookie is the buffer index */
	UD_THREAD,		/* a layer's thread SQE (ublk_get_thread_sqe) */
};

_Static_assert(MAX_LAYERS <= 16, "user_data has 4 bits for the layer");
_Static_assert(MAX_DEPTH <= 4096 && MAX_QUEUES <= 4096, "user_data has 12 bits for tag and queue");

static inline __u64 ud_build(unsigned int tag, unsigned int q_id, unsigned int layer,
			     unsigned int kind, uint32_t cookie)
{
	return (__u64)tag | ((__u64)q_id << 12) | ((__u64)layer << 24) |
	       ((__u64)kind << 28) | ((__u64)cookie << 32);
}

#define UD_TAG(ud)	((unsigned int)((ud) & 0xfff))
#define UD_QID(ud)	((unsigned int)(((ud) >> 12) & 0xfff))
#define UD_LAYER(ud)	((unsigned int)(((ud) >> 24) & 0xf))
#define UD_KIND(ud)	((unsigned int)(((ud) >> 28) & 0xf))
#define UD_COOKIE(ud)	((uint32_t)((ud) >> 32))

/*
 * How the threads of a device speak to the kernel about their slots: one
 * command per request (FETCH / COMMIT_AND_FETCH, io_loop.c) or the arrays
 * of UBLK_F_BATCH_IO (batch_io.c). Chosen once when the device starts.
 */
struct cmd_ops {
	const char *name;
	/* After the ring is up; start(io) runs each request that arrives. */
	int (*thread_init)(struct io_thread *t, void (*start)(struct io_slot *io));
	void (*thread_exit)(struct io_thread *t);
	/* Hand every slot to the kernel, before START_DEV waits for them. */
	int (*fetch_all)(struct io_thread *t);
	/* SQEs a commit needs (after an unregister, hard-linked to it if 1). */
	unsigned int commit_sqes;
	/* Send or record a result; sqe is the reserved one when commit_sqes. */
	void (*commit)(struct io_slot *io, int result, struct io_uring_sqe *sqe);
	/* Once a loop turn, before waiting; NULL: nothing to do. */
	void (*flush)(struct io_thread *t);
	/* A CQE of a kind that is not the IO loop's (the batch kinds). */
	void (*handle_cqe)(struct io_thread *t, const struct io_uring_cqe *cqe,
			   unsigned int kind, uint32_t cookie);
};

extern const struct cmd_ops per_io_cmd_ops;
extern const struct cmd_ops batch_cmd_ops;

/*
 * rotate_auto_buf: move the slot to its twin index (one buf_stride away in
 * its thread's sparse table, which is twice as large); the kernel registers
 * the next request's buffer there, and unregisters the old one at commit.
 */
static inline uint16_t io_rotate_buf_index(struct io_slot *io)
{
	unsigned int stride = io->thread->buf_stride;
	uint16_t next = (uint16_t)(io->buf_index < stride ? io->buf_index + stride :
							  io->buf_index - stride);

	io->buf_index = next;
	io->req.buf_index = next;
	return next;
}

/*
 * Reserve n SQEs, all or none: they are consecutive in the submission queue
 * and go to the kernel in one submit, so a link among them is never split.
 * A full queue is submitted once; -EAGAIN if it is still short (the caller
 * defers), -E2BIG if n can never fit. With UBLK_DEBUG_RING_ENTRIES a full
 * queue is never submitted here: every caller defers, to exercise that path.
 */
static inline int thread_reserve_sqes(struct io_thread *t, unsigned int n,
				      struct io_uring_sqe **sqes)
{
	unsigned int i;

	if (io_uring_sq_space_left(&t->ring) < n) {
		if (n > t->sq_entries)
			return -E2BIG;
		if (t->debug_defer)
			return -EAGAIN;
		io_uring_submit(&t->ring);
		if (io_uring_sq_space_left(&t->ring) < n)
			return -EAGAIN;
	}
	for (i = 0; i < n; i++)
		sqes[i] = io_uring_get_sqe(&t->ring);
	return 0;
}

/* One SQE, flushing the submission queue first if it is full; NULL if it stays full. */
static inline struct io_uring_sqe *thread_get_sqe(struct io_thread *t)
{
	struct io_uring_sqe *sqe;

	return thread_reserve_sqes(t, 1, &sqe) ? NULL : sqe;
}

#endif
