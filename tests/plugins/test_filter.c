// SPDX-License-Identifier: MIT
/*
 * Test filter: passes every request down and every completion up, and checks
 * on the way that the host switches req->handle, thread_data and priv to
 * this layer (a magic number in each). Built twice: test_filter_a declares
 * UBLK_CAP_ZERO_COPY (never touches data), test_filter_b does not. Both take
 * the same keys, so a bare `mark` is ambiguous when both are stacked.
 *
 * Keys: count_file=PATH  written at close: "queued=N completed=N bad=N
 *                        thread_events=N delayed=N mark=S"
 *       mark=S           any text, echoed in count_file
 *       delay_us=N       hold each request with a timeout SQE on the way down
 *       grow_to=BYTES    at the first request, ublk_device_resized(BYTES);
 *                        its result goes to count_file as resized=RET
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <liburing.h>

#include <ublk/plugin.h>

#ifndef FILTER_NAME
#define FILTER_NAME "test_filter_a"
#endif
#ifndef FILTER_CAPS
#define FILTER_CAPS UBLK_CAP_ZERO_COPY
#endif

#define DEV_MAGIC	0x64657631u
#define THREAD_MAGIC	0x74687231u
#define REQ_MAGIC	0x72657131u
#define CK_DELAY	7u
#define CK_NOP		9u

struct tf_dev {
	uint32_t magic;
	char *count_file;
	char *mark;
	uint64_t delay_us;
	uint64_t grow_to;
	atomic_int resize_asked;
	int resized;
	atomic_ulong queued, completed, bad, thread_events, delayed;
};

struct tf_thread {
	uint32_t magic;
	struct tf_dev *d;
};

struct tf_req {
	uint32_t magic;
	struct __kernel_timespec ts;
};

static int tf_create(void **handle)
{
	struct tf_dev *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	d->magic = DEV_MAGIC;
	*handle = d;
	return 0;
}

static int tf_config(void *handle, const char *key, const char *value)
{
	struct tf_dev *d = handle;

	if (!strcmp(key, "count_file")) {
		free(d->count_file);
		d->count_file = strdup(value);
		return 0;
	}
	if (!strcmp(key, "mark")) {
		free(d->mark);
		d->mark = strdup(value);
		return 0;
	}
	if (!strcmp(key, "grow_to")) {
		if (!ublk_parse_size(value, &d->grow_to))
			return 0;
		ublk_error("grow_to: '%s' is not a size", value);
		return -1;
	}
	if (!strcmp(key, "delay_us")) {
		if (!ublk_parse_uint(value, &d->delay_us))
			return 0;
		ublk_error("delay_us: '%s' is not a number", value);
		return -1;
	}
	ublk_error("unknown key '%s'", key);
	return -1;
}

static int tf_open(void *handle, struct ublk_device_params *params)
{
	(void)handle;
	(void)params;
	return 0;
}

static int tf_thread_init(void *handle, uint32_t index, void **thread_data)
{
	struct tf_thread *t = calloc(1, sizeof(*t));
	struct io_uring_sqe *sqe;

	(void)index;
	if (!t)
		return -1;
	t->magic = THREAD_MAGIC;
	t->d = handle;
	*thread_data = t;
	/* A thread SQE: its completion must come to our thread_event. */
	sqe = ublk_get_thread_sqe(CK_NOP);
	if (sqe)
		io_uring_prep_nop(sqe);
	return 0;
}

static void tf_thread_exit(void *handle, void *thread_data)
{
	(void)handle;
	free(thread_data);
}

static void tf_thread_event(void *handle, void *thread_data, uint32_t cookie, int result)
{
	struct tf_dev *d = handle;
	struct tf_thread *t = thread_data;

	if (d->magic != DEV_MAGIC || !t || t->magic != THREAD_MAGIC || cookie != CK_NOP || result)
		atomic_fetch_add(&d->bad, 1);
	else
		atomic_fetch_add(&d->thread_events, 1);
}

/* Is req showing this layer's handle, thread data and priv? */
static int tf_check(struct ublk_request *req, uint32_t want_req_magic)
{
	struct tf_dev *d = req->handle;
	struct tf_thread *t = req->thread_data;
	struct tf_req *r = req->priv;

	if (!d || d->magic != DEV_MAGIC)
		return 0;	/* cannot even count it */
	if (!t || t->magic != THREAD_MAGIC || t->d != d || !r || r->magic != want_req_magic) {
		atomic_fetch_add(&d->bad, 1);
		return 0;
	}
	return 1;
}

static void tf_queue_io(struct ublk_request *req)
{
	struct tf_dev *d = req->handle;
	struct tf_req *r = req->priv;
	struct io_uring_sqe *sqe;

	/* The host zeroes priv per request: anything else is a leak. */
	tf_check(req, 0);
	atomic_fetch_add(&d->queued, 1);
	if (d->grow_to && !atomic_exchange(&d->resize_asked, 1))
		d->resized = ublk_device_resized(d, d->grow_to);
	r->magic = REQ_MAGIC;
	if (!d->delay_us) {
		ublk_next_queue_io(req);
		return;
	}
	r->ts.tv_sec = (long long)(d->delay_us / 1000000);
	r->ts.tv_nsec = (long long)(d->delay_us % 1000000) * 1000;
	sqe = ublk_get_sqe(req, CK_DELAY);
	if (!sqe) {
		ublk_next_queue_io(req);
		return;
	}
	io_uring_prep_timeout(sqe, &r->ts, 0, 0);
}

static void tf_io_done(struct ublk_request *req, uint32_t cookie, int result)
{
	struct tf_dev *d = req->handle;

	(void)result;
	if (tf_check(req, REQ_MAGIC) && cookie == CK_DELAY)
		atomic_fetch_add(&d->delayed, 1);
	else
		atomic_fetch_add(&d->bad, 1);
	ublk_next_queue_io(req);
}

static void tf_complete(struct ublk_request *req, int result)
{
	struct tf_dev *d = req->handle;

	if (tf_check(req, REQ_MAGIC))
		atomic_fetch_add(&d->completed, 1);
	ublk_complete(req, result);
}

static void tf_close(void *handle)
{
	struct tf_dev *d = handle;
	FILE *f;

	if (d->count_file && (f = fopen(d->count_file, "w"))) {
		fprintf(f, "queued=%lu completed=%lu bad=%lu thread_events=%lu delayed=%lu resized=%d mark=%s\n",
			atomic_load(&d->queued), atomic_load(&d->completed), atomic_load(&d->bad),
			atomic_load(&d->thread_events), atomic_load(&d->delayed), d->resized,
			d->mark ? d->mark : "");
		fclose(f);
	}
	free(d->count_file);
	free(d->mark);
	free(d);
}

static const char *const tf_keys[] = { "count_file", "mark", "delay_us", "grow_to", NULL };

static const struct ublk_filter filter = {
	UBLK_FILTER_HEADER,
	.name = FILTER_NAME,
	.description = "test filter: passes requests through and checks the host",
	.config_help = "count_file=PATH  counters written at close\nmark=TEXT  echoed\n"
		       "delay_us=N  hold each request\ngrow_to=BYTES  resize at the first request\n",
	.config_keys = tf_keys,
	.caps = FILTER_CAPS,
	.request_priv_size = sizeof(struct tf_req),
	.create = tf_create,
	.config = tf_config,
	.open = tf_open,
	.thread_init = tf_thread_init,
	.thread_exit = tf_thread_exit,
	.queue_io = tf_queue_io,
	.io_done = tf_io_done,
	.complete = tf_complete,
	.thread_event = tf_thread_event,
	.close = tf_close,
};

UBLK_REGISTER_FILTER(filter)
