// SPDX-License-Identifier: MIT
#include <errno.h>

#include "device_resize.h"
#include "host_services.h"
#include "io_loop.h"
#include "layer_error.h"
#include "log.h"
#include "parse.h"
#include "simple_api.h"

static void host_vlog(int level, const char *fmt, va_list ap)
{
	log_vmsg(level, fmt, ap);
}

static int host_parse_bool(const char *str, int *value)
{
	return parse_bool(str, value);
}

/* A simple-API layer's handle is its worker pool: find it by the plugin's. */
static int host_device_resized(void *handle, uint64_t new_size)
{
	int ret = device_resized(handle, new_size);
	struct simple_dev *sd;

	if (ret == -ENODEV && (sd = simple_dev_find(handle)))
		ret = device_resized(sd, new_size);
	return ret;
}

const struct ublk_host host_services = {
	.struct_size = sizeof(struct ublk_host),
	.abi_major = UBLK_PLUGIN_ABI_MAJOR,
	.abi_minor = UBLK_PLUGIN_ABI_MINOR,
	.vlog = host_vlog,
	.verror = plugin_verror,
	.get_sqe = io_get_target_sqe,
	.complete = io_complete,
	.parse_size = parse_size,
	.parse_bool = host_parse_bool,
	.parse_uint = parse_uint,
	.get_sqes = io_get_target_sqes,
	.get_thread_sqe = io_get_thread_sqe,
	.next_queue_io = io_next_queue_io,
	.device_resized = host_device_resized,
};
