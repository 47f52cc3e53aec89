// SPDX-License-Identifier: MIT
/*
 * The simple-API worker pool with a fake plugin and a fake host: requests
 * complete on the IO thread that queued them, with the right results, the
 * thread model bounds how many callbacks run at once, and queueing never
 * waits for a callback.
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dev_config.h"
#include "simple_api.h"
#include "unit.h"

#define NR_REQ		16
#define SLEEP_MS	20
#define DISK_SIZE	(NR_REQ * 4096)

struct fake_dev {
	unsigned char disk[DISK_SIZE];
};

static int running, max_running;
static int sleep_ms = SLEEP_MS;

static void enter(void)
{
	int now = __atomic_add_fetch(&running, 1, __ATOMIC_SEQ_CST);
	int old = __atomic_load_n(&max_running, __ATOMIC_SEQ_CST);

	while (now > old &&
	       !__atomic_compare_exchange_n(&max_running, &old, now, false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		;
	if (sleep_ms)
		usleep(sleep_ms * 1000);
}

static void leave(void)
{
	__atomic_sub_fetch(&running, 1, __ATOMIC_SEQ_CST);
}

static int fake_pread(void *h, void *buf, uint32_t count, uint64_t off, uint32_t flags)
{
	struct fake_dev *d = h;

	enter();
	memcpy(buf, d->disk + off, count);
	leave();
	return 0;
}

static int fake_pwrite(void *h, const void *buf, uint32_t count, uint64_t off,
		       uint32_t flags)
{
	struct fake_dev *d = h;

	enter();
	if (flags & ~UBLK_REQ_FUA) {
		leave();
		return -EINVAL;
	}
	memcpy(d->disk + off, buf, count);
	leave();
	return 0;
}

static int fake_zero(void *h, uint32_t count, uint64_t off, uint32_t flags)
{
	return -ENOSPC;
}

static struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "fake",
	.pread = fake_pread,
	.pwrite = fake_pwrite,
	.zero = fake_zero,
};

/* The fake host: thread SQEs are logged with the IO thread that asked. */
struct armed {
	struct simple_dev *sd;
	unsigned int thread;
	struct io_uring_sqe sqe;
	int live;
};
static struct armed polls[64];
static unsigned int nr_polls;
static struct simple_dev *cur_sd;
static unsigned int cur_thread;
static int inside_event;
static int completed, wrong_thread, outside_event;
static int results[4][NR_REQ * 2];

static void *fake_get_thread_sqe(uint32_t cookie)
{
	struct armed *a = &polls[nr_polls++ % 64];

	memset(a, 0, sizeof(*a));
	a->sd = cur_sd;
	a->thread = cur_thread;
	a->live = 1;
	a->sqe.user_data = 0x5a5a;
	return &a->sqe;
}

static struct ublk_request reqs[4][NR_REQ];

static void fake_complete(struct ublk_request *req, int result)
{
	unsigned int d = (unsigned int)(req - &reqs[0][0]) / NR_REQ;

	if (req->thread_index != cur_thread)
		wrong_thread++;
	if (!inside_event)
		outside_event++;
	results[d][req->tag] = result;
	completed++;
}

static const struct simple_host_ops fake_ops = {
	.get_thread_sqe = fake_get_thread_sqe,
	.complete = fake_complete,
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Serve the armed polls like an IO thread's ring until want completions. */
static int event_loop(int want)
{
	double deadline = now_ms() + 10000;

	while (completed < want && now_ms() < deadline) {
		struct pollfd pfd[64];
		unsigned int idx[64], n = 0, i;

		for (i = 0; i < 64; i++) {
			if (!polls[i].live)
				continue;
			CHECK(polls[i].sqe.opcode == IORING_OP_POLL_ADD);
			CHECK(polls[i].sqe.user_data == 0x5a5a);
			pfd[n].fd = polls[i].sqe.fd;
			pfd[n].events = POLLIN;
			idx[n++] = i;
		}
		if (!n)
			return -1;
		if (poll(pfd, n, 100) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			struct armed *a = &polls[idx[i]];

			if (!(pfd[i].revents & POLLIN))
				continue;
			a->live = 0;
			cur_sd = a->sd;
			cur_thread = a->thread;
			inside_event = 1;
			simple_thread_event(a->sd, a->thread, 1, POLLIN);
			inside_event = 0;
		}
	}
	return completed >= want ? 0 : -1;
}

static void setup_req(struct ublk_request *r, unsigned int d, unsigned int tag,
		      uint8_t op, void *buf)
{
	memset(r, 0, sizeof(*r));
	r->struct_size = sizeof(*r);
	r->op = op;
	r->tag = (uint16_t)tag;
	r->length = 4096;
	r->offset = (uint64_t)tag * 4096;
	r->buf = buf;
	r->thread_index = tag % 2;
	(void)d;
}

/* Queue NR_REQ reads on each of nr_dev devices; return the wall time in ms. */
static double run_reads(unsigned int nr_dev, uint32_t model, unsigned int workers,
			double *queue_ms)
{
	static unsigned char bufs[4][NR_REQ][4096];
	static struct fake_dev devs[4];
	struct simple_dev *sd[4];
	unsigned int d, i, t;
	double start, q;

	plugin.thread_model = model;
	memset(results, 0, sizeof(results));
	completed = wrong_thread = outside_event = max_running = 0;
	nr_polls = 0;
	memset(polls, 0, sizeof(polls));
	for (d = 0; d < nr_dev; d++) {
		for (i = 0; i < DISK_SIZE; i++)
			devs[d].disk[i] = (unsigned char)(i / 4096 + d * 31);
		CHECK(!simple_dev_create(&plugin, &devs[d], workers, 2, &sd[d]));
		for (t = 0; t < 2; t++) {
			cur_sd = sd[d];
			cur_thread = t;
			CHECK(!simple_thread_init(sd[d], t));
		}
	}
	start = now_ms();
	for (i = 0; i < NR_REQ; i++) {
		for (d = 0; d < nr_dev; d++) {
			setup_req(&reqs[d][i], d, i, UBLK_OP_READ, bufs[d][i]);
			cur_sd = sd[d];
			cur_thread = i % 2;
			simple_queue_io(sd[d], &reqs[d][i]);
		}
	}
	q = now_ms() - start;
	if (queue_ms)
		*queue_ms = q;
	CHECK(!event_loop((int)(NR_REQ * nr_dev)));
	q = now_ms() - start;
	CHECK(completed == (int)(NR_REQ * nr_dev));
	CHECK(!wrong_thread);
	CHECK(!outside_event);
	for (d = 0; d < nr_dev; d++) {
		for (i = 0; i < NR_REQ; i++) {
			CHECK(results[d][i] == 4096);
			CHECK(bufs[d][i][0] == (unsigned char)(i + d * 31) &&
			      bufs[d][i][4095] == (unsigned char)(i + d * 31));
		}
		for (t = 0; t < 2; t++)
			simple_thread_exit(sd[d], t);
		simple_dev_destroy(sd[d]);
	}
	return q;
}

static void test_models(void)
{
	double par, ser, queue_ms;

	par = run_reads(1, UBLK_THREAD_MODEL_PARALLEL, 8, &queue_ms);
	CHECK(max_running > 1 && max_running <= 8);
	/* 16 requests of 20 ms: queueing took no part of that. */
	CHECK(queue_ms < SLEEP_MS);
	ser = run_reads(1, UBLK_THREAD_MODEL_SERIALIZE_ALL, 8, NULL);
	CHECK(max_running == 1);
	fprintf(stderr, "parallel %.0f ms, serialize_all %.0f ms\n", par, ser);
	CHECK(ser >= NR_REQ * SLEEP_MS);
	/* max_running proves the overlap; time only loosely (2 shared cores). */
	CHECK(par < ser);

	/* Per device: two devices overlap, each one alone is serial. */
	run_reads(2, UBLK_THREAD_MODEL_SERIALIZE_REQUESTS, 4, NULL);
	CHECK(max_running == 2);
	/* All devices of the plugin share one lock. */
	run_reads(2, UBLK_THREAD_MODEL_SERIALIZE_ALL, 4, NULL);
	CHECK(max_running == 1);
}

static void test_ops(void)
{
	static struct fake_dev dev;
	static unsigned char wbuf[4096], rbuf[4096];
	struct simple_dev *sd;
	unsigned int i;

	sleep_ms = 0;
	plugin.thread_model = UBLK_THREAD_MODEL_PARALLEL;
	completed = wrong_thread = outside_event = 0;
	nr_polls = 0;
	memset(polls, 0, sizeof(polls));
	memset(results, 0, sizeof(results));
	CHECK(!simple_dev_create(&plugin, &dev, 1, 2, &sd));
	for (i = 0; i < 2; i++) {
		cur_sd = sd;
		cur_thread = i;
		CHECK(!simple_thread_init(sd, i));
	}
	memset(wbuf, 0xab, sizeof(wbuf));
	setup_req(&reqs[0][0], 0, 0, UBLK_OP_WRITE, wbuf);
	reqs[0][0].flags = UBLK_REQ_FUA;
	setup_req(&reqs[0][1], 0, 1, UBLK_OP_FLUSH, NULL);
	setup_req(&reqs[0][2], 0, 2, UBLK_OP_DISCARD, NULL);
	setup_req(&reqs[0][3], 0, 3, UBLK_OP_WRITE_ZEROES, NULL);
	setup_req(&reqs[0][4], 0, 4, UBLK_OP_READ, NULL);
	reqs[0][4].data_mode = UBLK_DATA_FIXED;
	for (i = 0; i < 5; i++) {
		cur_thread = reqs[0][i].thread_index;
		simple_queue_io(sd, &reqs[0][i]);
	}
	CHECK(!event_loop(5));
	CHECK(results[0][0] == 4096);
	CHECK(results[0][1] == -EOPNOTSUPP);	/* no flush callback */
	CHECK(results[0][2] == -EOPNOTSUPP);	/* no trim callback */
	CHECK(results[0][3] == -ENOSPC);	/* the plugin's errno */
	CHECK(results[0][4] == -EIO);		/* zero copy never reaches a worker */
	/* The write landed: read it back through the pool. */
	setup_req(&reqs[0][5], 0, 5, UBLK_OP_READ, rbuf);
	reqs[0][5].offset = 0;
	cur_thread = 1;
	simple_queue_io(sd, &reqs[0][5]);
	CHECK(!event_loop(6));
	CHECK(results[0][5] == 4096 && !memcmp(rbuf, wbuf, sizeof(rbuf)));
	CHECK(!wrong_thread && !outside_event);
	simple_thread_exit(sd, 0);
	simple_thread_exit(sd, 1);
	simple_dev_destroy(sd);
	sleep_ms = SLEEP_MS;
}

static void test_bad(void)
{
	struct ublk_plugin no_pread = plugin;
	struct simple_dev *sd;
	unsigned int w;

	no_pread.pread = NULL;
	CHECK(simple_dev_create(&no_pread, NULL, 4, 2, &sd) == -EINVAL);
	CHECK(simple_dev_create(&plugin, NULL, 0, 2, &sd) == -EINVAL);
	CHECK(simple_dev_create(&plugin, NULL, SIMPLE_MAX_WORKERS + 1, 2, &sd) == -EINVAL);
	CHECK(!simple_parse_workers("8", &w) && w == 8);
	CHECK(simple_parse_workers("0", &w) == -1);
	CHECK(simple_parse_workers("257", &w) == -1);
	CHECK(simple_parse_workers("lots", &w) == -1);
	/* workers is a core key (INI and --workers), not a plugin key. */
	{
		struct dev_config cfg;

		dev_config_init(&cfg);
		CHECK(cfg.workers == 0);	/* default: SIMPLE_DEFAULT_WORKERS */
		CHECK(!dev_config_set(&cfg, "workers", "8", "test:1"));
		CHECK(cfg.workers == 8 && cfg.nr_plugin_keys == 0);
		CHECK(dev_config_set(&cfg, "workers", "0", "test:2") == -1);
		CHECK(dev_config_set(&cfg, "workers", "257", "test:3") == -1);
		CHECK(cfg.workers == 8);
		dev_config_free(&cfg);
	}
	/* Destroy with requests still queued: joins, frees, no completion. */
	plugin.thread_model = UBLK_THREAD_MODEL_SERIALIZE_ALL;
	completed = 0;
	CHECK(!simple_dev_create(&plugin, NULL, 1, 1, &sd));
	{
		static struct fake_dev dev;
		struct simple_dev *sd2;
		static unsigned char b[NR_REQ][4096];
		unsigned int i;

		CHECK(!simple_dev_create(&plugin, &dev, 1, 1, &sd2));
		cur_sd = sd2;
		cur_thread = 0;
		for (i = 0; i < 4; i++) {
			setup_req(&reqs[0][i], 0, i, UBLK_OP_READ, b[i]);
			reqs[0][i].thread_index = 0;
			simple_queue_io(sd2, &reqs[0][i]);
		}
		/* thread_exit: queued ones dropped, the running one waited for. */
		CHECK(!simple_thread_init(sd2, 0));
		usleep(5000);
		simple_thread_exit(sd2, 0);
		CHECK(__atomic_load_n(&running, __ATOMIC_SEQ_CST) == 0);
		for (i = 0; i < 4; i++) {
			setup_req(&reqs[0][i], 0, i, UBLK_OP_READ, b[i]);
			reqs[0][i].thread_index = 0;
			simple_queue_io(sd2, &reqs[0][i]);
		}
		simple_dev_destroy(sd2);
	}
	simple_dev_destroy(sd);
	CHECK(completed == 0);
}

int main(void)
{
	simple_set_host_ops(&fake_ops);
	test_models();
	test_ops();
	test_bad();
	return UNIT_RESULT();
}
