// SPDX-License-Identifier: MIT
/*
 * Test plugin, simple API: pread sleeps delay_ms (default 50) then returns
 * zeroes; pwrite returns at once and stores nothing. Built twice with a
 * different thread model: slow_parallel.so and slow_serial.so.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ublk/plugin.h>

#ifndef SLOW_NAME
#error "build with -DSLOW_NAME=... -DSLOW_MODEL=..."
#endif

struct slow {
	uint64_t size;
	uint64_t delay_ms;
};

static int s_create(void **handle)
{
	struct slow *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->size = 64ULL << 20;
	s->delay_ms = 50;
	*handle = s;
	return 0;
}

static int s_config(void *handle, const char *key, const char *value)
{
	struct slow *s = handle;

	if (!strcmp(key, "size") && !ublk_parse_size(value, &s->size))
		return 0;
	if (!strcmp(key, "delay_ms") && !ublk_parse_uint(value, &s->delay_ms))
		return 0;
	ublk_error("unknown parameter '%s' or bad value '%s'", key, value);
	return -1;
}

static int s_open(void *handle, struct ublk_device_params *params)
{
	params->size = ((struct slow *)handle)->size;
	return 0;
}

static void s_close(void *handle)
{
	free(handle);
}

static int s_pread(void *handle, void *buf, uint32_t count, uint64_t offset,
		   uint32_t flags)
{
	struct slow *s = handle;
	struct timespec ts = {
		.tv_sec = (time_t)(s->delay_ms / 1000),
		.tv_nsec = (long)(s->delay_ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts))
		;
	memset(buf, 0, count);
	return 0;
}

static int s_pwrite(void *handle, const void *buf, uint32_t count, uint64_t offset,
		    uint32_t flags)
{
	return 0;
}

static const char *const s_keys[] = { "size", "delay_ms", NULL };

static const struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = SLOW_NAME,
	.description = "test: pread sleeps delay_ms",
	.thread_model = SLOW_MODEL,
	.config_keys = s_keys,
	.create = s_create,
	.config = s_config,
	.open = s_open,
	.close = s_close,
	.pread = s_pread,
	.pwrite = s_pwrite,
};

UBLK_REGISTER_PLUGIN(plugin)
