// SPDX-License-Identifier: MIT
/*
 * `ublk-server stats [-n ID] [--json] [--watch [SECS]] [--prometheus] [--threads]`:
 * the counters of the stats files (stats.h) as an iostat-like table, JSON
 * (one document, or one line per interval with --watch), the Prometheus text
 * exposition, or the requests of each IO thread.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "log.h"
#include "parse.h"
#include "run_dir.h"
#include "stats_export.h"

#define MAX_STATS_DEVS	256

struct stats_opts {
	int dev_id;		/* -1: every device */
	int json;
	int prometheus;
	int threads;
	double watch;		/* seconds; 0: once */
};

static int parse_stats_args(struct stats_opts *o, int argc, char **argv)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->dev_id = -1;
	for (i = 2; i < argc; i++) {
		const char *a = argv[i];
		uint64_t v;

		if (!strcmp(a, "-n") || !strcmp(a, "--number")) {
			if (i + 1 >= argc || parse_uint_range(argv[i + 1], 0, 1U << 20, &v)) {
				log_error("%s: needs a device id", a);
				return -1;
			}
			o->dev_id = (int)v;
			i++;
		} else if (!strcmp(a, "--json")) {
			o->json = 1;
		} else if (!strcmp(a, "--prometheus")) {
			o->prometheus = 1;
		} else if (!strcmp(a, "--threads")) {
			o->threads = 1;
		} else if (!strcmp(a, "--watch")) {
			o->watch = 1;
			/* The interval is optional: a number right after. */
			if (i + 1 < argc && argv[i + 1][0] != '-') {
				char *end;
				double s = strtod(argv[i + 1], &end);

				if (*end || !(s >= 0.1 && s <= 86400)) {
					log_error("--watch: '%s' is not an interval in seconds (0.1 to 86400)",
						  argv[i + 1]);
					return -1;
				}
				o->watch = s;
				i++;
			}
		} else if (!strcmp(a, "--run-dir")) {
			if (i + 1 >= argc) {
				log_error("--run-dir needs a value");
				return -1;
			}
			run_dir_set(argv[++i]);
		} else if (!strncmp(a, "--run-dir=", 10)) {
			run_dir_set(a + 10);
		} else {
			log_error("stats: unknown option '%s' (known: -n ID, --json, --watch [SECS], --prometheus, --threads, --run-dir DIR)",
				  a);
			return -1;
		}
	}
	if (o->json + o->prometheus + o->threads > 1) {
		log_error("stats: --json, --prometheus and --threads exclude each other");
		return -1;
	}
	if (o->watch && (o->prometheus || o->threads)) {
		log_error("stats: --watch goes with the table or --json");
		return -1;
	}
	return 0;
}

/* Snapshots of the selected devices; returns how many, or -1 after logging. */
static int read_all(const struct stats_opts *o, struct stats_snapshot *snaps, int max)
{
	int ids[MAX_STATS_DEVS], n, i, got = 0, ret;

	if (o->dev_id >= 0) {
		ret = stats_snapshot_read(o->dev_id, &snaps[0]);
		if (ret < 0) {
			log_error("device %d: no statistics in %s: %s", o->dev_id, run_dir_get(),
				  ret == -EINVAL ? "not a stats file of this version" :
				  strerror(-ret));
			return -1;
		}
		return 1;
	}
	n = stats_list_ids(ids, max < MAX_STATS_DEVS ? max : MAX_STATS_DEVS);
	for (i = 0; i < n; i++)
		if (stats_snapshot_read(ids[i], &snaps[got]) == 0)
			got++;
	return got;
}

static void free_all(struct stats_snapshot *snaps, int n)
{
	int i;

	for (i = 0; i < n; i++)
		stats_snapshot_free(&snaps[i]);
}

static const struct stats_snapshot *find_prev(const struct stats_snapshot *prev, int nprev,
					      int dev_id)
{
	int i;

	for (i = 0; i < nprev; i++)
		if (prev[i].hdr.dev_id == dev_id)
			return &prev[i];
	return NULL;
}

static void print_table(const struct stats_snapshot *snaps, int n,
			const struct stats_snapshot *prev, int nprev, int first)
{
	char when[32], label[STATS_NAME_LEN + 16];
	time_t now = time(NULL);
	struct tm tm;
	int i;

	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%s  %s\n", when, first ? "(since each daemon started)" : "");
	printf("%-16s %4s %10s %9s %9s %9s %9s %9s %9s %8s %8s\n", "DEVICE", "ID", "IOPS", "r/s",
	       "w/s", "MB/s", "avg_us", "p50_us", "p99_us", "inflight", "errors");
	for (i = 0; i < n; i++) {
		struct stats_rates r;

		stats_rates(&snaps[i], first ? NULL : find_prev(prev, nprev, snaps[i].hdr.dev_id),
			    &r);
		stats_device_label(&snaps[i], label, sizeof(label));
		printf("%-16s %4d %10.1f %9.1f %9.1f %9.2f %9.1f %9.1f %9.1f %8llu %8llu%s\n", label,
		       snaps[i].hdr.dev_id, r.iops, r.read_iops, r.write_iops, r.mb_s, r.avg_us,
		       r.p50_us, r.p99_us, (unsigned long long)r.in_flight,
		       (unsigned long long)r.errors, snaps[i].alive ? "" : "  (daemon gone)");
	}
}

static int print_json(const struct stats_snapshot *snaps, int n,
		      const struct stats_snapshot *prev, int nprev, int one_line)
{
	struct json_object *root = json_object_new_object(), *arr = json_object_new_array();
	int i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, stats_to_json(&snaps[i],
					find_prev(prev, nprev, snaps[i].hdr.dev_id)));
	json_object_object_add(root, "time", json_object_new_double((double)time(NULL)));
	json_object_object_add(root, "devices", arr);
	puts(json_object_to_json_string_ext(root, one_line ? JSON_C_TO_STRING_PLAIN :
					    JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return 0;
}

static void print_threads(const struct stats_snapshot *snaps, int n)
{
	unsigned int t;
	int i;

	for (i = 0; i < n; i++) {
		printf("dev id %d: daemon pid %d threads %u\n", snaps[i].hdr.dev_id,
		       snaps[i].hdr.pid, snaps[i].hdr.nr_threads);
		for (t = 0; t < snaps[i].hdr.nr_threads; t++)
			printf("\tthread %u: requests %llu\n", t,
			       (unsigned long long)stats_sum_requests(&snaps[i].threads[t]));
	}
}

static void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - floor(s)) * 1e9) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int cmd_stats(int argc, char **argv)
{
	static struct stats_snapshot a[MAX_STATS_DEVS], b[MAX_STATS_DEVS];
	struct stats_snapshot *cur = a, *prev = b, *tmp;
	int n, nprev = 0, first = 1, tty = isatty(1);
	struct stats_opts o;

	if (parse_stats_args(&o, argc, argv))
		return 1;
	for (;;) {
		n = read_all(&o, cur, MAX_STATS_DEVS);
		if (n < 0) {
			free_all(prev, nprev);
			return 1;
		}
		if (o.prometheus) {
			stats_write_prometheus(stdout, cur, (unsigned int)n);
		} else if (o.threads) {
			print_threads(cur, n);
		} else if (o.json) {
			print_json(cur, n, first ? NULL : prev, first ? 0 : nprev, o.watch > 0);
		} else {
			/* In place: home and clear, like watch(1), on a terminal. */
			if (o.watch && tty)
				fputs("\033[H\033[2J", stdout);
			print_table(cur, n, prev, nprev, first);
		}
		fflush(stdout);
		free_all(prev, nprev);
		if (!o.watch) {
			free_all(cur, n);
			return 0;
		}
		tmp = prev;
		prev = cur;
		cur = tmp;
		nprev = n;
		first = 0;
		sleep_seconds(o.watch);
	}
}
