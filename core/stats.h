/* SPDX-License-Identifier: MIT */
/*
 * Per-device statistics that cost nothing on the hot path: each IO thread
 * counts into its own slot of a small shared file, RUN_DIR/devN.stats, which
 * `ublk-server stats -n N` reads while the daemon runs.
 */
#ifndef UBLK_SERVER_STATS_H
#define UBLK_SERVER_STATS_H

#include <stdint.h>

#define STATS_MAGIC	0x75626c6b73746174ULL	/* "ublkstat" */

struct stats_file {
	uint64_t magic;
	uint32_t nr_threads;
	int32_t pid;
	uint64_t requests[];		/* requests completed, per IO thread */
};

struct device;

/* Map the stats file and point every IO thread's counter into it. */
int stats_open(struct device *dev);
/* Unmap; unlink too when the device goes away for good. */
void stats_close(struct device *dev, int unlink_file);
/* Print the counters of device dev_id; 0 or -errno. */
int stats_print(int dev_id);

#endif
