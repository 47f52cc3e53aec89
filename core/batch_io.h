/* SPDX-License-Identifier: MIT */
/*
 * UBLK_F_BATCH_IO (Linux 7.0): instead of one FETCH/COMMIT_AND_FETCH command
 * per request slot, a thread prepares all its slots with one PREP_IO_CMDS,
 * receives new requests as arrays of tags from a multishot FETCH_IO_CMDS
 * into a provided buffer ring, and commits many results with one
 * COMMIT_IO_CMDS per loop turn.
 */
#ifndef UBLK_SERVER_BATCH_IO_H
#define UBLK_SERVER_BATCH_IO_H

#include <liburing.h>

struct io_thread;
struct io_slot;

/* start: what to do with each fetched slot (the IO loop's request start). */
int batch_thread_init(struct io_thread *t, void (*start)(struct io_slot *io));
void batch_thread_exit(struct io_thread *t);
/* Queue PREP_IO_CMDS for every slot, then arm the multishot fetch. */
int batch_start(struct io_thread *t);
/* Record a result; it goes out with the next batch_flush(). */
void batch_commit(struct io_slot *io, int result);
/* Send the results recorded since the last flush. */
void batch_flush(struct io_thread *t);
/* A CQE whose user_data kind is one of the batch kinds. */
void batch_handle_cqe(struct io_thread *t, const struct io_uring_cqe *cqe,
		      unsigned int kind, uint32_t cookie);

#endif
