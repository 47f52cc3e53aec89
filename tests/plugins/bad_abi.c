// SPDX-License-Identifier: MIT
/* Test plugin: claims a future ABI major version; the host must refuse it. */
#include <stdlib.h>

#include <ublk/plugin.h>

static int bad_create(void **handle) { *handle = NULL; return 0; }
static int bad_config(void *handle, const char *key, const char *value) { return -1; }
static int bad_open(void *handle, struct ublk_device_params *params) { return -1; }
static void bad_queue_io(struct ublk_request *req) { ublk_complete(req, -5); }
static void bad_close(void *handle) { }

static const struct ublk_plugin plugin = {
	.struct_size = sizeof(struct ublk_plugin),
	.abi_major = UBLK_PLUGIN_ABI_MAJOR + 98,
	.abi_minor = 0,
	.name = "bad_abi",
	.create = bad_create,
	.config = bad_config,
	.open = bad_open,
	.queue_io = bad_queue_io,
	.close = bad_close,
};

UBLK_REGISTER_PLUGIN(plugin)
