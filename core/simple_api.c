// SPDX-License-Identifier: MIT
/*
 * Worker pool for simple-API plugins (see simple_api.h).
 *
 * Requests go from an IO thread to the workers through one FIFO per device
 * (a mutex held only for a list operation: the IO thread never waits for a
 * callback). Results come back through a lock-free stack per IO thread; the
 * worker that makes the stack non-empty writes the thread's eventfd, and the
 * IO thread drains the whole stack when its poll on the eventfd completes.
 */
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "host_services.h"
#include "loader.h"
#include "log.h"
#include "parse.h"
#include "simple_api.h"

/* The only thread SQE this layer issues: the poll on the completion eventfd. */
#define SIMPLE_COOKIE_POLL	1

struct simple_item {
	struct ublk_request *req;
	int result;
	struct simple_item *next;
};

/* Per IO thread. Aligned so workers pushing to one don't bounce another. */
struct simple_thread {
	struct simple_item *done;	/* pushed by workers, taken by the IO thread */
	struct simple_item *free;	/* IO thread only */
	unsigned int busy;		/* in a worker's hands (qlock) */
	int efd;			/* made by simple_thread_init */
	bool armed;			/* a poll is in flight on the ring */
	bool exiting;
} __attribute__((aligned(64)));

/* SERIALIZE_ALL: one lock shared by every device of a plugin. */
struct plugin_lock {
	const struct ublk_plugin *plugin;
	pthread_mutex_t lock;
	unsigned int refs;
	struct plugin_lock *next;
};

struct simple_dev {
	const struct ublk_plugin *plugin;
	void *handle;
	pthread_mutex_t *serial;	/* NULL for PARALLEL */
	pthread_mutex_t dev_serial;	/* SERIALIZE_REQUESTS */
	struct plugin_lock *plugin_lock;	/* SERIALIZE_ALL */

	pthread_mutex_t qlock;
	pthread_cond_t qcond;
	pthread_cond_t idle;		/* a thread's busy count dropped to 0 */
	struct simple_item *qhead, *qtail;
	bool stopping;

	unsigned int nr_workers;
	pthread_t *workers;
	unsigned int nr_threads;
	struct simple_thread *threads;
	struct simple_dev *next_live;
};

/* Live pools, for simple_dev_find() (device_resized by the plugin's handle). */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct simple_dev *live;

const struct ublk_plugin *simple_dev_plugin(const struct simple_dev *sd)
{
	return sd->plugin;
}

void *simple_dev_handle(const struct simple_dev *sd)
{
	return sd->handle;
}

struct simple_dev *simple_dev_find(void *plugin_handle)
{
	struct simple_dev *sd;

	pthread_mutex_lock(&live_lock);
	for (sd = live; sd; sd = sd->next_live)
		if (sd->handle == plugin_handle)
			break;
	pthread_mutex_unlock(&live_lock);
	return sd;
}

static void *default_get_thread_sqe(uint32_t cookie)
{
	return host_services.get_thread_sqe ? host_services.get_thread_sqe(cookie) : NULL;
}

static void default_complete(struct ublk_request *req, int result)
{
	host_services.complete(req, result);
}

static struct simple_host_ops host = {
	.get_thread_sqe = default_get_thread_sqe,
	.complete = default_complete,
};

void simple_set_host_ops(const struct simple_host_ops *ops)
{
	host = *ops;
}

int simple_parse_workers(const char *value, unsigned int *workers)
{
	uint64_t v;

	if (parse_uint_range(value, 1, SIMPLE_MAX_WORKERS, &v))
		return -1;
	*workers = (unsigned int)v;
	return 0;
}

static pthread_mutex_t plugin_locks_lock = PTHREAD_MUTEX_INITIALIZER;
static struct plugin_lock *plugin_locks;

static struct plugin_lock *plugin_lock_get(const struct ublk_plugin *plugin)
{
	struct plugin_lock *pl;

	pthread_mutex_lock(&plugin_locks_lock);
	for (pl = plugin_locks; pl; pl = pl->next)
		if (pl->plugin == plugin)
			break;
	if (pl) {
		pl->refs++;
	} else {
		pl = calloc(1, sizeof(*pl));
		if (pl) {
			pl->plugin = plugin;
			pl->refs = 1;
			pthread_mutex_init(&pl->lock, NULL);
			pl->next = plugin_locks;
			plugin_locks = pl;
		}
	}
	pthread_mutex_unlock(&plugin_locks_lock);
	return pl;
}

static void plugin_lock_put(struct plugin_lock *pl)
{
	struct plugin_lock **pp;

	if (!pl)
		return;
	pthread_mutex_lock(&plugin_locks_lock);
	if (!--pl->refs) {
		for (pp = &plugin_locks; *pp; pp = &(*pp)->next) {
			if (*pp == pl) {
				*pp = pl->next;
				break;
			}
		}
		pthread_mutex_destroy(&pl->lock);
		free(pl);
	}
	pthread_mutex_unlock(&plugin_locks_lock);
}

/* The blocking call; bytes done or -errno, as ublk_complete() wants it. */
static int simple_run(const struct simple_dev *sd, const struct ublk_request *req)
{
	const struct ublk_plugin *p = sd->plugin;
	int r;

	switch (req->op) {
	case UBLK_OP_READ:
	case UBLK_OP_WRITE:
		/* Zero copy is never offered to a simple plugin; be safe anyway. */
		if (req->data_mode != UBLK_DATA_BUFFER || !req->buf)
			return -EIO;
		if (req->op == UBLK_OP_READ)
			r = p->pread(sd->handle, req->buf, req->length, req->offset, 0);
		else
			r = p->pwrite(sd->handle, req->buf, req->length, req->offset,
				      req->flags & UBLK_REQ_FUA);
		break;
	case UBLK_OP_FLUSH:
		if (!p->flush)
			return -EOPNOTSUPP;
		r = p->flush(sd->handle, 0);
		return r < 0 ? r : 0;
	case UBLK_OP_DISCARD:
		if (!p->trim)
			return -EOPNOTSUPP;
		r = p->trim(sd->handle, req->length, req->offset, 0);
		break;
	case UBLK_OP_WRITE_ZEROES:
		if (!p->zero)
			return -EOPNOTSUPP;
		r = p->zero(sd->handle, req->length, req->offset,
			    req->flags & UBLK_REQ_NOUNMAP);
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (r < 0)
		return r < -4095 ? -EIO : r;
	return (int)req->length;
}

static void push_done(struct simple_thread *t, struct simple_item *it)
{
	struct simple_item *head = __atomic_load_n(&t->done, __ATOMIC_RELAXED);

	do {
		it->next = head;
	} while (!__atomic_compare_exchange_n(&t->done, &head, it, true,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED));
	/* Only the push onto an empty stack wakes the IO thread; it drains all. */
	if (!head)
		eventfd_write(t->efd, 1);
}

static void *simple_worker(void *arg)
{
	struct simple_dev *sd = arg;
	struct simple_thread *t;
	struct simple_item *it;

	for (;;) {
		pthread_mutex_lock(&sd->qlock);
		while (!sd->qhead && !sd->stopping)
			pthread_cond_wait(&sd->qcond, &sd->qlock);
		if (sd->stopping) {
			pthread_mutex_unlock(&sd->qlock);
			break;
		}
		it = sd->qhead;
		sd->qhead = it->next;
		if (!sd->qhead)
			sd->qtail = NULL;
		t = &sd->threads[it->req->thread_index];
		t->busy++;
		pthread_mutex_unlock(&sd->qlock);

		if (sd->serial)
			pthread_mutex_lock(sd->serial);
		it->result = simple_run(sd, it->req);
		if (sd->serial)
			pthread_mutex_unlock(sd->serial);

		pthread_mutex_lock(&sd->qlock);
		push_done(t, it);
		if (!--t->busy)
			pthread_cond_broadcast(&sd->idle);
		pthread_mutex_unlock(&sd->qlock);
	}
	return NULL;
}

static void free_list(struct simple_item *it)
{
	while (it) {
		struct simple_item *next = it->next;

		free(it);
		it = next;
	}
}

static void simple_dev_free(struct simple_dev *sd)
{
	unsigned int i;

	free_list(sd->qhead);
	for (i = 0; i < sd->nr_threads; i++) {
		free_list(sd->threads[i].done);
		free_list(sd->threads[i].free);
		if (sd->threads[i].efd >= 0)
			close(sd->threads[i].efd);
	}
	plugin_lock_put(sd->plugin_lock);
	pthread_mutex_destroy(&sd->dev_serial);
	pthread_mutex_destroy(&sd->qlock);
	pthread_cond_destroy(&sd->qcond);
	pthread_cond_destroy(&sd->idle);
	free(sd->threads);
	free(sd->workers);
	free(sd);
}

int simple_dev_create(const struct ublk_plugin *plugin, void *plugin_handle,
		      unsigned int workers, unsigned int nr_io_threads,
		      struct simple_dev **out)
{
	struct simple_dev *sd;
	sigset_t all, old;
	unsigned int i;
	int ret;

	if (!plugin->pread || !plugin->pwrite || !workers || workers > SIMPLE_MAX_WORKERS ||
	    !nr_io_threads)
		return -EINVAL;
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	sd->plugin = plugin;
	sd->handle = plugin_handle;
	pthread_mutex_init(&sd->dev_serial, NULL);
	pthread_mutex_init(&sd->qlock, NULL);
	pthread_cond_init(&sd->qcond, NULL);
	pthread_cond_init(&sd->idle, NULL);
	sd->threads = aligned_alloc(64, sizeof(*sd->threads) * nr_io_threads);
	sd->workers = calloc(workers, sizeof(*sd->workers));
	if (!sd->threads || !sd->workers) {
		free(sd->threads);
		sd->threads = NULL;
		ret = -ENOMEM;
		goto err_free;
	}
	memset(sd->threads, 0, sizeof(*sd->threads) * nr_io_threads);
	for (i = 0; i < nr_io_threads; i++)
		sd->threads[i].efd = -1;
	sd->nr_threads = nr_io_threads;

	switch (plugin->thread_model) {
	case UBLK_THREAD_MODEL_PARALLEL:
		break;
	case UBLK_THREAD_MODEL_SERIALIZE_REQUESTS:
		sd->serial = &sd->dev_serial;
		break;
	default:	/* SERIALIZE_ALL, and the safe choice for anything unknown */
		sd->plugin_lock = plugin_lock_get(plugin);
		if (!sd->plugin_lock) {
			ret = -ENOMEM;
			goto err_free;
		}
		sd->serial = &sd->plugin_lock->lock;
		break;
	}

	/* Workers inherit a full signal mask: signals belong to the main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < workers; i++) {
		ret = -pthread_create(&sd->workers[i], NULL, simple_worker, sd);
		if (ret)
			break;
		pthread_setname_np(sd->workers[i], "ublk-worker");
		sd->nr_workers++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&live_lock);
	sd->next_live = live;
	live = sd;
	pthread_mutex_unlock(&live_lock);
	if (ret) {
		simple_dev_destroy(sd);
		return ret;
	}
	*out = sd;
	return 0;

err_free:
	simple_dev_free(sd);
	return ret;
}

void simple_dev_destroy(struct simple_dev *sd)
{
	struct simple_dev **pp;
	unsigned int i;

	if (!sd)
		return;
	pthread_mutex_lock(&live_lock);
	for (pp = &live; *pp; pp = &(*pp)->next_live) {
		if (*pp == sd) {
			*pp = sd->next_live;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	/* Queued requests are dropped: their IO threads are gone. */
	pthread_mutex_lock(&sd->qlock);
	sd->stopping = true;
	pthread_cond_broadcast(&sd->qcond);
	pthread_mutex_unlock(&sd->qlock);
	for (i = 0; i < sd->nr_workers; i++)
		pthread_join(sd->workers[i], NULL);
	simple_dev_free(sd);
}

/*
 * A one-shot poll, re-armed after each drain: a multishot poll can end with
 * a positive result (CQ overflow), which the host does not report as the end,
 * and a lost poll would strand completions forever.
 */
static int arm_poll(struct simple_thread *t)
{
	struct io_uring_sqe *sqe;

	if (t->armed || t->exiting)
		return 0;
	sqe = host.get_thread_sqe(SIMPLE_COOKIE_POLL);
	if (!sqe)
		return -EAGAIN;
	io_uring_prep_poll_add(sqe, t->efd, POLLIN);
	t->armed = true;
	return 0;
}

int simple_thread_init(struct simple_dev *sd, unsigned int thread_index)
{
	struct simple_thread *t;
	int ret;

	if (thread_index >= sd->nr_threads)
		return -EINVAL;
	t = &sd->threads[thread_index];
	t->exiting = false;
	if (t->efd < 0) {
		t->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (t->efd < 0) {
			ret = -errno;
			log_error("simple API: IO thread %u: eventfd: %s", thread_index,
				  strerror(-ret));
			return ret;
		}
	}
	ret = arm_poll(t);
	if (ret)
		log_error("simple API: no room on IO thread %u's ring for the completion poll",
			  thread_index);
	return ret;
}

/*
 * The thread's requests still queued are dropped (the device is going away
 * and the host aborts them); those a worker is running are waited for, so
 * that no worker touches a request or its buffer once the IO thread is gone.
 * Only here, at teardown, does an IO thread wait for a worker.
 */
void simple_thread_exit(struct simple_dev *sd, unsigned int thread_index)
{
	struct simple_item **pp, *it, *dropped = NULL;
	struct simple_thread *t;

	if (thread_index >= sd->nr_threads)
		return;
	t = &sd->threads[thread_index];
	t->exiting = true;
	pthread_mutex_lock(&sd->qlock);
	sd->qtail = NULL;
	for (pp = &sd->qhead; (it = *pp);) {
		if (it->req->thread_index == thread_index) {
			*pp = it->next;
			it->next = dropped;
			dropped = it;
		} else {
			sd->qtail = it;
			pp = &it->next;
		}
	}
	while (t->busy)
		pthread_cond_wait(&sd->idle, &sd->qlock);
	pthread_mutex_unlock(&sd->qlock);
	free_list(dropped);
}

void simple_queue_io(struct simple_dev *sd, struct ublk_request *req)
{
	struct simple_thread *t;
	struct simple_item *it;

	if (req->thread_index >= sd->nr_threads) {
		host.complete(req, -EIO);
		return;
	}
	t = &sd->threads[req->thread_index];
	/* A poll that found no SQE earlier: this callback is the next chance. */
	if (!t->armed)
		arm_poll(t);
	it = t->free;
	if (it) {
		t->free = it->next;
	} else {
		it = malloc(sizeof(*it));
		if (!it) {
			host.complete(req, -ENOMEM);
			return;
		}
	}
	it->req = req;
	it->next = NULL;

	pthread_mutex_lock(&sd->qlock);
	if (sd->qtail)
		sd->qtail->next = it;
	else
		sd->qhead = it;
	sd->qtail = it;
	pthread_cond_signal(&sd->qcond);
	pthread_mutex_unlock(&sd->qlock);
}

void simple_thread_event(struct simple_dev *sd, unsigned int thread_index,
			 uint32_t cookie, int result)
{
	struct simple_item *it, *rev = NULL;
	struct simple_thread *t;
	eventfd_t count;

	if (thread_index >= sd->nr_threads || cookie != SIMPLE_COOKIE_POLL)
		return;
	t = &sd->threads[thread_index];
	t->armed = false;
	/* Clear the counter before taking the stack, so no wakeup is lost. */
	eventfd_read(t->efd, &count);
	it = __atomic_exchange_n(&t->done, NULL, __ATOMIC_ACQUIRE);
	/* The stack is newest first; complete in the order the workers finished. */
	while (it) {
		struct simple_item *next = it->next;

		it->next = rev;
		rev = it;
		it = next;
	}
	while (rev) {
		struct simple_item *next = rev->next;
		struct ublk_request *req = rev->req;
		int res = rev->result;

		rev->next = t->free;
		t->free = rev;
		host.complete(req, res);
		rev = next;
	}
	if (arm_poll(t))
		log_warn("simple API: IO thread %u's ring is full; completion poll re-armed later",
			 thread_index);
}
