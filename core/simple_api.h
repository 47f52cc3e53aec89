/* SPDX-License-Identifier: MIT */
/*
 * The simple (blocking) plugin API: a pool of worker threads per device runs
 * the plugin's pread/pwrite/flush/trim/zero, and each result travels back to
 * the IO thread that owns the request through that thread's eventfd, polled
 * on its io_uring. An IO thread never calls a blocking callback and never
 * waits for a worker.
 *
 * Life: simple_dev_create (after the plugin's open) -> per IO thread
 * simple_thread_init ... simple_queue_io / simple_thread_event ...
 * simple_thread_exit -> simple_dev_destroy (before the plugin's close).
 * The host keeps every request it handed over alive until
 * simple_dev_destroy returns: a worker may still be in a callback on it.
 */
#ifndef UBLK_SERVER_SIMPLE_API_H
#define UBLK_SERVER_SIMPLE_API_H

#include <stdint.h>
#include <ublk/plugin.h>

#define SIMPLE_DEFAULT_WORKERS	4
#define SIMPLE_MAX_WORKERS	256

struct simple_dev;

int simple_dev_create(const struct ublk_plugin *plugin, void *plugin_handle,
		      unsigned int workers, unsigned int nr_io_threads,
		      struct simple_dev **out);
void simple_dev_destroy(struct simple_dev *sd);

/* On IO thread thread_index: arm the poll on its completion eventfd. */
int simple_thread_init(struct simple_dev *sd, unsigned int thread_index);
void simple_thread_exit(struct simple_dev *sd, unsigned int thread_index);

/* IO thread: hand req to a worker. Never blocks. */
void simple_queue_io(struct simple_dev *sd, struct ublk_request *req);
/* IO thread: the poll armed by this layer completed; complete what is done. */
void simple_thread_event(struct simple_dev *sd, unsigned int thread_index,
			 uint32_t cookie, int result);

/* What the pool serves: the plugin and the instance its open() filled. */
const struct ublk_plugin *simple_dev_plugin(const struct simple_dev *sd);
void *simple_dev_handle(const struct simple_dev *sd);
/* The live pool serving plugin instance handle, or NULL (any thread). */
struct simple_dev *simple_dev_find(void *plugin_handle);

/*
 * The host services the pool uses, on the IO thread only. The default is the
 * host's own table; unit tests substitute fakes.
 */
struct simple_host_ops {
	void *(*get_thread_sqe)(uint32_t cookie);
	void (*complete)(struct ublk_request *req, int result);
};
void simple_set_host_ops(const struct simple_host_ops *ops);

/* "workers" value: 1..SIMPLE_MAX_WORKERS. -1 (nothing printed) if invalid. */
int simple_parse_workers(const char *value, unsigned int *workers);

#endif
