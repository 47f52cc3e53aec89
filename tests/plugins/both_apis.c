// SPDX-License-Identifier: MIT
/* Test plugin: gives both queue_io and the simple API; the host must refuse it. */
#include <ublk/plugin.h>

static int b_create(void **handle) { *handle = NULL; return 0; }
static int b_config(void *handle, const char *key, const char *value) { return -1; }
static int b_open(void *handle, struct ublk_device_params *params) { return -1; }
static void b_close(void *handle) { }
static void b_queue_io(struct ublk_request *req) { ublk_complete(req, -EIO); }
static int b_pread(void *h, void *buf, uint32_t n, uint64_t off, uint32_t flags) { return -EIO; }
static int b_pwrite(void *h, const void *buf, uint32_t n, uint64_t off, uint32_t flags) { return -EIO; }

static const struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "both_apis",
	.create = b_create,
	.config = b_config,
	.open = b_open,
	.close = b_close,
	.queue_io = b_queue_io,
	.pread = b_pread,
	.pwrite = b_pwrite,
};

UBLK_REGISTER_PLUGIN(plugin)
