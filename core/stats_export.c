// SPDX-License-Identifier: MIT
#include <string.h>
#include <time.h>

#include "stats_export.h"

const char *const stats_op_names[NR_STATS_OPS] = {
	[STATS_OP_READ] = "read", [STATS_OP_WRITE] = "write", [STATS_OP_FLUSH] = "flush",
	[STATS_OP_DISCARD] = "discard", [STATS_OP_WRITE_ZEROES] = "write_zeroes",
	[STATS_OP_OTHER] = "other",
};

static const char *const lat_names[NR_STATS_LAT] = { "read", "write" };

/* Value at quantile q of a log2 histogram, interpolated inside its bucket. */
static double hist_quantile_ns(const uint64_t *h, double q)
{
	uint64_t total = 0, cum = 0;
	unsigned int b;
	double want;

	for (b = 0; b < NR_STATS_BUCKETS; b++)
		total += h[b];
	if (!total)
		return 0;
	want = q * (double)total;
	for (b = 0; b < NR_STATS_BUCKETS; b++) {
		double lo = b ? (double)stats_bucket_upper_ns(b - 1) : 0;
		double hi = b + 1 < NR_STATS_BUCKETS ? (double)stats_bucket_upper_ns(b) : lo * 2;

		if (h[b] && (double)(cum + h[b]) >= want)
			return lo + (hi - lo) * (want - (double)cum) / (double)h[b];
		cum += h[b];
	}
	return (double)stats_bucket_upper_ns(NR_STATS_BUCKETS - 1);
}

static uint64_t sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

void stats_rates(const struct stats_snapshot *s, const struct stats_snapshot *prev,
		 struct stats_rates *r)
{
	const struct stats_block *now = &s->total, *was = NULL;
	uint64_t hist[NR_STATS_BUCKETS], lat_n = 0, lat_sum = 0, rd, wr, all;
	unsigned int b, k;

	memset(r, 0, sizeof(*r));
	if (prev && prev->hdr.pid == s->hdr.pid && prev->hdr.start_realtime_ns ==
	    s->hdr.start_realtime_ns && s->taken_ns > prev->taken_ns) {
		was = &prev->total;
		r->seconds = (double)(s->taken_ns - prev->taken_ns) / 1e9;
	} else {
		struct timespec ts;
		uint64_t real;

		clock_gettime(CLOCK_REALTIME, &ts);
		real = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
		r->seconds = (double)sub(real, s->hdr.start_realtime_ns) / 1e9;
	}
#define D(field) (was ? sub(now->field, was->field) : now->field)
	rd = D(requests[STATS_OP_READ]);
	wr = D(requests[STATS_OP_WRITE]);
	all = 0;
	for (k = 0; k < NR_STATS_OPS; k++) {
		all += D(requests[k]);
		r->errors += D(errors[k]);
	}
	for (b = 0; b < NR_STATS_BUCKETS; b++) {
		hist[b] = 0;
		for (k = 0; k < NR_STATS_LAT; k++)
			hist[b] += D(lat[k][b]);
		lat_n += hist[b];
	}
	for (k = 0; k < NR_STATS_LAT; k++)
		lat_sum += D(lat_sum_ns[k]);
	if (r->seconds > 0) {
		r->iops = (double)all / r->seconds;
		r->read_iops = (double)rd / r->seconds;
		r->write_iops = (double)wr / r->seconds;
		r->read_mb_s = (double)D(bytes[STATS_OP_READ]) / 1e6 / r->seconds;
		r->write_mb_s = (double)D(bytes[STATS_OP_WRITE]) / 1e6 / r->seconds;
		r->mb_s = r->read_mb_s + r->write_mb_s;
	}
#undef D
	if (lat_n) {
		r->avg_us = (double)lat_sum / (double)lat_n / 1e3;
		r->p50_us = hist_quantile_ns(hist, 0.50) / 1e3;
		r->p99_us = hist_quantile_ns(hist, 0.99) / 1e3;
	}
	r->in_flight = stats_in_flight(now);
}

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

static struct json_object *per_op(const uint64_t *v)
{
	struct json_object *o = json_object_new_object();
	unsigned int k;

	for (k = 0; k < NR_STATS_OPS; k++)
		json_object_object_add(o, stats_op_names[k], json_u64(v[k]));
	return o;
}

static struct json_object *latency_json(const struct stats_block *t)
{
	struct json_object *lat = json_object_new_object();
	unsigned int k, b;

	for (k = 0; k < NR_STATS_LAT; k++) {
		struct json_object *h = json_object_new_object();
		struct json_object *buckets = json_object_new_array();
		uint64_t count = 0;

		for (b = 0; b < NR_STATS_BUCKETS; b++) {
			struct json_object *e = json_object_new_object();

			/* Not cumulative; the last bucket has no upper bound (null). */
			json_object_object_add(e, "le_ns", b + 1 < NR_STATS_BUCKETS ?
					       json_u64(stats_bucket_upper_ns(b)) : NULL);
			json_object_object_add(e, "count", json_u64(t->lat[k][b]));
			json_object_array_add(buckets, e);
			count += t->lat[k][b];
		}
		json_object_object_add(h, "count", json_u64(count));
		json_object_object_add(h, "sum_ns", json_u64(t->lat_sum_ns[k]));
		json_object_object_add(h, "buckets", buckets);
		json_object_object_add(lat, lat_names[k], h);
	}
	return lat;
}

struct json_object *stats_layers_json(const char *text)
{
	struct json_object *arr = json_object_new_array();
	const char *p = text;

	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		json_object_array_add(arr, json_object_new_string_len(p, (int)len));
		p += len + (comma != NULL);
	}
	return arr;
}

struct json_object *stats_config_json(const char *text)
{
	struct json_object *o = json_object_new_object();
	const char *line = text;

	/* "key=value\n" lines; a key that repeats (stripe's file) becomes an array. */
	while (*line) {
		const char *nl = strchr(line, '\n'), *eq = strchr(line, '=');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		struct json_object *old;
		char key[256];

		if (eq && eq < line + len && (size_t)(eq - line) < sizeof(key)) {
			struct json_object *val = json_object_new_string_len(eq + 1,
							(int)(line + len - eq - 1));

			snprintf(key, sizeof(key), "%.*s", (int)(eq - line), line);
			if (!json_object_object_get_ex(o, key, &old)) {
				json_object_object_add(o, key, val);
			} else if (json_object_is_type(old, json_type_array)) {
				json_object_array_add(old, val);
			} else {
				struct json_object *arr = json_object_new_array();

				json_object_array_add(arr, json_object_get(old));
				json_object_array_add(arr, val);
				json_object_object_add(o, key, arr);
			}
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	return o;
}

struct json_object *stats_to_json(const struct stats_snapshot *s,
				  const struct stats_snapshot *prev)
{
	const struct stats_block *t = &s->total;
	struct json_object *o = json_object_new_object(), *arr, *iv;
	struct stats_rates r;
	char label[STATS_NAME_LEN + 16];
	unsigned int i;

	stats_device_label(s, label, sizeof(label));
	json_object_object_add(o, "dev_id", json_object_new_int(s->hdr.dev_id));
	json_object_object_add(o, "device", json_object_new_string(label));
	json_object_object_add(o, "name", s->hdr.name[0] ?
			       json_object_new_string(s->hdr.name) : NULL);
	json_object_object_add(o, "pid", json_object_new_int(s->hdr.pid));
	json_object_object_add(o, "alive", json_object_new_boolean(s->alive));
	json_object_object_add(o, "target", json_object_new_string(s->hdr.target));
	json_object_object_add(o, "layers", stats_layers_json(s->hdr.layers));
	json_object_object_add(o, "config", stats_config_json(s->hdr.config));
	json_object_object_add(o, "data_path", json_object_new_string(s->hdr.data_path));
	json_object_object_add(o, "recovery", json_object_new_string(s->hdr.recovery));
	json_object_object_add(o, "recoveries", json_u64(s->hdr.recoveries));
	json_object_object_add(o, "start_time",
			       json_object_new_double((double)s->hdr.start_realtime_ns / 1e9));
	json_object_object_add(o, "nr_queues", json_object_new_int((int)s->hdr.nr_queues));
	json_object_object_add(o, "nr_threads", json_object_new_int((int)s->hdr.nr_threads));
	json_object_object_add(o, "requests", per_op(t->requests));
	json_object_object_add(o, "bytes", per_op(t->bytes));
	json_object_object_add(o, "errors", per_op(t->errors));
	json_object_object_add(o, "backend_errors", json_u64(t->backend_errors));
	json_object_object_add(o, "shmem_zc_hits", json_u64(t->shmem_zc_hits));
	json_object_object_add(o, "in_flight", json_u64(stats_in_flight(t)));
	json_object_object_add(o, "latency", latency_json(t));

	stats_rates(s, prev, &r);
	iv = json_object_new_object();
	json_object_object_add(iv, "seconds", json_object_new_double(r.seconds));
	json_object_object_add(iv, "iops", json_object_new_double(r.iops));
	json_object_object_add(iv, "read_iops", json_object_new_double(r.read_iops));
	json_object_object_add(iv, "write_iops", json_object_new_double(r.write_iops));
	json_object_object_add(iv, "mb_s", json_object_new_double(r.mb_s));
	json_object_object_add(iv, "read_mb_s", json_object_new_double(r.read_mb_s));
	json_object_object_add(iv, "write_mb_s", json_object_new_double(r.write_mb_s));
	json_object_object_add(iv, "avg_us", json_object_new_double(r.avg_us));
	json_object_object_add(iv, "p50_us", json_object_new_double(r.p50_us));
	json_object_object_add(iv, "p99_us", json_object_new_double(r.p99_us));
	json_object_object_add(iv, "errors", json_u64(r.errors));
	json_object_object_add(o, "interval", iv);

	arr = json_object_new_array();
	for (i = 0; i < s->hdr.nr_queues; i++) {
		struct json_object *q = json_object_new_object();

		json_object_object_add(q, "queue", json_object_new_int((int)i));
		json_object_object_add(q, "requests", json_u64(stats_sum_requests(&s->queues[i])));
		json_object_object_add(q, "bytes", json_u64(stats_sum_bytes(&s->queues[i])));
		json_object_object_add(q, "errors", json_u64(stats_sum_errors(&s->queues[i])));
		json_object_object_add(q, "in_flight", json_u64(stats_in_flight(&s->queues[i])));
		json_object_array_add(arr, q);
	}
	json_object_object_add(o, "queues", arr);
	arr = json_object_new_array();
	for (i = 0; i < s->hdr.nr_threads; i++) {
		struct json_object *th = json_object_new_object();

		json_object_object_add(th, "thread", json_object_new_int((int)i));
		json_object_object_add(th, "requests",
				       json_u64(stats_sum_requests(&s->threads[i])));
		json_object_array_add(arr, th);
	}
	json_object_object_add(o, "threads", arr);
	return o;
}

/* A label value: backslash, double quote and newline escaped. */
static void put_label(FILE *out, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else
			fputc(*v, out);
	}
}

static void put_dev_labels(FILE *out, const struct stats_snapshot *s)
{
	char label[STATS_NAME_LEN + 16];

	stats_device_label(s, label, sizeof(label));
	fputs("device=\"", out);
	put_label(out, label);
	fprintf(out, "\",dev_id=\"%d\"", s->hdr.dev_id);
}

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One counter per device and op. */
static void per_op_family(FILE *out, const struct stats_snapshot *snaps, unsigned int n,
			  const char *name, const char *help, size_t field)
{
	unsigned int i, k;

	head(out, name, "counter", help);
	for (i = 0; i < n; i++) {
		const uint64_t *v = (const uint64_t *)((const char *)&snaps[i].total + field);

		for (k = 0; k < NR_STATS_OPS; k++) {
			fprintf(out, "%s{", name);
			put_dev_labels(out, &snaps[i]);
			fprintf(out, ",op=\"%s\"} %llu\n", stats_op_names[k],
				(unsigned long long)v[k]);
		}
	}
}

void stats_write_prometheus(FILE *out, const struct stats_snapshot *snaps, unsigned int n)
{
	unsigned int i, k, b, q;

	head(out, "ublk_device_info", "gauge",
	     "A ublk device served by ublk-server (value 1), with its target and modes.");
	for (i = 0; i < n; i++) {
		fputs("ublk_device_info{", out);
		put_dev_labels(out, &snaps[i]);
		fputs(",target=\"", out);
		put_label(out, snaps[i].hdr.target);
		fprintf(out, "\",data_path=\"%s\",recovery=\"%s\",pid=\"%d\"} 1\n",
			snaps[i].hdr.data_path, snaps[i].hdr.recovery, snaps[i].hdr.pid);
	}
	head(out, "ublk_start_time_seconds", "gauge",
	     "When the current daemon started serving the device (Unix time).");
	for (i = 0; i < n; i++) {
		fputs("ublk_start_time_seconds{", out);
		put_dev_labels(out, &snaps[i]);
		fprintf(out, "} %.3f\n", (double)snaps[i].hdr.start_realtime_ns / 1e9);
	}
	per_op_family(out, snaps, n, "ublk_requests_total",
		      "Requests completed, errors included, by operation.",
		      offsetof(struct stats_block, requests));
	per_op_family(out, snaps, n, "ublk_bytes_total",
		      "Bytes of the requests completed successfully, by operation.",
		      offsetof(struct stats_block, bytes));
	per_op_family(out, snaps, n, "ublk_errors_total",
		      "Requests completed with an error, by operation.",
		      offsetof(struct stats_block, errors));
	head(out, "ublk_backend_errors_total", "counter",
	     "Errors the target completed requests with.");
	for (i = 0; i < n; i++) {
		fputs("ublk_backend_errors_total{", out);
		put_dev_labels(out, &snaps[i]);
		fprintf(out, "} %llu\n", (unsigned long long)snaps[i].total.backend_errors);
	}
	head(out, "ublk_requests_in_flight", "gauge",
	     "Requests fetched from the kernel and not yet committed.");
	for (i = 0; i < n; i++) {
		fputs("ublk_requests_in_flight{", out);
		put_dev_labels(out, &snaps[i]);
		fprintf(out, "} %llu\n", (unsigned long long)stats_in_flight(&snaps[i].total));
	}
	head(out, "ublk_recoveries_total", "counter",
	     "Daemons that re-attached to the device after its daemon died or left.");
	for (i = 0; i < n; i++) {
		fputs("ublk_recoveries_total{", out);
		put_dev_labels(out, &snaps[i]);
		fprintf(out, "} %llu\n", (unsigned long long)snaps[i].hdr.recoveries);
	}
	head(out, "ublk_queue_requests_total", "counter", "Requests completed, by hardware queue.");
	for (i = 0; i < n; i++) {
		for (q = 0; q < snaps[i].hdr.nr_queues; q++) {
			fputs("ublk_queue_requests_total{", out);
			put_dev_labels(out, &snaps[i]);
			fprintf(out, ",queue=\"%u\"} %llu\n", q,
				(unsigned long long)stats_sum_requests(&snaps[i].queues[q]));
		}
	}
	head(out, "ublk_queue_requests_in_flight", "gauge", "Requests in flight, by hardware queue.");
	for (i = 0; i < n; i++) {
		for (q = 0; q < snaps[i].hdr.nr_queues; q++) {
			fputs("ublk_queue_requests_in_flight{", out);
			put_dev_labels(out, &snaps[i]);
			fprintf(out, ",queue=\"%u\"} %llu\n", q,
				(unsigned long long)stats_in_flight(&snaps[i].queues[q]));
		}
	}
	head(out, "ublk_request_duration_seconds", "histogram",
	     "Time from the fetch of a request to the commit of its result.");
	for (i = 0; i < n; i++) {
		const struct stats_block *t = &snaps[i].total;

		for (k = 0; k < NR_STATS_LAT; k++) {
			uint64_t cum = 0;

			for (b = 0; b < NR_STATS_BUCKETS; b++) {
				cum += t->lat[k][b];
				fputs("ublk_request_duration_seconds_bucket{", out);
				put_dev_labels(out, &snaps[i]);
				if (b + 1 < NR_STATS_BUCKETS)
					fprintf(out, ",op=\"%s\",le=\"%.9g\"} %llu\n", lat_names[k],
						(double)stats_bucket_upper_ns(b) / 1e9,
						(unsigned long long)cum);
				else
					fprintf(out, ",op=\"%s\",le=\"+Inf\"} %llu\n", lat_names[k],
						(unsigned long long)cum);
			}
			fputs("ublk_request_duration_seconds_sum{", out);
			put_dev_labels(out, &snaps[i]);
			fprintf(out, ",op=\"%s\"} %.9f\n", lat_names[k],
				(double)t->lat_sum_ns[k] / 1e9);
			fputs("ublk_request_duration_seconds_count{", out);
			put_dev_labels(out, &snaps[i]);
			fprintf(out, ",op=\"%s\"} %llu\n", lat_names[k], (unsigned long long)cum);
		}
	}
}
