// SPDX-License-Identifier: MIT
/*
 * rbd: a device backed by a Ceph RBD image, through librbd.
 *
 * One cluster connection and one open image per device, shared by all its
 * queues (librbd is thread-safe, and a second open of the same image would
 * be a second exclusive-lock owner: the lock would bounce between them).
 *
 * Every request is one rbd_aio_* call; a queue thread never blocks. librbd
 * completes requests on its own threads, but ublk_complete() must run on the
 * request's IO thread, and librbd's image notification eventfd
 * (rbd_set_image_notification) is per image, not per thread. So each IO
 * thread has its own eventfd, polled on its io_uring with an
 * IORING_OP_POLL_ADD from ublk_get_thread_sqe(): the aio callback pushes the
 * finished request onto its thread's lock-free list and wakes the eventfd
 * when the list was empty; the thread drains the list on each wakeup,
 * completes the requests and releases their rbd completions (never inside
 * the callback).
 *
 * Resize: an update watch on the image notices `rbd resize`; a bigger image
 * grows the device through ublk_device_resized(), a smaller one is refused
 * and logged.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <liburing.h>
#include <rados/librados.h>
#include <rbd/librbd.h>

#include <ublk/plugin.h>

/*
 * Default bound for reaching the monitors and authenticating (librados'
 * own: 300 s). Short enough that a bad address fails an add within 15 s,
 * library start included, even on a slow (emulated) machine.
 */
#define RBD_CONNECT_TIMEOUT 8
/* librbd rounds discards to 64 KiB (rbd_discard_granularity_bytes). */
#define RBD_DISCARD_GRANULARITY (64U << 10)
#define RBD_MAX_DISCARD (1U << 30)

struct rbd_req;

struct rbd_dev {
	/* Configuration. */
	char *pool;
	char *nspace;		/* RADOS namespace: pool/namespace/image */
	char *image;
	char *snap;
	char *conf;
	char *id;		/* cephx user without "client." */
	char *keyring;
	char *cluster_name;
	int rbd_cache;		/* -1: the configuration's (librbd default on) */
	uint64_t connect_timeout; /* seconds */

	/* Open state. */
	rados_t cluster;
	rados_ioctx_t io;
	rbd_image_t img;
	int read_only;
	int connected;
	uint64_t watch_handle;
	int watching;
	_Atomic uint64_t size;	/* device size in bytes */
	uint32_t lbs;
};

/* Per IO thread: the eventfd librbd's callbacks wake and the finished list. */
struct rbd_thread {
	int efd;
	int armed;		/* a POLL_ADD is on the ring */
	unsigned int inflight;	/* rbd_aio_* issued, not yet drained */
	_Atomic(struct rbd_req *) done;
};

/* ublk_request.priv */
struct rbd_req {
	struct ublk_request *req;
	rbd_completion_t comp;
	struct rbd_req *next;
	ssize_t ret;
};

enum { RBD_CK_POLL = 1 };

static int rbd_create_dev(void **handle)
{
	struct rbd_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	d->rbd_cache = -1;
	d->connect_timeout = RBD_CONNECT_TIMEOUT;
	*handle = d;
	return 0;
}

static int set_str(char **dst, const char *key, const char *value)
{
	if (!*value) {
		ublk_error("%s: empty value", key);
		return -1;
	}
	if (*dst) {
		ublk_error("%s given twice ('%s' and '%s')", key, *dst, value);
		return -1;
	}
	*dst = strdup(value);
	if (!*dst) {
		ublk_error("out of memory");
		return -1;
	}
	return 0;
}

/* pool/image, pool/namespace/image, each with an optional @snap. */
static int parse_spec(struct rbd_dev *d, const char *key, const char *spec)
{
	char *s = strdup(spec), *at, *slash, *slash2;
	int ret = -1;

	if (!s) {
		ublk_error("out of memory");
		return -1;
	}
	at = strchr(s, '@');
	if (at)
		*at++ = '\0';
	slash = strchr(s, '/');
	if (!slash || slash == s || !slash[1] || (at && !*at)) {
		if (!strcmp(key, "file"))
			ublk_error("'%s' is not pool/image[@snap]", spec);
		else
			ublk_error("%s: '%s' is not pool/image[@snap]", key, spec);
		goto out;
	}
	*slash++ = '\0';
	slash2 = strchr(slash, '/');
	if (slash2) {
		*slash2++ = '\0';
		if (!*slash || !*slash2 || strchr(slash2, '/')) {
			ublk_error("%s: '%s' is not pool[/namespace]/image[@snap]", key, spec);
			goto out;
		}
		if (set_str(&d->nspace, key, slash))
			goto out;
		slash = slash2;
	}
	if (set_str(&d->pool, "pool", s) || set_str(&d->image, "image", slash))
		goto out;
	if (at && set_str(&d->snap, "snap", at))
		goto out;
	ret = 0;
out:
	free(s);
	return ret;
}

static int rbd_config(void *handle, const char *key, const char *value)
{
	struct rbd_dev *d = handle;

	/* "file" is the positional argument of `ublk-server add -t rbd pool/image`. */
	if (!strcmp(key, "spec") || !strcmp(key, "file"))
		return parse_spec(d, key, value);
	if (!strcmp(key, "pool"))
		return set_str(&d->pool, key, value);
	if (!strcmp(key, "namespace"))
		return set_str(&d->nspace, key, value);
	if (!strcmp(key, "image"))
		return set_str(&d->image, key, value);
	if (!strcmp(key, "snap"))
		return set_str(&d->snap, key, value);
	if (!strcmp(key, "conf"))
		return set_str(&d->conf, key, value);
	if (!strcmp(key, "id")) {
		if (!strncmp(value, "client.", 7))
			value += 7;
		return set_str(&d->id, key, value);
	}
	if (!strcmp(key, "keyring"))
		return set_str(&d->keyring, key, value);
	if (!strcmp(key, "cluster"))
		return set_str(&d->cluster_name, key, value);
	if (!strcmp(key, "connect_timeout")) {
		if (ublk_parse_uint(value, &d->connect_timeout) || !d->connect_timeout ||
		    d->connect_timeout > 3600) {
			ublk_error("connect_timeout: '%s' is not a number of seconds from 1 to 3600",
				   value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "rbd_cache")) {
		if (ublk_parse_bool(value, &d->rbd_cache)) {
			ublk_error("rbd_cache: '%s' is not on or off", value);
			return -1;
		}
		return 0;
	}
	ublk_error("unknown parameter '%s' for target rbd", key);
	return -1;
}

static const char *const rbd_config_keys[] = {
	"spec", "file", "pool", "namespace", "image", "snap", "conf", "id", "keyring",
	"cluster", "rbd_cache", "connect_timeout", NULL
};

#define rbd_config_help \
	"spec=POOL/IMAGE[@SNAP]  the image (or a positional argument, or pool= image=)\n" \
	"pool=NAME        pool of the image\n" \
	"namespace=NAME   RADOS namespace in the pool (default none)\n" \
	"image=NAME       image name\n" \
	"snap=NAME        serve this snapshot, read-only\n" \
	"conf=PATH        ceph.conf (default: $CEPH_CONF, then /etc/ceph/ceph.conf)\n" \
	"id=NAME          cephx user (default admin: client.admin)\n" \
	"keyring=PATH     keyring of that user (default: the configuration's)\n" \
	"cluster=NAME     cluster name (default ceph)\n" \
	"connect_timeout=SECONDS  give up reaching the monitors after this (default 8)\n" \
	"rbd_cache=BOOL   librbd writeback cache (default: the configuration's, on);\n" \
	"                 on: the device has a volatile cache and honours FLUSH\n"

static int rbd_config_complete(void *handle)
{
	struct rbd_dev *d = handle;

	if (!d->image) {
		ublk_error("no image: give pool/image (spec=POOL/IMAGE or pool= image=)");
		return -1;
	}
	if (!d->pool) {
		ublk_error("no pool for image '%s': give pool/image or pool=", d->image);
		return -1;
	}
	return 0;
}

/* One sentence for a failed rados_connect(). */
static void connect_error(struct rbd_dev *d, int ret)
{
	char mon[256] = "";
	const char *user = d->id ? d->id : "admin";

	if (rados_conf_get(d->cluster, "mon_host", mon, sizeof(mon)) < 0 || !*mon)
		snprintf(mon, sizeof(mon), "(none configured)");
	switch (-ret) {
	case ETIMEDOUT:
		ublk_error("cannot reach the Ceph monitors %s within %" PRIu64 " s", mon,
			   d->connect_timeout);
		break;
	case EACCES:
	case EPERM:
		ublk_error("Ceph monitors %s refused client.%s: bad key or keyring", mon, user);
		break;
	case ENOENT:
		ublk_error("no key for client.%s: give keyring= (or set keyring in the configuration)",
			   user);
		break;
	default:
		ublk_error("cannot connect to the Ceph cluster at %s as client.%s: %s", mon,
			   user, strerror(-ret));
	}
}

static int connect_cluster(struct rbd_dev *d)
{
	char name[128], timeout[24];
	int ret;

	snprintf(name, sizeof(name), "client.%s", d->id ? d->id : "admin");
	ret = rados_create2(&d->cluster, d->cluster_name ? d->cluster_name : "ceph", name, 0);
	if (ret < 0) {
		ublk_error("cannot create a Ceph client: %s", strerror(-ret));
		return -1;
	}
	d->connected = 1;
	ret = rados_conf_read_file(d->cluster, d->conf);
	if (ret < 0) {
		if (d->conf)
			ublk_error("conf: cannot read '%s': %s", d->conf, strerror(-ret));
		else
			ublk_error("no Ceph configuration found ($CEPH_CONF, /etc/ceph/ceph.conf): give conf=PATH");
		return -1;
	}
	/* CEPH_ARGS, as the rbd tool honours it. */
	rados_conf_parse_env(d->cluster, NULL);
	if (d->keyring && (ret = rados_conf_set(d->cluster, "keyring", d->keyring)) < 0) {
		ublk_error("keyring '%s': %s", d->keyring, strerror(-ret));
		return -1;
	}
	if (d->keyring && access(d->keyring, R_OK)) {
		ublk_error("keyring: cannot read '%s': %s", d->keyring, strerror(errno));
		return -1;
	}
	if (d->rbd_cache >= 0)
		rados_conf_set(d->cluster, "rbd_cache", d->rbd_cache ? "true" : "false");
	/* Fail at add time, not after librados' 5 minutes. OSD ops stay
	 * unbounded: an OSD restart must pause IO, not fail it. */
	snprintf(timeout, sizeof(timeout), "%" PRIu64, d->connect_timeout);
	rados_conf_set(d->cluster, "client_mount_timeout", timeout);
	rados_conf_set(d->cluster, "rados_mon_op_timeout", timeout);
	ret = rados_connect(d->cluster);
	if (ret < 0) {
		connect_error(d, ret);
		return -1;
	}
	/* Later mon operations (lock breaking after a crash) may take longer. */
	rados_conf_set(d->cluster, "rados_mon_op_timeout", "0");
	return 0;
}

static void rbd_update_cb(void *arg);

static int open_image(struct rbd_dev *d)
{
	int ret;

	ret = rados_ioctx_create(d->cluster, d->pool, &d->io);
	if (ret < 0) {
		if (ret == -ENOENT)
			ublk_error("no pool '%s' in the Ceph cluster", d->pool);
		else
			ublk_error("pool '%s': %s", d->pool, strerror(-ret));
		return -1;
	}
	if (d->nspace)
		rados_ioctx_set_namespace(d->io, d->nspace);
	if (d->read_only)
		ret = rbd_open_read_only(d->io, d->image, &d->img, d->snap);
	else
		ret = rbd_open(d->io, d->image, &d->img, NULL);
	if (ret < 0) {
		d->img = NULL;
		if (ret == -ENOENT && d->snap)
			ublk_error("no image '%s' with snapshot '%s' in pool '%s'", d->image,
				   d->snap, d->pool);
		else if (ret == -ENOENT)
			ublk_error("no image '%s' in pool '%s'", d->image, d->pool);
		else if (ret == -EPERM || ret == -EACCES)
			ublk_error("image '%s/%s': permission denied (caps of client.%s)",
				   d->pool, d->image, d->id ? d->id : "admin");
		else
			ublk_error("cannot open image '%s/%s': %s", d->pool, d->image,
				   strerror(-ret));
		return -1;
	}
	return 0;
}

static int rbd_open_params(struct rbd_dev *d, struct ublk_device_params *params);

static int rbd_open_dev(void *handle, struct ublk_device_params *params)
{
	struct rbd_dev *d = handle;
	sigset_t all, old;
	int ret;

	if (!UBLK_HOST_HAS(get_thread_sqe)) {
		ublk_error("target rbd needs a host with plugin ABI 1.1 thread SQEs");
		return -1;
	}
	d->read_only = d->snap || (params->attrs & UBLK_DEV_READ_ONLY);
	d->lbs = params->logical_block_size;
	/*
	 * librados and librbd start threads here (some plain std::threads
	 * that keep the creator's signal mask). With signals unblocked, a
	 * SIGTERM meant for the daemon's signalfd could land on one of them
	 * and kill the process: create them with every signal blocked.
	 */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	ret = connect_cluster(d) || open_image(d) ? -1 : 0;
	if (!ret)
		ret = rbd_open_params(d, params);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return ret;
}

/* The image is open: size, limits, cache mode; the update watch. */
static int rbd_open_params(struct rbd_dev *d, struct ublk_device_params *params)
{
	rbd_image_info_t info;
	char cache[16] = "";
	int ret;

	ret = rbd_stat(d->img, &info, sizeof(info));
	if (ret < 0) {
		ublk_error("image '%s/%s': %s", d->pool, d->image, strerror(-ret));
		return -1;
	}
	if (info.size < d->lbs) {
		ublk_error("image '%s/%s' is smaller than one %u-byte block", d->pool, d->image,
			   d->lbs);
		return -1;
	}
	if (info.size % d->lbs)
		ublk_log(UBLK_LOG_WARN, "rbd: %s/%s: %" PRIu64 " bytes, the last %" PRIu64 " are not served",
			 d->pool, d->image, info.size, info.size % d->lbs);
	atomic_store(&d->size, info.size / d->lbs * d->lbs);

	params->size = atomic_load(&d->size);
	if (d->read_only) {
		params->attrs |= UBLK_DEV_READ_ONLY;
	} else {
		params->discard_granularity = RBD_DISCARD_GRANULARITY;
		params->max_discard_size = RBD_MAX_DISCARD;
		params->max_write_zeroes_size = RBD_MAX_DISCARD;
	}
	/* Objects are the unit of placement: whole objects are best. */
	if (info.obj_size && !(info.obj_size & (info.obj_size - 1)) && info.obj_size <= (1U << 31))
		params->io_opt = (uint32_t)info.obj_size;
	/* With the writeback cache a write is durable only after a flush. */
	rados_conf_get(d->cluster, "rbd_cache", cache, sizeof(cache));
	if (!d->read_only && !strcmp(cache, "true"))
		params->attrs |= UBLK_DEV_VOLATILE_CACHE;

	if (!d->snap) {
		ret = rbd_update_watch(d->img, &d->watch_handle, rbd_update_cb, d);
		if (ret < 0)
			ublk_log(UBLK_LOG_WARN, "rbd: %s/%s: no update watch (%s): resizes go unnoticed",
				 d->pool, d->image, strerror(-ret));
		else
			d->watching = 1;
	}
	ublk_log(UBLK_LOG_DEBUG, "rbd: %s/%s%s%s: %" PRIu64 " bytes, %" PRIu64 "-byte objects%s%s",
		 d->pool, d->image, d->snap ? "@" : "", d->snap ? d->snap : "", info.size,
		 info.obj_size, d->read_only ? ", read-only" : "",
		 params->attrs & UBLK_DEV_VOLATILE_CACHE ? ", writeback cache" : "");
	return 0;
}

/* librbd's update watch (a librbd thread): the header changed; a resize? */
static void rbd_update_cb(void *arg)
{
	struct rbd_dev *d = arg;
	uint64_t size, cur = atomic_load(&d->size);
	int ret;

	if (rbd_get_size(d->img, &size) < 0)
		return;
	size = size / d->lbs * d->lbs;
	if (size == cur)
		return;
	if (size < cur) {
		ublk_log(UBLK_LOG_WARN, "rbd: %s/%s shrank to %" PRIu64 " bytes: not shrinking the device (%" PRIu64 " bytes); IO beyond the image's end fails",
			 d->pool, d->image, size, cur);
		return;
	}
	ret = ublk_device_resized(d, size);
	if (ret < 0) {
		ublk_log(UBLK_LOG_WARN, "rbd: %s/%s grew to %" PRIu64 " bytes but the device cannot: %s",
			 d->pool, d->image, size, strerror(-ret));
		return;
	}
	atomic_store(&d->size, size);
	ublk_log(UBLK_LOG_INFO, "rbd: %s/%s grew to %" PRIu64 " bytes", d->pool, d->image, size);
}

static void arm_poll(struct rbd_thread *t)
{
	struct io_uring_sqe *sqe;

	if (t->armed)
		return;
	sqe = ublk_get_thread_sqe(RBD_CK_POLL);
	if (!sqe)
		return;		/* ring full: retried from the next callback */
	io_uring_prep_poll_add(sqe, t->efd, POLLIN);
	t->armed = 1;
}

static int rbd_thread_init(void *handle, uint32_t thread_index, void **thread_data)
{
	struct rbd_thread *t = calloc(1, sizeof(*t));

	if (!t) {
		ublk_error("out of memory");
		return -1;
	}
	t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->efd < 0) {
		ublk_error("eventfd: %s", strerror(errno));
		free(t);
		return -1;
	}
	atomic_init(&t->done, NULL);
	arm_poll(t);
	if (!t->armed) {
		ublk_error("no SQE for the completion poll of IO thread %u", thread_index);
		close(t->efd);
		free(t);
		return -1;
	}
	*thread_data = t;
	return 0;
}

/* Take every finished request off t's list, oldest first. */
static struct rbd_req *take_done(struct rbd_thread *t)
{
	struct rbd_req *list, *prev = NULL, *next;
	eventfd_t v;

	/* Reset the eventfd before taking the list: a push after the
	 * exchange finds the list empty and wakes us again. */
	eventfd_read(t->efd, &v);
	list = atomic_exchange_explicit(&t->done, NULL, memory_order_acquire);
	while (list) {
		next = list->next;
		list->next = prev;
		prev = list;
		list = next;
	}
	return prev;
}

static void rbd_thread_exit(void *handle, void *thread_data)
{
	struct rbd_thread *t = thread_data;
	struct rbd_dev *d = handle;
	struct pollfd pfd = { .fd = t->efd, .events = POLLIN };
	int waited = 0;

	/*
	 * The device is going away with requests still in librbd: their
	 * callbacks would write to t after it is freed. Wait for them (the
	 * kernel has given up on the requests; only the memory matters).
	 */
	while (t->inflight) {
		struct rbd_req *r, *next;

		if (poll(&pfd, 1, 1000) == 0 && ++waited % 10 == 0)
			ublk_log(UBLK_LOG_WARN, "rbd: %s/%s: still waiting for %u requests in librbd",
				 d->pool, d->image, t->inflight);
		for (r = take_done(t); r; r = next) {
			next = r->next;
			rbd_aio_release(r->comp);
			t->inflight--;
		}
	}
	close(t->efd);
	free(t);
}

/* librbd thread: hand the finished request to its IO thread. */
static void rbd_aio_cb(rbd_completion_t comp, void *arg)
{
	struct ublk_request *req = arg;
	struct rbd_req *r = req->priv;
	struct rbd_thread *t = req->thread_data;
	struct rbd_req *head;

	r->ret = rbd_aio_get_return_value(comp);
	head = atomic_load_explicit(&t->done, memory_order_relaxed);
	do {
		r->next = head;
	} while (!atomic_compare_exchange_weak_explicit(&t->done, &head, r,
							memory_order_release,
							memory_order_relaxed));
	/* req may be completed and reused from here on: touch only t. */
	if (!head)
		eventfd_write(t->efd, 1);
}

static void finish(struct rbd_thread *t, struct rbd_req *r)
{
	struct ublk_request *req = r->req;
	int res;

	t->inflight--;
	if (r->ret < 0)
		res = (int)r->ret;
	else if (req->op == UBLK_OP_READ || req->op == UBLK_OP_WRITE)
		res = (int)req->length;
	else
		res = 0;
	rbd_aio_release(r->comp);
	r->comp = NULL;
	ublk_complete(req, res);
}

/* The IO thread: everything librbd finished since the last wakeup. */
static void drain(struct rbd_thread *t)
{
	struct rbd_req *r, *next;

	for (r = take_done(t); r; r = next) {
		next = r->next;
		finish(t, r);
	}
}

static void rbd_thread_event(void *handle, void *thread_data, uint32_t cookie, int result)
{
	struct rbd_thread *t = thread_data;

	if (cookie != RBD_CK_POLL)
		return;
	t->armed = 0;
	if (result == -ECANCELED)
		return;		/* the ring is going away */
	if (result < 0)
		ublk_log(UBLK_LOG_WARN, "rbd: completion poll failed: %s; re-arming",
			 strerror(-result));
	drain(t);
	arm_poll(t);
}

static void rbd_queue_io(struct ublk_request *req)
{
	struct rbd_dev *d = req->handle;
	struct rbd_thread *t = req->thread_data;
	struct rbd_req *r = req->priv;
	uint64_t size = atomic_load(&d->size);
	int ret;

	/* The poll could not be re-armed earlier (full ring): now. */
	arm_poll(t);
	if (req->op != UBLK_OP_FLUSH &&
	    (req->offset > size || req->length > size - req->offset)) {
		ublk_complete(req, -EIO);
		return;
	}
	if (d->read_only && req->op != UBLK_OP_READ && req->op != UBLK_OP_FLUSH) {
		ublk_complete(req, -EROFS);
		return;
	}
	if ((req->op == UBLK_OP_READ || req->op == UBLK_OP_WRITE) && !req->length) {
		ublk_complete(req, 0);
		return;
	}
	r->req = req;
	ret = rbd_aio_create_completion(req, rbd_aio_cb, &r->comp);
	if (ret < 0) {
		ublk_complete(req, ret);
		return;
	}
	switch (req->op) {
	case UBLK_OP_READ:
		ret = rbd_aio_read(d->img, req->offset, req->length, req->buf, r->comp);
		break;
	case UBLK_OP_WRITE:
		ret = rbd_aio_write(d->img, req->offset, req->length, req->buf, r->comp);
		break;
	case UBLK_OP_FLUSH:
		ret = rbd_aio_flush(d->img, r->comp);
		break;
	case UBLK_OP_DISCARD:
		ret = rbd_aio_discard(d->img, req->offset, req->length, r->comp);
		break;
	case UBLK_OP_WRITE_ZEROES:
		ret = rbd_aio_write_zeroes(d->img, req->offset, req->length, r->comp,
					   (req->flags & UBLK_REQ_NOUNMAP) ?
					   RBD_WRITE_ZEROES_FLAG_THICK_PROVISION : 0, 0);
		break;
	default:
		ret = -EOPNOTSUPP;
	}
	if (ret < 0) {
		rbd_aio_release(r->comp);
		r->comp = NULL;
		ublk_complete(req, ret);
		return;
	}
	t->inflight++;
}

static void rbd_close_dev(void *handle)
{
	struct rbd_dev *d = handle;

	if (d->watching)
		rbd_update_unwatch(d->img, d->watch_handle);
	if (d->img)
		rbd_close(d->img);
	if (d->io)
		rados_ioctx_destroy(d->io);
	if (d->connected)
		rados_shutdown(d->cluster);
	free(d->pool);
	free(d->nspace);
	free(d->image);
	free(d->snap);
	free(d->conf);
	free(d->id);
	free(d->keyring);
	free(d->cluster_name);
	free(d);
}

static const struct ublk_plugin rbd_plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "rbd",
	.version = PACKAGE_VERSION,
	.description = "a device backed by a Ceph RBD image (librbd)",
	.config_help = rbd_config_help,
	.request_priv_size = sizeof(struct rbd_req),
	.create = rbd_create_dev,
	.config = rbd_config,
	.config_complete = rbd_config_complete,
	.open = rbd_open_dev,
	.thread_init = rbd_thread_init,
	.thread_exit = rbd_thread_exit,
	.queue_io = rbd_queue_io,
	.thread_event = rbd_thread_event,
	.close = rbd_close_dev,
	.config_keys = rbd_config_keys,
};

UBLK_REGISTER_PLUGIN(rbd_plugin)
