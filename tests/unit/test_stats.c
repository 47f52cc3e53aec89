// SPDX-License-Identifier: MIT
/*
 * The stats file end to end without a kernel: stats_open() on a made-up
 * device, requests counted through the two hot path calls, read back by
 * stats_snapshot_read(); bucket bounds, quantiles, target keys as JSON and
 * the Prometheus histogram lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev_config.h"
#include "run_dir.h"
#include "stats_export.h"
#include "unit.h"

static void test_buckets(void)
{
	uint64_t ns;
	unsigned int b;

	CHECK(stats_bucket(0) == 0);
	CHECK(stats_bucket(1023) == 0);
	CHECK(stats_bucket(1024) == 1);
	CHECK(stats_bucket(2047) == 1);
	CHECK(stats_bucket(2048) == 2);
	CHECK(stats_bucket(~0ULL) == NR_STATS_BUCKETS - 1);
	/* Every value lies below its bucket's upper bound and at or above the previous one's. */
	for (ns = 1; ns < (1ULL << 40); ns = ns * 3 + 7) {
		b = stats_bucket(ns);
		if (b + 1 < NR_STATS_BUCKETS)
			CHECK(ns < stats_bucket_upper_ns(b));
		if (b)
			CHECK(ns >= stats_bucket_upper_ns(b - 1));
	}
}

static void test_file(void)
{
	char dir[] = "/tmp/test_stats.XXXXXX";
	struct io_thread threads[2];
	struct stats_snapshot snap;
	struct io_slot io[4];
	struct dev_config cfg;
	struct device dev;
	struct stats_rates r;
	struct json_object *j, *v;
	unsigned int i;

	CHECK(mkdtemp(dir) != NULL);
	run_dir_set(dir);
	dev_config_init(&cfg);
	cfg.name = strdup("data0");
	cfg.target = strdup("loop");
	CHECK(dev_config_set(&cfg, "file", "/a.img", "test") == 0);
	CHECK(dev_config_set(&cfg, "file", "/b.img", "test") == 0);
	memset(&dev, 0, sizeof(dev));
	memset(threads, 0, sizeof(threads));
	dev.cfg = &cfg;
	dev.dev_id = 7;
	dev.added = 1;
	dev.nr_threads = 2;
	dev.threads = threads;
	dev.info.nr_hw_queues = 2;
	dev.data_path = DATA_USER_COPY;
	for (i = 0; i < 2; i++) {
		threads[i].dev = &dev;
		threads[i].index = i;
	}
	CHECK(stats_open(&dev) == 0);

	memset(io, 0, sizeof(io));
	for (i = 0; i < 4; i++) {
		io[i].dev = &dev;
		io[i].thread = &threads[i % 2];
		io[i].req.q_id = (uint16_t)(i % 2);
	}
	/* 3 reads of 4k on queue 0, one failed; a 64k write on queue 1; a flush in flight. */
	for (i = 0; i < 3; i++) {
		io[0].req.op = UBLK_OP_READ;
		io[0].req.length = 4096;
		stats_io_start(&io[0]);
		stats_io_done(&io[0], i == 2 ? -5 : 4096);
	}
	io[1].req.op = UBLK_OP_WRITE;
	io[1].req.length = 65536;
	stats_io_start(&io[1]);
	stats_io_done(&io[1], 65536);
	io[3].req.op = UBLK_OP_FLUSH;
	stats_io_start(&io[3]);

	CHECK(stats_snapshot_read(7, &snap) == 0);
	CHECK(snap.hdr.pid == getpid());
	CHECK(!strcmp(snap.hdr.name, "data0"));
	CHECK(!strcmp(snap.hdr.data_path, "user_copy"));
	CHECK(!strcmp(snap.hdr.recovery, "none"));
	CHECK(snap.total.requests[STATS_OP_READ] == 3);
	CHECK(snap.total.bytes[STATS_OP_READ] == 8192);
	CHECK(snap.total.errors[STATS_OP_READ] == 1);
	CHECK(snap.total.backend_errors == 1);
	CHECK(snap.total.requests[STATS_OP_WRITE] == 1);
	CHECK(snap.total.bytes[STATS_OP_WRITE] == 65536);
	CHECK(stats_in_flight(&snap.total) == 1);
	CHECK(stats_sum_requests(&snap.queues[0]) == 3);
	CHECK(stats_sum_requests(&snap.queues[1]) == 1);
	CHECK(stats_in_flight(&snap.queues[1]) == 1);
	stats_rates(&snap, NULL, &r);
	CHECK(r.errors == 1 && r.in_flight == 1);

	j = stats_to_json(&snap, NULL);
	CHECK(json_object_object_get_ex(j, "config", &v));
	CHECK(json_object_object_get_ex(v, "file", &v) && json_object_is_type(v, json_type_array) &&
	      json_object_array_length(v) == 2);
	CHECK(json_object_object_get_ex(j, "latency", &v) &&
	      json_object_object_get_ex(v, "read", &v) &&
	      json_object_object_get_ex(v, "count", &v) && json_object_get_int(v) == 3);
	json_object_put(j);
	stats_snapshot_free(&snap);

	stats_close(&dev, 1);
	CHECK(stats_snapshot_read(7, &snap) == -ENOENT);
	rmdir(dir);
	dev_config_free(&cfg);
}

static void test_quantiles_and_exposition(void)
{
	struct stats_snapshot s;
	struct stats_block q[1], t[1];
	struct stats_rates r;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	memset(&s, 0, sizeof(s));
	memset(q, 0, sizeof(q));
	memset(t, 0, sizeof(t));
	s.hdr.nr_queues = s.hdr.nr_threads = 1;
	s.queues = q;
	s.threads = t;
	s.hdr.start_realtime_ns = 1;
	strcpy(s.hdr.name, "a\"b");
	/* 90 reads in [4, 8) us, 10 in [64, 128) us. */
	s.total.lat[STATS_LAT_READ][3] = 90;
	s.total.lat[STATS_LAT_READ][7] = 10;
	s.total.requests[STATS_OP_READ] = 100;
	stats_rates(&s, NULL, &r);
	CHECK(r.p50_us >= 4.096 && r.p50_us < 8.192);
	CHECK(r.p99_us >= 65.536 && r.p99_us < 131.072);

	out = open_memstream(&buf, &len);
	stats_write_prometheus(out, &s, 1);
	fclose(out);
	CHECK(strstr(buf, "ublk_request_duration_seconds_bucket{device=\"a\\\"b\",dev_id=\"0\",op=\"read\",le=\"8.192e-06\"} 90\n") != NULL);
	CHECK(strstr(buf, "ublk_request_duration_seconds_bucket{device=\"a\\\"b\",dev_id=\"0\",op=\"read\",le=\"+Inf\"} 100\n") != NULL);
	CHECK(strstr(buf, "ublk_request_duration_seconds_count{device=\"a\\\"b\",dev_id=\"0\",op=\"read\"} 100\n") != NULL);
	CHECK(strstr(buf, "# TYPE ublk_requests_total counter\n") != NULL);
	free(buf);
}

/* --bench: ns per request of stats_io_start + stats_io_done (bench/stats-cost). */
static int bench(void)
{
	char dir[] = "/tmp/test_stats.XXXXXX";
	struct io_thread thread;
	struct dev_config cfg;
	struct device dev;
	struct io_slot io;
	struct timespec a, b;
	unsigned int i, n = 2000000;

	if (!mkdtemp(dir))
		return 1;
	run_dir_set(dir);
	dev_config_init(&cfg);
	memset(&dev, 0, sizeof(dev));
	memset(&thread, 0, sizeof(thread));
	memset(&io, 0, sizeof(io));
	dev.cfg = &cfg;
	dev.dev_id = 1;
	dev.added = 1;
	dev.nr_threads = 1;
	dev.threads = &thread;
	dev.info.nr_hw_queues = 1;
	thread.dev = &dev;
	io.dev = &dev;
	io.thread = &thread;
	io.req.length = 4096;
	if (stats_open(&dev))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < n; i++) {
		io.req.op = (uint8_t)(i & 1);
		stats_io_start(&io);
		stats_io_done(&io, 4096);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("stats_io_start + stats_io_done: %.1f ns per request\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n);
	stats_close(&dev, 1);
	rmdir(dir);
	dev_config_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--bench"))
		return bench();
	test_buckets();
	test_file();
	test_quantiles_and_exposition();
	return UNIT_RESULT();
}
