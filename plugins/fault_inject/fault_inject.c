// SPDX-License-Identifier: MIT
/*
 * fault_inject: wraps another target (null by default, or `backend = loop`
 * with that target's keys) and injects delays, errors and daemon death.
 *
 * The backend is the sibling NAME.so next to this one, loaded and checked as
 * the host does, given the same host table. Every key this plugin does not
 * know goes to the backend's config. On each IO:
 *   die_after reached  -> SIGKILL to the daemon (for recovery tests)
 *   delay_us           -> an IORING_OP_TIMEOUT SQE first (cookie with
 *                         FI_MARK, the top bit: backends must not use it)
 *   error selected     -> ublk_complete(req, -errno)
 *   else               -> the backend's queue_io, with req->handle,
 *                         thread_data and priv switched to the backend's for
 *                         the duration of each backend callback.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <ublk/plugin.h>

#define FI_MARK			0x80000000U
#define FI_CK_DELAY		(FI_MARK | 1)
/* Our part of req->priv, then the backend's. */
#define FI_HDR_SIZE		64
#define FI_BACKEND_PRIV_MAX	8192

struct fi_req {
	struct __kernel_timespec ts;
};

struct fi_kv {
	char *key;
	char *value;
};

struct fi_dev {
	/* What to inject. */
	uint64_t delay_us;
	int rate_set;
	double error_rate;		/* 0..1 */
	uint32_t fail_ops;		/* 1 << UBLK_OP_*; 0: any */
	int range_set;
	uint64_t range_start, range_end;	/* [start, end) */
	int error;			/* positive errno */
	int die_set;
	uint64_t die_after;
	atomic_uint_fast64_t nr_ios;

	/* The backend. */
	char *backend_name;
	void *dl;
	struct ublk_plugin be;		/* zero beyond what the backend knows */
	void *be_handle;
	int be_created;
	struct fi_kv *deferred;		/* keys seen before `backend` */
	unsigned int nr_deferred;
};

struct fi_thread {
	void *be_data;
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

/* The directory this .so was loaded from. */
static int own_dir(char *dir, size_t len)
{
	Dl_info info;
	const char *slash;

	if (!dladdr((void *)own_dir, &info) || !info.dli_fname)
		return -1;
	slash = strrchr(info.dli_fname, '/');
	if (!slash) {
		snprintf(dir, len, ".");
		return 0;
	}
	if ((size_t)(slash - info.dli_fname) >= len)
		return -1;
	memcpy(dir, info.dli_fname, (size_t)(slash - info.dli_fname));
	dir[slash - info.dli_fname] = '\0';
	return 0;
}

/* dlopen NAME.so beside us and check it as the host checks a plugin. */
static int fi_load_backend(struct fi_dev *d, const char *name)
{
	static const struct {
		size_t offset;
		const char *name;
	} required[] = {
		{ offsetof(struct ublk_plugin, create), "create" },
		{ offsetof(struct ublk_plugin, config), "config" },
		{ offsetof(struct ublk_plugin, open), "open" },
		{ offsetof(struct ublk_plugin, queue_io), "queue_io" },
		{ offsetof(struct ublk_plugin, close), "close" },
	};
	char dir[PATH_MAX], path[PATH_MAX + 64];
	const struct ublk_plugin *p;
	ublk_plugin_entry_fn entry;
	unsigned int i;

	if (!*name || strchr(name, '/') || !strcmp(name, "fault_inject")) {
		ublk_error("backend: '%s' is not a target fault_inject can wrap", name);
		return -1;
	}
	if (own_dir(dir, sizeof(dir))) {
		ublk_error("backend: cannot find the plugin directory");
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.so", dir, name);
	if (access(path, F_OK)) {
		ublk_error("backend: unknown target '%s': %s not found", name, path);
		return -1;
	}
	d->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!d->dl) {
		ublk_error("backend: cannot load %s: %s", path, dlerror());
		return -1;
	}
	entry = (ublk_plugin_entry_fn)dlsym(d->dl, UBLK_PLUGIN_ENTRY_SYMBOL);
	if (!entry) {
		ublk_error("backend: %s is not a ublk-server plugin", path);
		return -1;
	}
	p = entry(ublk_host);
	if (!p) {
		ublk_error("backend: plugin %s refused to register", path);
		return -1;
	}
	if (p->abi_major != UBLK_PLUGIN_ABI_MAJOR ||
	    p->struct_size < UBLK_FIELD_END(struct ublk_plugin, close)) {
		ublk_error("backend: plugin %s has ABI version %u.%u, fault_inject needs %u.x",
			   path, p->abi_major, p->abi_minor, UBLK_PLUGIN_ABI_MAJOR);
		return -1;
	}
	memcpy(&d->be, p, p->struct_size < sizeof(d->be) ? p->struct_size : sizeof(d->be));
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		void *fn;

		memcpy(&fn, (const char *)&d->be + required[i].offset, sizeof(fn));
		if (!fn) {
			ublk_error("backend: plugin %s lacks the required callback '%s'",
				   path, required[i].name);
			return -1;
		}
	}
	if (d->be.request_priv_size > FI_BACKEND_PRIV_MAX) {
		ublk_error("backend: target %s needs %u bytes of request state, fault_inject has %u",
			   name, d->be.request_priv_size, FI_BACKEND_PRIV_MAX);
		return -1;
	}
	if (d->be.create(&d->be_handle))
		return -1;	/* its ublk_error stands */
	d->be_created = 1;
	return 0;
}

/* Create the backend and give it the keys that came before we knew it. */
static int fi_start_backend(struct fi_dev *d, const char *name)
{
	unsigned int i;

	if (fi_load_backend(d, name))
		return -1;
	for (i = 0; i < d->nr_deferred; i++)
		if (d->be.config(d->be_handle, d->deferred[i].key, d->deferred[i].value))
			return -1;
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
	struct fi_kv *kv;

	if (!strcmp(key, "backend")) {
		if (d->backend_name) {
			ublk_error("backend: given twice ('%s' and '%s')", d->backend_name, value);
			return -1;
		}
		d->backend_name = strdup(value);
		if (!d->backend_name) {
			ublk_error("out of memory");
			return -1;
		}
		return fi_start_backend(d, value);
	}
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

	/* Everything else is the backend's. */
	if (d->be_created)
		return d->be.config(d->be_handle, key, value);
	kv = realloc(d->deferred, (d->nr_deferred + 1) * sizeof(*kv));
	if (!kv) {
		ublk_error("out of memory");
		return -1;
	}
	d->deferred = kv;
	kv[d->nr_deferred].key = strdup(key);
	kv[d->nr_deferred].value = strdup(value);
	if (!kv[d->nr_deferred].key || !kv[d->nr_deferred].value) {
		free(kv[d->nr_deferred].key);
		free(kv[d->nr_deferred].value);
		ublk_error("out of memory");
		return -1;
	}
	d->nr_deferred++;
	return 0;
}

#define fi_config_help \
	"backend=TARGET     the target to wrap (default null); its keys pass through\n" \
	"delay_us=N         delay every IO by N microseconds\n" \
	"error_rate=P       fail a selected IO with probability P (0..1 or N%)\n" \
	"fail_ops=LIST      fail only these: read,write,flush,discard,write_zeroes\n" \
	"                   (flush: the device gets a write cache if it had none)\n" \
	"fail_range=S-E     fail IO overlapping bytes [S, E), e.g. 1M-2M\n" \
	"errno=NAME         error to inject (default EIO; the block layer maps\n" \
	"                   errnos it does not know, e.g. EROFS, to EIO)\n" \
	"die_after=N        SIGKILL the daemon on IO number N+1\n" \
	"Errors are injected when fail_ops, fail_range or error_rate is set; an IO\n" \
	"must match all of those given.\n"

static int fi_config_complete(void *handle)
{
	struct fi_dev *d = handle;

	if (!d->be_created && fi_start_backend(d, "null"))
		return -1;
	if (d->be.config_complete)
		return d->be.config_complete(d->be_handle);
	return 0;
}

static int fi_open(void *handle, struct ublk_device_params *params)
{
	struct fi_dev *d = handle;

	if (d->be.open(d->be_handle, params))
		return -1;
	/* Failing flushes needs flushes: claim a write cache if the backend has none. */
	if (d->fail_ops & (1U << UBLK_OP_FLUSH))
		params->attrs |= UBLK_DEV_VOLATILE_CACHE;
	ublk_log(UBLK_LOG_DEBUG, "fault_inject over %s: delay %" PRIu64 " us, errno %d",
		 d->backend_name ? d->backend_name : "null", d->delay_us, d->error);
	return 0;
}

static int fi_thread_init(void *handle, uint32_t thread_index, void **thread_data)
{
	struct fi_dev *d = handle;
	struct fi_thread *t = calloc(1, sizeof(*t));

	if (!t) {
		ublk_error("out of memory");
		return -1;
	}
	t->rng = ((uint64_t)time(NULL) << 16) ^ ((uint64_t)getpid() << 8) ^
		 (0x9e3779b97f4a7c15ULL * (thread_index + 1));
	if (!t->rng)
		t->rng = 1;
	if (d->be.thread_init && d->be.thread_init(d->be_handle, thread_index, &t->be_data)) {
		free(t);
		return -1;
	}
	*thread_data = t;
	return 0;
}

static void fi_thread_exit(void *handle, void *thread_data)
{
	struct fi_dev *d = handle;
	struct fi_thread *t = thread_data;

	if (!t)
		return;
	if (d->be.thread_exit)
		d->be.thread_exit(d->be_handle, t->be_data);
	free(t);
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

/* Run a backend callback with req switched to the backend's view. */
#define FI_AS_BACKEND(d, req, call) do { \
	void *h_ = (req)->handle, *td_ = (req)->thread_data, *p_ = (req)->priv; \
	(req)->handle = (d)->be_handle; \
	(req)->thread_data = ((struct fi_thread *)td_)->be_data; \
	(req)->priv = (char *)p_ + FI_HDR_SIZE; \
	call; \
	(req)->handle = h_; \
	(req)->thread_data = td_; \
	(req)->priv = p_; \
} while (0)

/* After the delay, if any: fail or pass on. */
static void fi_proceed(struct ublk_request *req)
{
	struct fi_dev *d = req->handle;

	if (fi_should_fail(d, req)) {
		ublk_complete(req, -d->error);
		return;
	}
	if (req->data_mode == UBLK_DATA_FIXED &&
	    !(d->be.caps & (UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA))) {
		ublk_log(UBLK_LOG_ERROR, "fault_inject: backend %s cannot do zero copy",
			 d->backend_name ? d->backend_name : "null");
		ublk_complete(req, -EOPNOTSUPP);
		return;
	}
	FI_AS_BACKEND(d, req, d->be.queue_io(req));
}

static void fi_queue_io(struct ublk_request *req)
{
	struct fi_dev *d = req->handle;
	struct fi_req *fr = req->priv;

	if (d->die_set) {
		uint64_t n = atomic_fetch_add(&d->nr_ios, 1);

		if (n >= d->die_after) {
			ublk_log(UBLK_LOG_WARN, "fault_inject: die_after=%" PRIu64 " reached: killing the daemon",
				 d->die_after);
			kill(getpid(), SIGKILL);
			/* Not reached. */
		}
	}
	if (d->delay_us) {
		struct io_uring_sqe *sqe = ublk_get_sqe(req, FI_CK_DELAY);

		if (!sqe) {
			ublk_complete(req, -EAGAIN);
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
	struct fi_dev *d = req->handle;

	if (cookie == FI_CK_DELAY) {
		/* -ETIME: the delay is over. */
		fi_proceed(req);
		return;
	}
	if (!d->be.io_done) {
		ublk_complete(req, -EIO);
		return;
	}
	FI_AS_BACKEND(d, req, d->be.io_done(req, cookie, res));
}

static void fi_close(void *handle)
{
	struct fi_dev *d = handle;
	unsigned int i;

	if (d->be_created)
		d->be.close(d->be_handle);
	if (d->dl)
		dlclose(d->dl);
	for (i = 0; i < d->nr_deferred; i++) {
		free(d->deferred[i].key);
		free(d->deferred[i].value);
	}
	free(d->deferred);
	free(d->backend_name);
	free(d);
}

_Static_assert(sizeof(struct fi_req) <= FI_HDR_SIZE, "fault_inject header too big");

static const struct ublk_plugin fi_plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "fault_inject",
	.version = PACKAGE_VERSION,
	.description = "wraps a target and injects delays, errors and crashes",
	.config_help = fi_config_help,
	/* Zero copy is passed to the backend; refused per IO if it cannot. */
	.caps = UBLK_CAP_ZERO_COPY,
	.request_priv_size = FI_HDR_SIZE + FI_BACKEND_PRIV_MAX,
	.create = fi_create,
	.config = fi_config,
	.config_complete = fi_config_complete,
	.open = fi_open,
	.thread_init = fi_thread_init,
	.thread_exit = fi_thread_exit,
	.queue_io = fi_queue_io,
	.io_done = fi_io_done,
	.close = fi_close,
};

UBLK_REGISTER_PLUGIN(fi_plugin)
