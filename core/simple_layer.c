// SPDX-License-Identifier: MIT
/*
 * A simple-API target as a layer of the chain (layers.h): the layer's
 * callbacks are the worker pool's (simple_api.c). Once the plugin has
 * opened, the layer's handle becomes the pool itself, so every callback the
 * IO loop makes (thread_init, queue_io, thread_event, thread_exit, close)
 * finds it; the plugin's own handle lives on in the pool and is what its
 * blocking callbacks receive.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "dev_config.h"
#include "device.h"
#include "layers.h"
#include "log.h"
#include "simple_api.h"
#include "simple_layer.h"

static int sl_thread_init(void *handle, uint32_t index, void **thread_data)
{
	/* thread_exit and thread_event get it back: the thread's index. */
	*thread_data = (void *)(uintptr_t)index;
	return simple_thread_init(handle, index) ? -1 : 0;
}

static void sl_thread_exit(void *handle, void *thread_data)
{
	simple_thread_exit(handle, (unsigned int)(uintptr_t)thread_data);
}

static void sl_queue_io(struct ublk_request *req)
{
	simple_queue_io(req->handle, req);
}

static void sl_thread_event(void *handle, void *thread_data, uint32_t cookie, int result)
{
	simple_thread_event(handle, (unsigned int)(uintptr_t)thread_data, cookie, result);
}

static void sl_close(void *handle)
{
	const struct ublk_plugin *plugin = simple_dev_plugin(handle);
	void *plugin_handle = simple_dev_handle(handle);

	simple_dev_destroy(handle);
	plugin->close(plugin_handle);
}

int simple_layer_bind(struct layer *l)
{
	/*
	 * The workers get plain buffers (req->buf): zero copy never reaches
	 * them, so -z is refused at add time, NO_DATA included.
	 */
	l->caps &= ~(UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA | UBLK_CAP_ZONED);
	l->thread_init = sl_thread_init;
	l->thread_exit = sl_thread_exit;
	l->queue_io = sl_queue_io;
	l->io_done = NULL;
	l->thread_event = sl_thread_event;
	return 0;
}

int simple_layer_opened(struct device *dev, struct layer *l)
{
	unsigned int workers = dev->cfg->workers ? dev->cfg->workers : SIMPLE_DEFAULT_WORKERS;
	struct simple_dev *sd;
	int ret;

	ret = simple_dev_create(&l->lp->ops, l->handle, workers, MAX_THREADS, &sd);
	if (ret) {
		log_error("%s: target %s: cannot start %u workers: %s",
			  dev->cfg->origin ? dev->cfg->origin : "command line", l->name,
			  workers, strerror(-ret));
		return -1;
	}
	l->simple = sd;
	l->handle = sd;
	l->close = sl_close;
	return 0;
}
