// SPDX-License-Identifier: MIT
/* Test plugin: gives queue_io and the simple API both; the host must refuse it. */
#include <ublk/plugin.h>

static int ba_create(void **handle) { *handle = NULL; return 0; }
static int ba_config(void *handle, const char *key, const char *value) { return -1; }
static int ba_open(void *handle, struct ublk_device_params *params) { return -1; }
static void ba_queue_io(struct ublk_request *req) { ublk_complete(req, -5); }
static int ba_pread(void *handle, void *buf, uint32_t count, uint64_t offset, uint32_t flags)
{
	return -5;
}
static int ba_pwrite(void *handle, const void *buf, uint32_t count, uint64_t offset,
		     uint32_t flags)
{
	return -5;
}
static void ba_close(void *handle) { }

static const struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "both_apis",
	.create = ba_create,
	.config = ba_config,
	.open = ba_open,
	.queue_io = ba_queue_io,
	.close = ba_close,
	.pread = ba_pread,
	.pwrite = ba_pwrite,
};

UBLK_REGISTER_PLUGIN(plugin)
