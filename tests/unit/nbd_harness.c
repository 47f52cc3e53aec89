// SPDX-License-Identifier: MIT
/*
 * A stand-in host for the nbd plugin, so its libnbd logic runs on a machine
 * without ublk (tests/unit/nbd-host.sh, against nbdkit). It loads nbd.so,
 * gives it the 1.1 host services it uses (complete, get_thread_sqe, thread
 * events) on one real io_uring per thread, and plays block requests:
 *
 *   nbd_harness PLUGIN.so [-t THREADS] [-q DEPTH] [-b BS] [-n ROUNDS]
 *               [-e] KEY=VALUE...
 *
 * Each thread owns a region of the device; a round writes it with a
 * pattern (round, offset) at DEPTH requests in flight, flushes, reads it
 * back and compares, then trims a block and zeroes the next, which must
 * read as zeroes. Exit 0 when every request succeeded and every byte matched.
 * With -e it instead counts requests that failed with EIO (timeout=), and
 * keeps going until one round passes again after that: "EIO, then works".
 */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <ublk/plugin.h>

#define THREAD_BIT	(1ULL << 63)

static const struct ublk_plugin *plugin;
static void *instance;
static __thread struct io_uring *cur_ring;
static uint64_t dev_size;
static uint32_t opt_threads = 1, opt_depth = 8, opt_bs = 65536, opt_rounds = 4;
static int opt_expect_eio;
static uint32_t finished;

struct hreq {
	struct ublk_request req;
	int done;
	int result;
	char priv[256];
};

static void h_vlog(int level, const char *fmt, va_list ap)
{
	if (level <= UBLK_LOG_INFO || getenv("NBD_HARNESS_DEBUG")) {
		fprintf(stderr, "log: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

static void h_verror(const char *fmt, va_list ap)
{
	fprintf(stderr, "error: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void h_complete(struct ublk_request *req, int result)
{
	struct hreq *h = (struct hreq *)req;

	if (h->done)
		fprintf(stderr, "BUG: request completed twice\n"), abort();
	h->done = 1;
	h->result = result;
}

static void *h_get_thread_sqe(uint32_t cookie)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(cur_ring);

	if (!sqe) {
		io_uring_submit(cur_ring);
		sqe = io_uring_get_sqe(cur_ring);
	}
	if (sqe) {
		memset(sqe, 0, sizeof(*sqe));
		io_uring_sqe_set_data64(sqe, THREAD_BIT | cookie);
	}
	return sqe;
}

static int h_parse_uint(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end ? -1 : 0;
}

static const struct ublk_host host = {
	.struct_size = sizeof(struct ublk_host),
	.abi_major = UBLK_PLUGIN_ABI_MAJOR,
	.abi_minor = UBLK_PLUGIN_ABI_MINOR,
	.vlog = h_vlog,
	.verror = h_verror,
	.complete = h_complete,
	.parse_uint = h_parse_uint,
	.get_thread_sqe = h_get_thread_sqe,
};

struct worker {
	pthread_t tid;
	uint32_t index;
	struct io_uring ring;
	void *tdata;
	uint64_t base, len;
	unsigned long errors, eio, mismatches, ios;
	int ok_after_eio;
};

/* Wait for completions (at most timeout_ms if not 0), hand them to the plugin. */
static void poll_ring(struct worker *w, unsigned int timeout_ms)
{
	struct io_uring_cqe *cqe;

	if (timeout_ms) {
		struct __kernel_timespec ts = { .tv_nsec = (long long)timeout_ms * 1000000 };

		io_uring_submit_and_wait_timeout(&w->ring, &cqe, 1, &ts, NULL);
	} else {
		io_uring_submit_and_wait(&w->ring, 1);
	}
	while (io_uring_peek_cqe(&w->ring, &cqe) == 0) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&w->ring, cqe);
		if (ud & THREAD_BIT)
			plugin->thread_event(instance, w->tdata, (uint32_t)ud, res);
	}
}

/* Queue every request in reqs, run the ring until all are done. */
static void run_batch(struct worker *w, struct hreq *reqs, unsigned int n)
{
	unsigned int i, left = n;

	for (i = 0; i < n; i++) {
		reqs[i].done = 0;
		reqs[i].req.priv = reqs[i].priv;
		reqs[i].req.thread_data = w->tdata;
		reqs[i].req.handle = instance;
		reqs[i].req.thread_index = w->index;
		reqs[i].req.q_id = (uint16_t)w->index;
		reqs[i].req.tag = (uint16_t)i;
		memset(reqs[i].priv, 0, sizeof(reqs[i].priv));
		plugin->queue_io(&reqs[i].req);
	}
	for (;;) {
		left = 0;
		for (i = 0; i < n; i++)
			left += !reqs[i].done;
		if (!left)
			break;
		poll_ring(w, 0);
	}
	for (i = 0; i < n; i++) {
		w->ios++;
		if (reqs[i].result < 0) {
			if (reqs[i].result == -EIO)
				w->eio++;
			else
				w->errors++;
		}
	}
}

static void fill(char *buf, uint32_t len, uint64_t off, uint32_t round)
{
	uint32_t i;

	for (i = 0; i < len; i += 8) {
		uint64_t v = (off + i) * 2654435761ULL ^ ((uint64_t)round << 48);

		memcpy(buf + i, &v, 8);
	}
}

static void set_req(struct hreq *h, int op, uint64_t off, uint32_t len, void *buf, uint32_t flags)
{
	memset(&h->req, 0, sizeof(h->req));
	h->req.struct_size = sizeof(h->req);
	h->req.op = (uint8_t)op;
	h->req.offset = off;
	h->req.length = len;
	h->req.buf = buf;
	h->req.flags = flags;
}

/* One round: write, flush, read and compare, trim+zero and check. Returns failures. */
static unsigned long round_trip(struct worker *w, uint32_t round, char *bufs, char *expect)
{
	struct hreq *reqs = calloc(opt_depth < 2 ? 2 : opt_depth, sizeof(*reqs));
	unsigned long before = w->errors + w->eio + w->mismatches;
	uint64_t off;
	uint32_t i, n;

	for (off = 0; off < w->len; off += (uint64_t)opt_depth * opt_bs) {
		for (n = 0; n < opt_depth && off + (uint64_t)n * opt_bs < w->len; n++) {
			char *b = bufs + (size_t)n * opt_bs;
			uint64_t o = w->base + off + (uint64_t)n * opt_bs;

			fill(b, opt_bs, o, round);
			set_req(&reqs[n], UBLK_OP_WRITE, o, opt_bs, b, n % 4 ? 0 : UBLK_REQ_FUA);
		}
		run_batch(w, reqs, n);
	}
	set_req(&reqs[0], UBLK_OP_FLUSH, 0, 0, NULL, 0);
	run_batch(w, reqs, 1);
	for (off = 0; off < w->len; off += (uint64_t)opt_depth * opt_bs) {
		for (n = 0; n < opt_depth && off + (uint64_t)n * opt_bs < w->len; n++) {
			memset(bufs + (size_t)n * opt_bs, 0xee, opt_bs);
			set_req(&reqs[n], UBLK_OP_READ, w->base + off + (uint64_t)n * opt_bs, opt_bs,
				bufs + (size_t)n * opt_bs, 0);
		}
		run_batch(w, reqs, n);
		for (i = 0; i < n; i++) {
			uint64_t o = w->base + off + (uint64_t)i * opt_bs;

			if (reqs[i].result != (int)opt_bs)
				continue;	/* counted as an error */
			fill(expect, opt_bs, o, round);
			if (memcmp(expect, bufs + (size_t)i * opt_bs, opt_bs)) {
				fprintf(stderr, "thread %u: data mismatch at %" PRIu64 "\n", w->index, o);
				w->mismatches++;
			}
		}
	}
	/* DISCARD the first block, WRITE_ZEROES (NOUNMAP) the second: zeroes. */
	set_req(&reqs[0], UBLK_OP_DISCARD, w->base, opt_bs, NULL, 0);
	set_req(&reqs[1], UBLK_OP_WRITE_ZEROES, w->base + opt_bs, opt_bs, NULL, UBLK_REQ_NOUNMAP);
	run_batch(w, reqs, 2);
	set_req(&reqs[0], UBLK_OP_READ, w->base, 2 * opt_bs, bufs, 0);
	run_batch(w, reqs, 1);
	/* NBD's trim leaves the data unspecified: only the zeroed block is checked. */
	if (reqs[0].result == (int)(2 * opt_bs)) {
		memset(expect, 0, opt_bs);
		if (memcmp(bufs + opt_bs, expect, opt_bs)) {
			fprintf(stderr, "thread %u: trimmed/zeroed blocks are not zeroes\n", w->index);
			w->mismatches++;
		}
	}
	free(reqs);
	return w->errors + w->eio + w->mismatches - before;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char *bufs = malloc((size_t)opt_depth * opt_bs * 2 + 1);
	char *expect = malloc((size_t)opt_bs * 2);
	time_t deadline = time(NULL) + 60;
	uint32_t r;

	cur_ring = &w->ring;
	if (plugin->thread_init && plugin->thread_init(instance, w->index, &w->tdata)) {
		w->errors++;
		return NULL;
	}
	for (r = 1; r <= opt_rounds || (opt_expect_eio && !w->ok_after_eio &&
					 time(NULL) < deadline); r++) {
		unsigned long bad = round_trip(w, r, bufs, expect);

		if (opt_expect_eio && w->eio && !bad)
			w->ok_after_eio = 1;
		if (!opt_expect_eio && bad)
			break;
		/* Failing at once completes without the ring: let its timers run. */
		if (bad)
			poll_ring(w, 100);
	}
	/* Keep serving flush messages until every thread is done. */
	__atomic_add_fetch(&finished, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < opt_threads)
		poll_ring(w, 10);
	if (plugin->thread_exit)
		plugin->thread_exit(instance, w->tdata);
	free(bufs);
	free(expect);
	return NULL;
}

int main(int argc, char **argv)
{
	struct ublk_device_params params = {
		.struct_size = sizeof(params),
		.logical_block_size = 512,
		.physical_block_size = 512,
		.max_io_size = 1 << 20,
		.caps = 0,
	};
	struct worker *ws;
	ublk_plugin_entry_fn entry;
	unsigned long bad = 0, eio = 0;
	void *so;
	int opt, i;

	while ((opt = getopt(argc, argv, "t:q:b:n:e")) != -1) {
		switch (opt) {
		case 't': opt_threads = (uint32_t)atoi(optarg); break;
		case 'q': opt_depth = (uint32_t)atoi(optarg); break;
		case 'b': opt_bs = (uint32_t)atoi(optarg); break;
		case 'n': opt_rounds = (uint32_t)atoi(optarg); break;
		case 'e': opt_expect_eio = 1; break;
		default: return 2;
		}
	}
	if (optind >= argc)
		return 2;
	so = dlopen(argv[optind], RTLD_NOW | RTLD_LOCAL);
	if (!so) {
		fprintf(stderr, "%s\n", dlerror());
		return 2;
	}
	entry = (ublk_plugin_entry_fn)dlsym(so, UBLK_PLUGIN_ENTRY_SYMBOL);
	plugin = entry(&host);
	if (plugin->create(&instance))
		return 1;
	for (i = optind + 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq)
			return 2;
		*eq = 0;
		if (plugin->config(instance, argv[i], eq + 1))
			return 1;
	}
	if (plugin->config_complete && plugin->config_complete(instance))
		return 1;
	if (plugin->open(instance, &params))
		return 1;
	dev_size = params.size;
	printf("size %" PRIu64 " lbs %u max_io %u discard %u zeroes %u attrs %#x caps %#x\n",
	       params.size, params.logical_block_size, params.max_io_size,
	       params.max_discard_size, params.max_write_zeroes_size, params.attrs, params.caps);
	ws = calloc(opt_threads, sizeof(*ws));
	for (i = 0; i < (int)opt_threads; i++) {
		ws[i].index = (uint32_t)i;
		ws[i].len = dev_size / opt_threads / opt_bs * opt_bs;
		ws[i].base = ws[i].len * (uint64_t)i;
		if (io_uring_queue_init(256, &ws[i].ring, 0))
			return 2;
		pthread_create(&ws[i].tid, NULL, worker_main, &ws[i]);
	}
	for (i = 0; i < (int)opt_threads; i++) {
		pthread_join(ws[i].tid, NULL);
		printf("thread %d: %lu IOs, %lu errors, %lu EIO, %lu mismatches%s\n", i,
		       ws[i].ios, ws[i].errors, ws[i].eio, ws[i].mismatches,
		       opt_expect_eio ? (ws[i].ok_after_eio ? ", works after EIO" : ", never recovered") : "");
		bad += ws[i].errors + ws[i].mismatches + (opt_expect_eio ? !ws[i].ok_after_eio : ws[i].eio);
		eio += ws[i].eio;
	}
	plugin->close(instance);
	for (i = 0; i < (int)opt_threads; i++)
		io_uring_queue_exit(&ws[i].ring);
	free(ws);
	if (opt_expect_eio && !eio) {
		printf("expected EIO, got none\n");
		return 1;
	}
	return bad ? 1 : 0;
}
