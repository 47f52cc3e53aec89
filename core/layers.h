/* SPDX-License-Identifier: MIT */
/*
 * The layer chain of a device (as nbdkit's backends): layers[0] is the
 * outermost filter, layers[n-1] the target plugin. The host owns it: it loads
 * every layer, routes each configuration key to one layer, opens them
 * innermost first, combines their capabilities, and lays their per-request
 * private areas out in one allocation per slot. io_loop.c moves a request
 * between layers (queue_io down, complete() up) and switches req->handle,
 * thread_data and priv to the layer it calls.
 */
#ifndef UBLK_SERVER_LAYERS_H
#define UBLK_SERVER_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include <ublk/plugin.h>

#include "dev_config.h"

struct device;
struct io_thread;
struct loaded_plugin;

enum layer_kind {
	LAYER_FILTER = 0,	/* struct ublk_filter */
	LAYER_ASYNC,		/* a target with queue_io / io_done */
	LAYER_SIMPLE,		/* a target with pread / pwrite: see layer_bind_simple() */
};

struct layer {
	enum layer_kind kind;
	unsigned int index;
	const char *name;
	struct loaded_plugin *lp;
	void *handle;			/* what create() returned */
	int created;
	int opened;
	uint32_t caps;			/* UBLK_CAP_* the .so declares */
	uint32_t flags;			/* UBLK_PLUGIN_OWN_PRIV */
	uint32_t priv_off;		/* its request_priv within io_slot.priv */
	uint32_t priv_size;
	int up;				/* nearest layer above with complete(); -1: the host */
	const char *const *config_keys;	/* NULL-terminated, or NULL */
	/*
	 * The callbacks, copied from the plugin or filter (NULL where it has
	 * none). For a LAYER_SIMPLE target, layer_bind_simple() sets
	 * queue_io, io_done, thread_init, thread_exit and thread_event to the
	 * simple-API engine's own.
	 */
	int (*create)(void **handle);
	int (*config)(void *handle, const char *key, const char *value);
	int (*config_complete)(void *handle);
	int (*open)(void *handle, struct ublk_device_params *params);
	int (*thread_init)(void *handle, uint32_t thread_index, void **thread_data);
	void (*thread_exit)(void *handle, void *thread_data);
	void (*queue_io)(struct ublk_request *req);
	void (*io_done)(struct ublk_request *req, uint32_t cookie, int result);
	void (*complete)(struct ublk_request *req, int result);
	void (*thread_event)(void *handle, void *thread_data, uint32_t cookie, int result);
	void (*close)(void *handle);
	void *simple;			/* the simple-API engine's state for this layer */
};

/*
 * Load the target and the filters of dev->cfg, create an instance of each,
 * route every key to its layer and run config_complete. The deprecated
 * `target = FILTER` + `backend = X` form becomes target X under that filter,
 * with a warning. -1 after one line; layers_close() undoes a partial setup.
 */
int layers_configure(struct device *dev);
/*
 * Open innermost first; each open sees params (with params->caps) as the
 * layer below left them. Sets dev->caps and the private-area layout.
 */
int layers_open(struct device *dev, struct ublk_device_params *params);
/* Close and unload every layer, outermost first. */
void layers_close(struct device *dev);
/* "target" or "filter": for messages. */
static inline const char *layer_kind_name(const struct layer *l)
{
	return l->kind == LAYER_FILTER ? "filter" : "target";
}

/*
 * The simple (blocking) API hook: helper "sdk" (core/simple_api.c) fills the
 * layer's queue_io/thread_* callbacks here with its worker-pool engine.
 * Until then a simple-API target is refused at configure time.
 */
int layer_bind_simple(struct device *dev, struct layer *l);

#endif
