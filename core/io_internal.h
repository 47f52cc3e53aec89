/* SPDX-License-Identifier: MIT */
/* Shared by the IO loop and the batch command path; not for plugins. */
#ifndef UBLK_SERVER_IO_INTERNAL_H
#define UBLK_SERVER_IO_INTERNAL_H

#include "device.h"

/* user_data: tag 0-15, queue 16-27, kind 28-31, cookie 32-63. */
enum ud_kind {
	UD_CMD = 1,		/* FETCH / COMMIT_AND_FETCH / NEED_GET_DATA */
	UD_REG_BUF,		/* REGISTER_IO_BUF before the plugin runs */
	UD_UNREG_BUF,		/* UNREGISTER_IO_BUF, CQE only on failure */
	UD_TARGET,		/* a plugin SQE: cookie is the plugin's */
	UD_STOP,		/* poll on the device's stop eventfd */
	UD_BATCH_PREP,		/* PREP_IO_CMDS */
	UD_BATCH_FETCH,		/* multishot FETCH_IO_CMDS */
	UD_BATCH_COMMIT,	/* COMMIT_IO_CMDS: cookie is the buffer index */
};

static inline __u64 ud_build(unsigned int tag, unsigned int q_id, unsigned int kind,
			     uint32_t cookie)
{
	return (__u64)tag | ((__u64)q_id << 16) | ((__u64)kind << 28) |
	       ((__u64)cookie << 32);
}

#define UD_TAG(ud)	((unsigned int)((ud) & 0xffff))
#define UD_QID(ud)	((unsigned int)(((ud) >> 16) & 0xfff))
#define UD_KIND(ud)	((unsigned int)(((ud) >> 28) & 0xf))
#define UD_COOKIE(ud)	((uint32_t)((ud) >> 32))

/* An SQE, flushing the submission queue first if it is full. */
struct io_uring_sqe *thread_get_sqe(struct io_thread *t);
/* A request arrived in slot io: describe it and start it. */
void io_start(struct io_slot *io);

#endif
