/* SPDX-License-Identifier: MIT */
/*
 * Stats snapshots (stats_read.h) as operators read them: interval rates
 * (the iostat-like view), JSON (json-c) and the Prometheus text exposition.
 */
#ifndef UBLK_SERVER_STATS_EXPORT_H
#define UBLK_SERVER_STATS_EXPORT_H

#include <stdio.h>
#include <json-c/json.h>

#include "stats_read.h"

extern const char *const stats_op_names[NR_STATS_OPS];

struct stats_rates {
	double seconds;			/* the interval */
	double iops, read_iops, write_iops;
	double mb_s, read_mb_s, write_mb_s;	/* 10^6 bytes per second */
	double avg_us, p50_us, p99_us;	/* reads and writes; 0 without any */
	uint64_t errors;		/* in the interval */
	uint64_t in_flight;		/* now */
};

/*
 * Rates between prev and s; prev NULL (or of another daemon): since the
 * daemon started serving the device.
 */
void stats_rates(const struct stats_snapshot *s, const struct stats_snapshot *prev,
		 struct stats_rates *r);

/* One device: identity, totals, latency histograms, queues, threads, rates. */
struct json_object *stats_to_json(const struct stats_snapshot *s,
				  const struct stats_snapshot *prev);

/* The target's keys ("key=value\n" lines) as an object; a repeated key is an array. */
struct json_object *stats_config_json(const char *text);
/* The layer chain ("filter,target") as an array, outermost first. */
struct json_object *stats_layers_json(const char *text);

/* The text exposition (version 0.0.4) of n devices. */
void stats_write_prometheus(FILE *out, const struct stats_snapshot *snaps, unsigned int n);

#endif
