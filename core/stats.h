/* SPDX-License-Identifier: MIT */
/*
 * Per-device statistics in a small shared file, RUN_DIR/devN.stats, that
 * `ublk-server stats`, `list --json` and the daemon's metrics endpoint read
 * while the daemon runs.
 *
 * Layout: a header (who serves the device, how it is configured), then one
 * counter block per (queue, IO thread) pair that serves requests. A block
 * has exactly one writer, its IO thread, which updates it with plain relaxed
 * stores: no locks, no atomic read-modify-write, no shared cache lines
 * (blocks are cache-line aligned). Readers load each u64 once, relaxed; a
 * snapshot may be a few requests out of step between fields, never torn.
 *
 * Without per_io_tasks thread i serves queue i only: one block per thread
 * (batch with as many threads as queues too; other batch spreads: as below).
 * With it, any thread may serve any queue: nr_queues * nr_threads blocks,
 * block = queue * nr_threads + thread.
 */
#ifndef UBLK_SERVER_STATS_H
#define UBLK_SERVER_STATS_H

#include <stdint.h>
#include <time.h>

#include "device.h"

#define STATS_MAGIC	0x326174736b6c6275ULL	/* "ublksta2" little-endian */
#define STATS_VERSION	3		/* 3: data_path_why */

enum stats_op {
	STATS_OP_READ,
	STATS_OP_WRITE,
	STATS_OP_FLUSH,
	STATS_OP_DISCARD,
	STATS_OP_WRITE_ZEROES,
	STATS_OP_OTHER,		/* refused by the server (-EOPNOTSUPP) */
	NR_STATS_OPS
};

/*
 * Latency histogram: log2 buckets of 1024 ns units. Bucket 0 holds
 * [0, 1024 ns), bucket b (b >= 1) [2^(b-1), 2^b) * 1024 ns; the last one
 * holds everything longer (> 2^30 * 1024 ns, about 18 minutes).
 */
#define STATS_LAT_SHIFT		10
#define NR_STATS_BUCKETS	32
enum { STATS_LAT_READ, STATS_LAT_WRITE, NR_STATS_LAT };

struct stats_block {
	uint32_t queue;			/* fixed at open */
	uint32_t thread;
	uint64_t started;		/* requests fetched (in flight = started - completed) */
	uint64_t requests[NR_STATS_OPS];	/* completed, errors included */
	uint64_t bytes[NR_STATS_OPS];		/* of the requests that succeeded */
	uint64_t errors[NR_STATS_OPS];
	uint64_t backend_errors;	/* errors the target completed supported ops with */
	uint64_t lat_sum_ns[NR_STATS_LAT];
	uint64_t lat[NR_STATS_LAT][NR_STATS_BUCKETS];
	uint64_t shmem_zc_hits;		/* requests served from shared memory (SHMEM_ZC) */
} __attribute__((aligned(64)));

#define STATS_NAME_LEN		64
#define STATS_TARGET_LEN	64
#define STATS_WORD_LEN		16
#define STATS_CONFIG_LEN	2048

struct stats_file {
	uint64_t magic;			/* written last at open */
	uint32_t version;
	uint32_t block_size;		/* sizeof(struct stats_block) */
	uint32_t nr_threads;
	uint32_t nr_queues;
	uint32_t nr_blocks;
	uint32_t queue_stride;		/* block = queue * queue_stride + thread */
	int32_t pid;			/* the daemon serving the device */
	int32_t dev_id;
	uint64_t recoveries;		/* daemons that re-attached to this device */
	uint64_t start_realtime_ns;	/* when this daemon started serving it */
	char name[STATS_NAME_LEN];	/* INI stanza name; "" from the command line */
	char target[STATS_TARGET_LEN];	/* the innermost layer */
	char layers[STATS_CONFIG_LEN / 8];	/* filters then target, outermost first: "a,b,null" */
	char data_path[STATS_WORD_LEN];	/* copy, get_data, user_copy, zero_copy, auto_zc */
	char recovery[STATS_WORD_LEN];	/* none, on, reissue, fail_io */
	char data_path_why[160];	/* "auto: kernel has AUTO_BUF_REG, ...", "set by -z" */
	char config[STATS_CONFIG_LEN];	/* the target's keys: "key=value\n"... */
	struct stats_block blocks[];
} __attribute__((aligned(64)));

/* Map the stats file; the IO threads count into it from their first request. */
int stats_open(struct device *dev);
/* Unmap; unlink too when the device goes away for good. */
void stats_close(struct device *dev, int unlink_file);
void stats_path(int dev_id, char *buf, size_t len);

/* ---- hot path: called once per request by its IO thread ---- */

#ifdef UBLK_NO_IO_STATS
/* Only for measuring what the counters cost (bench). */
static inline void stats_io_start(struct io_slot *io) { (void)io; }
static inline void stats_io_done(struct io_slot *io, int result) { (void)io; (void)result; }
static inline void stats_shmem_hit(struct io_slot *io) { (void)io; }
#else

static inline uint64_t stats_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static inline struct stats_block *stats_block_of(struct stats_file *s, const struct io_slot *io)
{
	return &s->blocks[io->req.q_id * s->queue_stride + io->thread->index];
}

/* Single writer: a plain increment published with a relaxed store. */
#define STATS_ADD(field, v) __atomic_store_n(&(field), (field) + (v), __ATOMIC_RELAXED)

static inline unsigned int stats_bucket(uint64_t ns)
{
	uint64_t units = ns >> STATS_LAT_SHIFT;
	unsigned int b = units ? 64 - (unsigned int)__builtin_clzll(units) : 0;

	return b < NR_STATS_BUCKETS ? b : NR_STATS_BUCKETS - 1;
}

/* The fetch CQE of a request arrived: io_start(). */
static inline void stats_io_start(struct io_slot *io)
{
	struct stats_file *s = io->dev->stats;
	struct stats_block *b;

	if (!s)
		return;
	b = stats_block_of(s, io);
	io->start_ns = stats_now_ns();
	STATS_ADD(b->started, 1);
}

/* The request's data is in a registered shared buffer: no copy, no registration. */
static inline void stats_shmem_hit(struct io_slot *io)
{
	struct stats_file *s = io->dev->stats;

	if (s)
		STATS_ADD(stats_block_of(s, io)->shmem_zc_hits, 1);
}

/* The result is about to be committed: io_complete(). */
static inline void stats_io_done(struct io_slot *io, int result)
{
	struct stats_file *s = io->dev->stats;
	unsigned int op = io->req.op, k;
	struct stats_block *b;
	uint64_t ns;

	if (!s)
		return;
	b = stats_block_of(s, io);
	/* UBLK_OP_*: read 0, write 1, flush 2, discard 3, write_zeroes 5. */
	k = op <= 3 ? op : op == 5 ? STATS_OP_WRITE_ZEROES : STATS_OP_OTHER;
	if (result < 0) {
		STATS_ADD(b->errors[k], 1);
		if (k != STATS_OP_OTHER)
			STATS_ADD(b->backend_errors, 1);
	} else {
		STATS_ADD(b->bytes[k], io->req.length);
	}
	if (k <= STATS_OP_WRITE) {
		ns = stats_now_ns() - io->start_ns;
		STATS_ADD(b->lat[k][stats_bucket(ns)], 1);
		STATS_ADD(b->lat_sum_ns[k], ns);
	}
	/* Release: a reader that loads requests first (acquire) sees the rest. */
	__atomic_store_n(&b->requests[k], b->requests[k] + 1, __ATOMIC_RELEASE);
}
#endif

#endif
