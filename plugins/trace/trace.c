// SPDX-License-Identifier: MIT
/*
 * trace: a filter that logs every request it sees (or 1 in `sample`) with
 * its result and latency, to `trace.file = PATH` or to the log at debug
 * level. For debugging a plugin: put it right above the layer you suspect.
 *
 * One line per request, written when it completes:
 *   T_US q=Q tag=T op=OP offset=BYTES length=BYTES result=R latency_us=L
 * T_US is CLOCK_MONOTONIC microseconds at submission; result is bytes done
 * or -errno. It never touches request data, so zero copy passes through.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ublk/plugin.h>

struct trace_req {
	uint64_t start_us;
	int sampled;
};

struct trace_dev {
	char *path;
	FILE *out;			/* NULL: the log; stdio locks each fprintf */
	uint64_t sample;		/* log 1 request in sample */
	atomic_uint_fast64_t seen;
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static const char *op_name(uint8_t op)
{
	switch (op) {
	case UBLK_OP_READ:
		return "read";
	case UBLK_OP_WRITE:
		return "write";
	case UBLK_OP_FLUSH:
		return "flush";
	case UBLK_OP_DISCARD:
		return "discard";
	case UBLK_OP_WRITE_ZEROES:
		return "write_zeroes";
	case UBLK_OP_ZONE_OPEN:
		return "zone_open";
	case UBLK_OP_ZONE_CLOSE:
		return "zone_close";
	case UBLK_OP_ZONE_FINISH:
		return "zone_finish";
	case UBLK_OP_ZONE_APPEND:
		return "zone_append";
	case UBLK_OP_ZONE_RESET_ALL:
		return "zone_reset_all";
	case UBLK_OP_ZONE_RESET:
		return "zone_reset";
	case UBLK_OP_REPORT_ZONES:
		return "report_zones";
	}
	return "unknown";
}

static int trace_create(void **handle)
{
	struct trace_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	d->sample = 1;
	atomic_init(&d->seen, 0);
	*handle = d;
	return 0;
}

static int trace_config(void *handle, const char *key, const char *value)
{
	struct trace_dev *d = handle;

	if (!strcmp(key, "file")) {
		if (!*value) {
			ublk_error("file: give a path");
			return -1;
		}
		free(d->path);
		d->path = strdup(value);
		if (!d->path) {
			ublk_error("out of memory");
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "sample")) {
		if (ublk_parse_uint(value, &d->sample) || !d->sample) {
			ublk_error("sample: '%s' is not a number >= 1 (log 1 request in N)", value);
			return -1;
		}
		return 0;
	}
	ublk_error("unknown parameter '%s' for filter trace", key);
	return -1;
}

static const char *const trace_config_keys[] = { "file", "sample", NULL };

#define trace_config_help \
	"file=PATH    append the trace to PATH (default: the log, debug level)\n" \
	"sample=N     trace 1 request in N (default 1: all)\n"

static int trace_open(void *handle, struct ublk_device_params *params)
{
	struct trace_dev *d = handle;

	(void)params;
	if (!d->path)
		return 0;
	d->out = fopen(d->path, "ae");
	if (!d->out) {
		ublk_error("file: cannot open '%s': %s", d->path, strerror(errno));
		return -1;
	}
	return 0;
}

static void trace_queue_io(struct ublk_request *req)
{
	struct trace_dev *d = req->handle;
	struct trace_req *tr = req->priv;
	uint64_t n = atomic_fetch_add(&d->seen, 1);

	tr->sampled = n % d->sample == 0;
	if (tr->sampled)
		tr->start_us = now_us();
	ublk_next_queue_io(req);
}

static void trace_complete(struct ublk_request *req, int result)
{
	struct trace_dev *d = req->handle;
	struct trace_req *tr = req->priv;
	char line[200];

	if (tr->sampled) {
		snprintf(line, sizeof(line),
			 "%" PRIu64 " q=%u tag=%u op=%s offset=%" PRIu64 " length=%u result=%d latency_us=%" PRIu64,
			 tr->start_us, req->q_id, req->tag, op_name(req->op), req->offset,
			 req->length, result, now_us() - tr->start_us);
		if (d->out)
			fprintf(d->out, "%s\n", line);
		else
			ublk_log(UBLK_LOG_DEBUG, "trace: %s", line);
	}
	ublk_complete(req, result);
}

static void trace_close(void *handle)
{
	struct trace_dev *d = handle;

	if (d->out)
		fclose(d->out);
	free(d->path);
	free(d);
}

static const struct ublk_filter trace_filter = {
	UBLK_FILTER_HEADER,
	.name = "trace",
	.version = PACKAGE_VERSION,
	.description = "logs each request: op, offset, length, result, latency",
	.config_help = trace_config_help,
	.config_keys = trace_config_keys,
	.caps = UBLK_CAP_ZERO_COPY | UBLK_CAP_ZONED,	/* never touches data; passes zone ops */
	.request_priv_size = sizeof(struct trace_req),
	.create = trace_create,
	.config = trace_config,
	.open = trace_open,
	.queue_io = trace_queue_io,
	.complete = trace_complete,
	.close = trace_close,
};

UBLK_REGISTER_FILTER(trace_filter)
