// SPDX-License-Identifier: MIT
/* Test plugin: lacks the required queue_io callback; the host must refuse it. */
#include <ublk/plugin.h>

static int nq_create(void **handle) { *handle = NULL; return 0; }
static int nq_config(void *handle, const char *key, const char *value) { return -1; }
static int nq_open(void *handle, struct ublk_device_params *params) { return -1; }
static void nq_close(void *handle) { }

static const struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "no_queue_io",
	.create = nq_create,
	.config = nq_config,
	.open = nq_open,
	.close = nq_close,
};

UBLK_REGISTER_PLUGIN(plugin)
