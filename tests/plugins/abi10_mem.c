// SPDX-License-Identifier: MIT
/*
 * Test plugin built against the ABI 1.0 header kept in tests/plugins/abi-1.0
 * (Makefile.am puts it first on the include path): a memory disk with the
 * async API, completing each request at once. A 1.1 host must load it and
 * serve its IO unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include <ublk/plugin.h>

#if UBLK_PLUGIN_ABI_MINOR != 0
#error "abi10_mem must be built against the 1.0 header"
#endif

#define MEM_SIZE	(32U << 20)

static int m_create(void **handle)
{
	*handle = calloc(1, MEM_SIZE);
	return *handle ? 0 : -1;
}

static int m_config(void *handle, const char *key, const char *value)
{
	ublk_error("abi10_mem takes no parameter ('%s')", key);
	return -1;
}

static int m_open(void *handle, struct ublk_device_params *params)
{
	params->size = MEM_SIZE;
	return 0;
}

static void m_queue_io(struct ublk_request *req)
{
	char *mem = req->handle;

	if (req->offset > MEM_SIZE || req->length > MEM_SIZE - req->offset) {
		ublk_complete(req, -EIO);
		return;
	}
	if (req->op == UBLK_OP_READ)
		memcpy(req->buf, mem + req->offset, req->length);
	else if (req->op == UBLK_OP_WRITE)
		memcpy(mem + req->offset, req->buf, req->length);
	ublk_complete(req, req->op == UBLK_OP_FLUSH ? 0 : (int)req->length);
}

static void m_close(void *handle)
{
	free(handle);
}

static const struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "abi10_mem",
	.description = "test: ABI 1.0 memory disk",
	.create = m_create,
	.config = m_config,
	.open = m_open,
	.queue_io = m_queue_io,
	.close = m_close,
};

UBLK_REGISTER_PLUGIN(plugin)
