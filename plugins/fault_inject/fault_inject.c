// SPDX-License-Identifier: MIT
/*
 * fault_inject: a filter that injects delays, errors and daemon death into
 * the requests going down to the layers below it (any target, or another
 * filter): `--filter fault_inject -t loop ...` or `filters = fault_inject`.
 *
 * On each request:
 *   die_after reached  -> SIGKILL to the daemon (for recovery tests)
 *   delay_us           -> a timer SQE first; the request goes on from io_done
 *   error selected     -> ublk_complete(req, -errno): the layers below never
 *                         see it
 *   else               -> ublk_next_queue_io(req)
 * Completions pass back up unchanged (no complete() callback). It never
 * touches request data, so zero copy passes through it.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <ublk/plugin.h>

#define FI_CK_DELAY	1

/* Per request (zeroed by the host for each one). */
struct fi_req {
	struct __kernel_timespec ts;	/* the delay timer's, read by the kernel at submit */
	int counted;			/* die_after counted it (queue_io may run twice) */
};

struct fi_dev {
	uint64_t delay_us;
	int rate_set;
	double error_rate;		/* 0..1 */
	uint32_t fail_ops;		/* 1 << UBLK_OP_*; 0: any */
	int range_set;
	uint64_t range_start, range_end;	/* [start, end) */
	int error;			/* positive errno */
	int die_set;
	uint64_t die_after;
	int die_during_fetch;		/* SIGKILL in IO thread 0's setup (kublk's option) */
	atomic_uint_fast64_t nr_ios;
};

struct fi_thread {
	uint64_t rng;
};

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EROFS", EROFS }, { "ENOMEM", ENOMEM },
	{ "EAGAIN", EAGAIN }, { "EPERM", EPERM }, { "EINVAL", EINVAL }, { "EBUSY", EBUSY },
	{ "ENODATA", ENODATA }, { "ETIMEDOUT", ETIMEDOUT }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOLINK", ENOLINK }, { "EILSEQ", EILSEQ }, { "EREMOTEIO", EREMOTEIO },
	{ "ENODEV", ENODEV }, { "EBADE", EBADE }, { "ETIME", ETIME }, { "EDQUOT", EDQUOT },
};

static int fi_create(void **handle)
{
	struct fi_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	d->error = EIO;
	atomic_init(&d->nr_ios, 0);
	*handle = d;
	return 0;
}

static int parse_errno(const char *s, int *err)
{
	uint64_t v;
	unsigned int i;

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++) {
		if (!strcasecmp(s, errno_names[i].name)) {
			*err = errno_names[i].value;
			return 0;
		}
	}
	if (!ublk_parse_uint(s, &v) && v > 0 && v < 4096) {
		*err = (int)v;
		return 0;
	}
	return -1;
}

static int parse_ops(const char *s, uint32_t *mask)
{
	char buf[128], *tok, *save;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*mask = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "read"))
			*mask |= 1U << UBLK_OP_READ;
		else if (!strcmp(tok, "write"))
			*mask |= 1U << UBLK_OP_WRITE;
		else if (!strcmp(tok, "flush"))
			*mask |= 1U << UBLK_OP_FLUSH;
		else if (!strcmp(tok, "discard"))
			*mask |= 1U << UBLK_OP_DISCARD;
		else if (!strcmp(tok, "write_zeroes"))
			*mask |= 1U << UBLK_OP_WRITE_ZEROES;
		else
			return -1;
	}
	return *mask ? 0 : -1;
}

static int parse_rate(const char *s, double *rate)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	if (*end == '%' && !end[1])
		v /= 100;
	else if (*end)
		return -1;
	if (!(v >= 0 && v <= 1))
		return -1;
	*rate = v;
	return 0;
}

static int parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	char buf[64];
	const char *dash = strchr(s, '-');

	if (!dash || (size_t)(dash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (ublk_parse_size(buf, start) || ublk_parse_size(dash + 1, end))
		return -1;
	return *end > *start ? 0 : -1;
}

static int fi_config(void *handle, const char *key, const char *value)
{
	struct fi_dev *d = handle;

	if (!strcmp(key, "delay_us")) {
		if (ublk_parse_uint(value, &d->delay_us) || d->delay_us > 60000000) {
			ublk_error("delay_us: '%s' is not a number of microseconds up to 60000000",
				   value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "error_rate")) {
		if (parse_rate(value, &d->error_rate)) {
			ublk_error("error_rate: '%s' is not a probability from 0 to 1 or a percentage (e.g. 0.01, 1%%)",
				   value);
			return -1;
		}
		d->rate_set = 1;
		return 0;
	}
	if (!strcmp(key, "fail_ops")) {
		if (parse_ops(value, &d->fail_ops)) {
			ublk_error("fail_ops: '%s' is not a comma list of read, write, flush, discard, write_zeroes",
				   value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "fail_range")) {
		if (parse_range(value, &d->range_start, &d->range_end)) {
			ublk_error("fail_range: '%s' is not START-END with START < END (e.g. 1M-2M)",
				   value);
			return -1;
		}
		d->range_set = 1;
		return 0;
	}
	if (!strcmp(key, "errno")) {
		if (parse_errno(value, &d->error)) {
			ublk_error("errno: '%s' is not an errno name (EIO, ENOSPC, ...) or number",
				   value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "die_after")) {
		if (ublk_parse_uint(value, &d->die_after)) {
			ublk_error("die_after: '%s' is not a number of IOs", value);
			return -1;
		}
		d->die_set = 1;
		return 0;
	}
	if (!strcmp(key, "die_during_fetch")) {
		if (ublk_parse_bool(value, &d->die_during_fetch)) {
			ublk_error("die_during_fetch: '%s' is not 0 or 1", value);
			return -1;
		}
		return 0;
	}
	ublk_error("unknown parameter '%s' for filter fault_inject", key);
	return -1;
}

static const char *const fi_config_keys[] = {
	"delay_us", "error_rate", "fail_ops", "fail_range", "errno", "die_after",
	"die_during_fetch", NULL
};

#define fi_config_help \
	"delay_us=N         delay every IO by N microseconds\n" \
	"error_rate=P       fail a selected IO with probability P (0..1 or N%)\n" \
	"fail_ops=LIST      fail only these: read,write,flush,discard,write_zeroes\n" \
	"                   (flush: the device gets a write cache if it had none)\n" \
	"fail_range=S-E     fail IO overlapping bytes [S, E), e.g. 1M-2M\n" \
	"errno=NAME         error to inject (default EIO; the block layer maps\n" \
	"                   errnos it does not know, e.g. EROFS, to EIO)\n" \
	"die_after=N        SIGKILL the daemon on IO number N+1\n" \
	"die_during_fetch=1 SIGKILL the daemon while IO thread 0 sets up: its\n" \
	"                   queue's FETCHes are prepared, not all sent (kublk's\n" \
	"                   test of a recovery that dies half way)\n" \
	"Errors are injected when fail_ops, fail_range or error_rate is set; an IO\n" \
	"must match all of those given. Failed IOs never reach the layers below.\n"

static int fi_open(void *handle, struct ublk_device_params *params)
{
	struct fi_dev *d = handle;

	/* Failing flushes needs flushes: claim a write cache if the layers below have none. */
	if (d->fail_ops & (1U << UBLK_OP_FLUSH))
		params->attrs |= UBLK_DEV_VOLATILE_CACHE;
	ublk_log(UBLK_LOG_DEBUG, "fault_inject: delay %" PRIu64 " us, errno %d",
		 d->delay_us, d->error);
	return 0;
}

static int fi_thread_init(void *handle, uint32_t thread_index, void **thread_data)
{
	struct fi_thread *t = calloc(1, sizeof(*t));
	struct fi_dev *d = handle;

	/*
	 * The host prepares a thread's FETCH commands before the layers'
	 * thread_init and sends them after: dying here leaves the device with
	 * queues that fetched and a queue that did not, as kublk's
	 * --die_during_fetch does before its second FETCH.
	 */
	if (d->die_during_fetch && thread_index == 0) {
		ublk_log(UBLK_LOG_WARN, "fault_inject: die_during_fetch: killing the daemon before queue 0's FETCHes reach the kernel");
		kill(getpid(), SIGKILL);
	}
	if (!t) {
		ublk_error("out of memory");
		return -1;
	}
	t->rng = ((uint64_t)time(NULL) << 16) ^ ((uint64_t)getpid() << 8) ^
		 (0x9e3779b97f4a7c15ULL * (thread_index + 1));
	if (!t->rng)
		t->rng = 1;
	*thread_data = t;
	return 0;
}

static void fi_thread_exit(void *handle, void *thread_data)
{
	(void)handle;
	free(thread_data);
}

/* xorshift64*: a uniform double in [0, 1). */
static double fi_random(struct fi_thread *t)
{
	uint64_t x = t->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	t->rng = x;
	return (double)((x * 0x2545F4914F6CDD1DULL) >> 11) / (double)(1ULL << 53);
}

static int fi_should_fail(struct fi_dev *d, struct ublk_request *req)
{
	if (!d->fail_ops && !d->range_set && !d->rate_set)
		return 0;
	if (d->fail_ops && !(d->fail_ops & (1U << req->op)))
		return 0;
	if (d->range_set) {
		if (req->op == UBLK_OP_FLUSH)
			return 0;
		if (req->offset >= d->range_end || req->offset + req->length <= d->range_start)
			return 0;
	}
	if (d->rate_set)
		return fi_random(req->thread_data) < d->error_rate;
	return 1;
}

/* After the delay, if any: fail or pass on. */
static void fi_proceed(struct ublk_request *req)
{
	struct fi_dev *d = req->handle;

	if (fi_should_fail(d, req))
		ublk_complete(req, -d->error);
	else
		ublk_next_queue_io(req);
}

static void fi_queue_io(struct ublk_request *req)
{
	struct fi_dev *d = req->handle;
	struct fi_req *fr = req->priv;

	if (d->die_set && !fr->counted) {
		uint64_t n = atomic_fetch_add(&d->nr_ios, 1);

		if (n >= d->die_after) {
			ublk_log(UBLK_LOG_WARN, "fault_inject: die_after=%" PRIu64 " reached: killing the daemon",
				 d->die_after);
			kill(getpid(), SIGKILL);
			/* Not reached. */
		}
		fr->counted = 1;
	}
	if (d->delay_us) {
		struct io_uring_sqe *sqe;
		int ret = ublk_get_sqes(req, FI_CK_DELAY, 1, (void **)&sqe);

		if (ret == -EAGAIN)
			return;	/* the host calls queue_io again when the ring has room */
		if (ret) {
			ublk_complete(req, ret);
			return;
		}
		fr->ts.tv_sec = (long long)(d->delay_us / 1000000);
		fr->ts.tv_nsec = (long long)(d->delay_us % 1000000) * 1000;
		io_uring_prep_timeout(sqe, &fr->ts, 0, 0);
		return;
	}
	fi_proceed(req);
}

static void fi_io_done(struct ublk_request *req, uint32_t cookie, int res)
{
	(void)res;	/* -ETIME: the delay is over */
	if (cookie != FI_CK_DELAY) {
		ublk_log(UBLK_LOG_ERROR, "fault_inject: completion with unknown cookie %u", cookie);
		ublk_complete(req, -EIO);
		return;
	}
	fi_proceed(req);
}

static void fi_close(void *handle)
{
	free(handle);
}

static const struct ublk_filter fi_filter = {
	UBLK_FILTER_HEADER,
	.name = "fault_inject",
	.version = PACKAGE_VERSION,
	.description = "injects delays, errors and crashes into the requests of the layers below",
	.config_help = fi_config_help,
	.config_keys = fi_config_keys,
	.caps = UBLK_CAP_ZERO_COPY,	/* never touches data */
	.request_priv_size = sizeof(struct fi_req),
	.create = fi_create,
	.config = fi_config,
	.open = fi_open,
	.thread_init = fi_thread_init,
	.thread_exit = fi_thread_exit,
	.queue_io = fi_queue_io,
	.io_done = fi_io_done,
	.close = fi_close,
};

UBLK_REGISTER_FILTER(fi_filter)
