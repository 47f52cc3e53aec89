// SPDX-License-Identifier: MIT
#include "device_resize.h"
#include "host_services.h"
#include "io_loop.h"
#include "layer_error.h"
#include "log.h"
#include "parse.h"

static void host_vlog(int level, const char *fmt, va_list ap)
{
	log_vmsg(level, fmt, ap);
}

static int host_parse_bool(const char *str, int *value)
{
	return parse_bool(str, value);
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
	.device_resized = device_resized,
};
