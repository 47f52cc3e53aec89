// SPDX-License-Identifier: MIT
/*
 * null: a device of any size that stores nothing. Writes succeed, reads
 * return whatever the buffer held. Its value is measuring the server itself.
 *
 * Integrity devices (metadata_size): written metadata is dropped too, and a
 * READ's metadata is all 0xff bytes. That is the T10 PI escape (application
 * tag 0xffff, reference tag all ones): "no protection information here",
 * which the block layer's read_verify skips for every csum_type, so reads
 * succeed, as they do from an NVMe namespace's deallocated blocks.
 */
#include <stdlib.h>
#include <string.h>

#include <ublk/plugin.h>

#define NULL_DEFAULT_SIZE (250ULL << 30)	/* as kublk */

struct null_dev {
	uint64_t size;
};

static int null_create(void **handle)
{
	struct null_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	d->size = NULL_DEFAULT_SIZE;
	*handle = d;
	return 0;
}

static int null_config(void *handle, const char *key, const char *value)
{
	struct null_dev *d = handle;

	if (!strcmp(key, "size")) {
		if (ublk_parse_size(value, &d->size) || !d->size) {
			ublk_error("size: '%s' is not a size (e.g. 1G)", value);
			return -1;
		}
		return 0;
	}
	ublk_error("unknown parameter '%s' for target null", key);
	return -1;
}

#define null_config_help \
	"size=SIZE     device size (default 250G), e.g. 512M, 1G\n"

static int null_open(void *handle, struct ublk_device_params *params)
{
	struct null_dev *d = handle;

	if (d->size % params->logical_block_size) {
		ublk_error("size %llu is not a multiple of the block size %u",
			   (unsigned long long)d->size, params->logical_block_size);
		return -1;
	}
	params->size = d->size;
	return 0;
}

static void null_queue_io(struct ublk_request *req)
{
	if (req->op == UBLK_OP_READ && req->meta_length)
		memset(req->meta_buf, 0xff, req->meta_length);
	ublk_complete(req, req->op == UBLK_OP_FLUSH ? 0 : (int)req->length);
}

static void null_close(void *handle)
{
	free(handle);
}

static const char *const null_config_keys[] = { "size", NULL };

static const struct ublk_plugin null_plugin = {
	UBLK_PLUGIN_HEADER,
	/* Listed so a filter's bare key of the same name is refused as ambiguous. */
	.config_keys = null_config_keys,
	.name = "null",
	.version = PACKAGE_VERSION,
	.description = "discards writes, reads return unspecified data",
	.config_help = null_config_help,
	.caps = UBLK_CAP_NO_DATA | UBLK_CAP_INTEGRITY,
	.create = null_create,
	.config = null_config,
	.open = null_open,
	.queue_io = null_queue_io,
	.close = null_close,
};

UBLK_REGISTER_PLUGIN(null_plugin)
