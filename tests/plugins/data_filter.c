// SPDX-License-Identifier: MIT
/*
 * Test filter that touches request data: it inverts every byte on the way
 * down (writes) and back up (reads), so the device reads back what was
 * written while the layer below stores the complement. It does not declare
 * UBLK_CAP_ZERO_COPY, so the host must refuse -z for a device that uses it,
 * at add time.
 */
#include <stdlib.h>
#include <string.h>

#include <ublk/plugin.h>

struct df_req {
	int inverted;	/* the write buffer is already inverted (queue_io may run twice) */
};

static const char *const df_keys[] = { NULL };

static int df_create(void **handle)
{
	*handle = NULL;
	return 0;
}

static int df_config(void *handle, const char *key, const char *value)
{
	(void)handle;
	(void)value;
	ublk_error("unknown parameter '%s' for filter data_filter", key);
	return -1;
}

static int df_open(void *handle, struct ublk_device_params *params)
{
	(void)handle;
	(void)params;
	return 0;
}

static void invert(void *buf, uint32_t len)
{
	unsigned char *p = buf;
	uint32_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)~p[i];
}

static void df_queue_io(struct ublk_request *req)
{
	struct df_req *r = req->priv;

	if (req->data_mode != UBLK_DATA_BUFFER &&
	    (req->op == UBLK_OP_READ || req->op == UBLK_OP_WRITE)) {
		ublk_complete(req, -EOPNOTSUPP);	/* the host let zero copy through */
		return;
	}
	if (req->op == UBLK_OP_WRITE && !r->inverted) {
		invert(req->buf, req->length);
		r->inverted = 1;
	}
	ublk_next_queue_io(req);
}

static void df_complete(struct ublk_request *req, int result)
{
	if (req->op == UBLK_OP_READ && result > 0)
		invert(req->buf, (uint32_t)result);
	ublk_complete(req, result);
}

static void df_close(void *handle)
{
	(void)handle;
}

static const struct ublk_filter df_filter = {
	UBLK_FILTER_HEADER,
	.name = "data_filter",
	.description = "test: inverts the data (no zero copy)",
	.config_keys = df_keys,
	.request_priv_size = sizeof(struct df_req),
	.create = df_create,
	.config = df_config,
	.open = df_open,
	.queue_io = df_queue_io,
	.complete = df_complete,
	.close = df_close,
};

UBLK_REGISTER_FILTER(df_filter)
