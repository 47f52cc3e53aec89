// SPDX-License-Identifier: MIT
/*
 * Test plugin: built as if against a newer ABI 1.x whose struct ublk_plugin
 * grew fields at the end. The host must accept it (append-only evolution),
 * ignore what it does not know, and serve IO with it: a 64 MiB device that
 * completes every request at once.
 */
#include <ublk/plugin.h>

static int future_create(void **handle) { *handle = NULL; return 0; }
static int future_config(void *handle, const char *key, const char *value)
{
	ublk_error("unknown parameter '%s'", key);
	return -1;
}
static int future_open(void *handle, struct ublk_device_params *params)
{
	params->size = 64ULL << 20;
	return 0;
}
static void future_queue_io(struct ublk_request *req)
{
	ublk_complete(req, req->op == UBLK_OP_FLUSH ? 0 : (int)req->length);
}
static void future_close(void *handle) { }

/* What a later minor version might look like: more callbacks at the end. */
struct future_plugin {
	struct ublk_plugin v1;
	int (*some_future_callback)(void *handle);
	uint64_t some_future_field;
};

static const struct future_plugin plugin = {
	.v1 = {
		.struct_size = sizeof(struct future_plugin),
		.abi_major = UBLK_PLUGIN_ABI_MAJOR,
		.abi_minor = UBLK_PLUGIN_ABI_MINOR + 7,
		.name = "future_abi",
		.caps = UBLK_CAP_NO_DATA,
		.create = future_create,
		.config = future_config,
		.open = future_open,
		.queue_io = future_queue_io,
		.close = future_close,
	},
	.some_future_field = 0xdeadbeef,
};

UBLK_REGISTER_PLUGIN(plugin.v1)
