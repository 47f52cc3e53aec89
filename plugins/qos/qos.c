// SPDX-License-Identifier: MIT
/*
 * qos: a filter that limits a device's IOPS and bytes per second (total,
 * reads, writes) with token buckets, so tenants can share one backend.
 *
 * A request that finds a bucket empty is held, never the thread: each IO
 * thread keeps a FIFO of its held requests and one timer SQE on its own ring
 * (ublk_get_thread_sqe) that fires when the head of the FIFO can go. While
 * a thread has held requests, new ones queue behind them, so the order
 * requests reach the layers below is the order they arrived (per queue).
 *
 * Buckets are per device, shared by its IO threads (a short mutex: no IO or
 * sleeping inside). A bucket holds up to 1 s of its rate (at least one
 * request): a device may burst that much after a pause, and a stall of its
 * queue thread or of the application (a busy machine: timers that fire late,
 * processes not scheduled) does not lose the share that accrued meanwhile:
 * over a busy period the average is the configured rate. A
 * request larger than the bucket waits for a full one and leaves it in
 * debt, so any request size works.
 *
 * Costs: every request takes one token of iops; reads of read_iops; writes,
 * discards and write zeroes of write_iops. Only reads and writes move data:
 * their length is taken from bps and read_bps or write_bps.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <liburing.h>

#include <ublk/plugin.h>

#define QOS_CK_TIMER	1
#define QOS_BURST_SEC	1.0
#define QOS_MIN_WAIT_NS	10000

enum {
	QOS_IOPS, QOS_READ_IOPS, QOS_WRITE_IOPS,
	QOS_BPS, QOS_READ_BPS, QOS_WRITE_BPS,
	QOS_NR_BUCKETS
};

/* Same order as the enum: the key of each bucket. */
static const char *const qos_config_keys[] = {
	"iops", "read_iops", "write_iops", "bps", "read_bps", "write_bps", NULL
};

struct qos_bucket {
	double rate;		/* tokens per second; 0: unlimited */
	double burst;		/* most tokens it holds */
	double tokens;		/* may go below 0 (debt) */
};

struct qos_dev {
	struct qos_bucket b[QOS_NR_BUCKETS];
	pthread_mutex_t lock;
	uint64_t last_ns;	/* when the buckets were last refilled */
};

/* Held requests of one IO thread: a ring buffer that grows. */
struct qos_thread {
	struct ublk_request **fifo;
	unsigned int cap, head, count;
	int timer_armed;
	int warned;
	struct __kernel_timespec ts;	/* the armed timer's, read by the kernel at submit */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int qos_create(void **handle)
{
	struct qos_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	pthread_mutex_init(&d->lock, NULL);
	*handle = d;
	return 0;
}

static int qos_config(void *handle, const char *key, const char *value)
{
	struct qos_dev *d = handle;
	uint64_t v;
	int i;

	for (i = 0; i < QOS_NR_BUCKETS; i++)
		if (!strcmp(key, qos_config_keys[i]))
			break;
	if (i == QOS_NR_BUCKETS) {
		ublk_error("unknown parameter '%s' for filter qos", key);
		return -1;
	}
	if (i < QOS_BPS) {
		if (ublk_parse_uint(value, &v) || !v) {
			ublk_error("%s: '%s' is not a number of requests per second >= 1", key, value);
			return -1;
		}
	} else if (ublk_parse_size(value, &v) || !v) {
		ublk_error("%s: '%s' is not a number of bytes per second (e.g. 10M)", key, value);
		return -1;
	}
	d->b[i].rate = (double)v;
	return 0;
}

#define qos_config_help \
	"iops=N        requests per second, all kinds\n" \
	"read_iops=N   reads per second\n" \
	"write_iops=N  writes (and discards, write zeroes) per second\n" \
	"bps=SIZE      bytes read and written per second, e.g. 10M\n" \
	"read_bps=SIZE bytes read per second\n" \
	"write_bps=SIZE bytes written per second\n" \
	"Requests over a limit wait in the device's queue thread (FIFO), never fail.\n"

static int qos_open(void *handle, struct ublk_device_params *params)
{
	struct qos_dev *d = handle;
	int i;

	(void)params;
	for (i = 0; i < QOS_NR_BUCKETS; i++) {
		struct qos_bucket *b = &d->b[i];

		b->burst = b->rate * QOS_BURST_SEC;
		if (b->burst < 1)
			b->burst = 1;
		b->tokens = b->burst;
		if (b->rate)
			ublk_log(UBLK_LOG_DEBUG, "qos: %s = %.0f/s", qos_config_keys[i], b->rate);
	}
	d->last_ns = now_ns();
	return 0;
}

static int qos_thread_init(void *handle, uint32_t thread_index, void **thread_data)
{
	struct qos_thread *t = calloc(1, sizeof(*t));

	(void)handle;
	(void)thread_index;
	if (!t) {
		ublk_error("out of memory");
		return -1;
	}
	*thread_data = t;
	return 0;
}

static void qos_thread_exit(void *handle, void *thread_data)
{
	struct qos_thread *t = thread_data;

	(void)handle;
	if (!t)
		return;
	free(t->fifo);
	free(t);
}

/* What req costs in each bucket. */
static void qos_costs(const struct ublk_request *req, double cost[QOS_NR_BUCKETS])
{
	int is_read = req->op == UBLK_OP_READ;
	int is_write = req->op == UBLK_OP_WRITE || req->op == UBLK_OP_DISCARD ||
		       req->op == UBLK_OP_WRITE_ZEROES;
	double bytes = req->op == UBLK_OP_READ || req->op == UBLK_OP_WRITE ? req->length : 0;

	cost[QOS_IOPS] = 1;
	cost[QOS_READ_IOPS] = is_read;
	cost[QOS_WRITE_IOPS] = is_write;
	cost[QOS_BPS] = bytes;
	cost[QOS_READ_BPS] = is_read ? bytes : 0;
	cost[QOS_WRITE_BPS] = req->op == UBLK_OP_WRITE ? bytes : 0;
}

/*
 * Take req's tokens if every bucket it needs has them: return 0. Otherwise
 * take nothing and return how many ns until it can go.
 */
static uint64_t qos_admit(struct qos_dev *d, const struct ublk_request *req)
{
	double cost[QOS_NR_BUCKETS], wait = 0;
	uint64_t now;
	int i;

	qos_costs(req, cost);
	pthread_mutex_lock(&d->lock);
	now = now_ns();
	for (i = 0; i < QOS_NR_BUCKETS; i++) {
		struct qos_bucket *b = &d->b[i];
		double need;

		if (!b->rate)
			continue;
		b->tokens += b->rate * (double)(now - d->last_ns) / 1e9;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		if (!cost[i])
			continue;
		need = cost[i] < b->burst ? cost[i] : b->burst;
		if (b->tokens < need && (need - b->tokens) / b->rate > wait)
			wait = (need - b->tokens) / b->rate;
	}
	d->last_ns = now;
	if (!wait)
		for (i = 0; i < QOS_NR_BUCKETS; i++)
			if (d->b[i].rate)
				d->b[i].tokens -= cost[i];
	pthread_mutex_unlock(&d->lock);
	if (!wait)
		return 0;
	return wait * 1e9 < QOS_MIN_WAIT_NS ? QOS_MIN_WAIT_NS : (uint64_t)(wait * 1e9);
}

static int qos_push(struct qos_thread *t, struct ublk_request *req)
{
	if (t->count == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 64, i;
		struct ublk_request **fifo = malloc(cap * sizeof(*fifo));

		if (!fifo)
			return -1;
		for (i = 0; i < t->count; i++)
			fifo[i] = t->fifo[(t->head + i) % t->cap];
		free(t->fifo);
		t->fifo = fifo;
		t->cap = cap;
		t->head = 0;
	}
	t->fifo[(t->head + t->count) % t->cap] = req;
	t->count++;
	return 0;
}

static struct ublk_request *qos_pop(struct qos_thread *t)
{
	struct ublk_request *req = t->fifo[t->head];

	t->head = (t->head + 1) % t->cap;
	t->count--;
	return req;
}

/* Pass on the held requests whose tokens are there; arm the timer for the rest. */
static void qos_run(struct qos_dev *d, struct qos_thread *t)
{
	struct io_uring_sqe *sqe;
	uint64_t wait = 0;

	while (t->count && !(wait = qos_admit(d, t->fifo[t->head])))
		ublk_next_queue_io(qos_pop(t));
	if (!t->count || t->timer_armed)
		return;
	sqe = ublk_get_thread_sqe(QOS_CK_TIMER);
	if (!sqe) {
		/* Never hold a request without a wake-up: let the head go early. */
		if (!t->warned++)
			ublk_log(UBLK_LOG_WARN, "qos: ring full, a request passes the limit");
		ublk_next_queue_io(qos_pop(t));
		return;
	}
	t->ts.tv_sec = (long long)(wait / 1000000000ULL);
	t->ts.tv_nsec = (long long)(wait % 1000000000ULL);
	io_uring_prep_timeout(sqe, &t->ts, 0, 0);
	t->timer_armed = 1;
}

static void qos_queue_io(struct ublk_request *req)
{
	struct qos_dev *d = req->handle;
	struct qos_thread *t = req->thread_data;

	/* Behind held requests, or over a limit: wait in line. */
	if (!t->count && !qos_admit(d, req)) {
		ublk_next_queue_io(req);
		return;
	}
	if (qos_push(t, req)) {
		ublk_log(UBLK_LOG_ERROR, "qos: out of memory holding a request");
		ublk_complete(req, -ENOMEM);
		return;
	}
	qos_run(d, t);
}

static void qos_thread_event(void *handle, void *thread_data, uint32_t cookie, int result)
{
	struct qos_thread *t = thread_data;

	(void)cookie;
	(void)result;	/* -ETIME: time is up */
	t->timer_armed = 0;
	qos_run(handle, t);
}

static void qos_close(void *handle)
{
	struct qos_dev *d = handle;

	pthread_mutex_destroy(&d->lock);
	free(d);
}

static const struct ublk_filter qos_filter = {
	UBLK_FILTER_HEADER,
	.name = "qos",
	.version = PACKAGE_VERSION,
	.description = "limits IOPS and bytes per second (token buckets)",
	.config_help = qos_config_help,
	.config_keys = qos_config_keys,
	.caps = UBLK_CAP_ZERO_COPY,	/* never touches data */
	.create = qos_create,
	.config = qos_config,
	.open = qos_open,
	.thread_init = qos_thread_init,
	.thread_exit = qos_thread_exit,
	.queue_io = qos_queue_io,
	.thread_event = qos_thread_event,
	.close = qos_close,
};

UBLK_REGISTER_FILTER(qos_filter)
