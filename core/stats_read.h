/* SPDX-License-Identifier: MIT */
/*
 * Reading the stats files (stats.h) from another process: a snapshot of one
 * device's counters, summed over its blocks, per device, queue and thread.
 */
#ifndef UBLK_SERVER_STATS_READ_H
#define UBLK_SERVER_STATS_READ_H

#include "stats.h"

struct stats_snapshot {
	struct stats_file hdr;		/* the header, copied (no blocks) */
	uint64_t taken_ns;		/* CLOCK_MONOTONIC when it was read */
	int alive;			/* the daemon (hdr.pid) still runs */
	struct stats_block total;	/* every block summed (queue/thread unused) */
	struct stats_block *queues;	/* hdr.nr_queues sums */
	struct stats_block *threads;	/* hdr.nr_threads sums */
};

/* Read RUN_DIR/devN.stats: 0, -ENOENT (none), -EINVAL (not one) or -errno. */
int stats_snapshot_read(int dev_id, struct stats_snapshot *snap);
void stats_snapshot_free(struct stats_snapshot *snap);

/* Ids that have a stats file in the run dir, ascending; returns how many. */
int stats_list_ids(int *ids, int max);

/* Sums of a block's per-op arrays. */
uint64_t stats_sum_requests(const struct stats_block *b);
uint64_t stats_sum_bytes(const struct stats_block *b);
uint64_t stats_sum_errors(const struct stats_block *b);
/* started - completed; never negative. */
uint64_t stats_in_flight(const struct stats_block *b);

/* "data0" (stanza name) or "ublkb3" (command line devices). */
void stats_device_label(const struct stats_snapshot *s, char *buf, size_t len);

/* Upper bound of histogram bucket b in ns (the last is unbounded). */
static inline uint64_t stats_bucket_upper_ns(unsigned int b)
{
	return (1ULL << b) << STATS_LAT_SHIFT;
}

#endif
