/* SPDX-License-Identifier: MIT */
/*
 * The hot path: one io_uring per IO thread; FETCH every slot, hand each
 * request to the plugin, COMMIT_AND_FETCH its result.
 */
#ifndef UBLK_SERVER_IO_LOOP_H
#define UBLK_SERVER_IO_LOOP_H

#include <ublk/plugin.h>

struct io_thread;

void *io_thread_main(void *arg);

/* Host services behind ublk_get_sqe() and ublk_complete(). */
void *io_get_target_sqe(struct ublk_request *req, uint32_t cookie);
void io_complete(struct ublk_request *req, int result);

#endif
