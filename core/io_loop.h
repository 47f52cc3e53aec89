/* SPDX-License-Identifier: MIT */
/*
 * The hot path: one io_uring per IO thread; FETCH every slot, hand each
 * request down the device's layers, COMMIT_AND_FETCH its result.
 */
#ifndef UBLK_SERVER_IO_LOOP_H
#define UBLK_SERVER_IO_LOOP_H

#include <ublk/plugin.h>

struct io_thread;

void *io_thread_main(void *arg);

/* Host services behind ublk_get_sqe(), ublk_complete() and the 1.1 ones. */
void *io_get_target_sqe(struct ublk_request *req, uint32_t cookie);
void io_complete(struct ublk_request *req, int result);
int io_get_target_sqes(struct ublk_request *req, uint32_t cookie, unsigned int n, void **sqes);
void *io_get_thread_sqe(uint32_t cookie);
void io_next_queue_io(struct ublk_request *req);

#endif
