// SPDX-License-Identifier: MIT
/*
 * nbd: the connections of one IO thread, driven by its io_uring.
 *
 * libnbd does the protocol; this file only tells it when its socket is
 * ready. Each connection has at most one POLL_ADD for POLLIN and one for
 * POLLOUT armed (thread SQEs, so their completions come to thread_event),
 * chosen from nbd_aio_get_direction() after every libnbd call. libnbd's
 * completion callbacks only move a command to the connection's done list;
 * commands are finished after the libnbd call returns, once we know whether
 * the connection is still alive: a command that failed because the
 * connection died is sent again after a reconnect, not failed.
 *
 * A tick (IORING_OP_TIMEOUT)
 * (100 ms while a connection is down, else 500 ms)
 * drives reconnection with backoff and timeout=: while no connection is up
 * past the timeout, waiting requests fail with EIO and new ones fail at once,
 * until a connection comes back.
 */
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <liburing.h>

#include "nbd.h"

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL
#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	2000

uint64_t nbd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void nbd_list_init(struct nbd_list *l)
{
	l->head.next = l->head.prev = &l->head;
}

int nbd_list_empty(const struct nbd_list *l)
{
	return l->head.next == &l->head;
}

void nbd_list_add_tail(struct nbd_list *l, struct nbd_cmd *c)
{
	c->prev = l->head.prev;
	c->next = &l->head;
	l->head.prev->next = c;
	l->head.prev = c;
}

void nbd_list_del(struct nbd_cmd *c)
{
	c->prev->next = c->next;
	c->next->prev = c->prev;
	c->next = c->prev = c;
}

struct nbd_cmd *nbd_list_pop(struct nbd_list *l)
{
	struct nbd_cmd *c;

	if (nbd_list_empty(l))
		return NULL;
	c = l->head.next;
	nbd_list_del(c);
	return c;
}

static int conn_dead(struct nbd_conn *c)
{
	return !c->h || nbd_aio_is_dead(c->h) || nbd_aio_is_closed(c->h);
}

static void arm_tick(struct nbd_thread *t)
{
	struct io_uring_sqe *sqe;
	uint64_t ms = 500;
	uint32_t i;

	if (t->tick_armed)
		return;
	for (i = 0; i < t->nr_conns; i++)
		if (t->conns[i].state != CONN_READY)
			ms = BACKOFF_MIN_MS;
	sqe = ublk_get_thread_sqe(CK(CK_TICK, 0, 0));
	if (!sqe) {
		t->need_poll = 1;
		return;
	}
	t->tick_ts.tv_sec = (long long)(ms / 1000);
	t->tick_ts.tv_nsec = (long long)((ms % 1000) * NS_PER_MS);
	io_uring_prep_timeout(sqe, &t->tick_ts, 0, 0);
	t->tick_armed = 1;
}

static void arm_eventfd(struct nbd_thread *t)
{
	struct io_uring_sqe *sqe;

	if (t->efd_armed || t->efd < 0)
		return;
	sqe = ublk_get_thread_sqe(CK(CK_EVENTFD, 0, 0));
	if (!sqe) {
		t->need_poll = 1;
		return;
	}
	io_uring_prep_poll_add(sqe, t->efd, POLLIN);
	t->efd_armed = 1;
}

/* Poll the socket in the direction(s) libnbd is waiting for. */
static void conn_arm(struct nbd_conn *c)
{
	struct io_uring_sqe *sqe;
	unsigned int dir;
	int fd;

	if (c->state == CONN_DOWN || conn_dead(c))
		return;
	fd = nbd_aio_get_fd(c->h);
	if (fd < 0)
		return;
	if (fd != c->fd) {
		/* libnbd moved to another socket (next address): old polls are stale. */
		c->fd = fd;
		c->gen++;
		c->poll_in = c->poll_out = 0;
	}
	dir = nbd_aio_get_direction(c->h);
	if ((dir & LIBNBD_AIO_DIRECTION_READ) && !c->poll_in) {
		sqe = ublk_get_thread_sqe(CK(CK_POLL_IN, c->index, c->gen));
		if (sqe) {
			io_uring_prep_poll_add(sqe, fd, POLLIN);
			c->poll_in = 1;
		} else {
			c->t->need_poll = 1;
		}
	}
	if ((dir & LIBNBD_AIO_DIRECTION_WRITE) && !c->poll_out) {
		sqe = ublk_get_thread_sqe(CK(CK_POLL_OUT, c->index, c->gen));
		if (sqe) {
			io_uring_prep_poll_add(sqe, fd, POLLOUT);
			c->poll_out = 1;
		} else {
			c->t->need_poll = 1;
		}
	}
}

static void cmd_reset(struct nbd_cmd *cmd)
{
	cmd->conn = NULL;
	cmd->parts = 0;
	cmd->error = 0;
	cmd->lost = 0;
}

void nbd_cmd_finish(struct nbd_thread *t, struct nbd_cmd *cmd, int result)
{
	struct ublk_request *req = cmd->req;

	cmd->conn = NULL;
	if (t->stopping) {
		/* thread_exit: the host owns its requests now; shares just go. */
		if (!req)
			free(cmd);
		return;
	}
	if (!req) {
		nbd_flush_share_done(t, cmd, result);
		return;
	}
	if (!result && (req->op == UBLK_OP_READ || req->op == UBLK_OP_WRITE))
		result = (int)req->length;
	ublk_complete(req, result);
}

/* libnbd: one part of a command is back. Runs inside a libnbd call. */
static int part_done(void *user_data, int *error)
{
	struct nbd_cmd *cmd = user_data;
	struct nbd_conn *c = cmd->conn;

	if (*error) {
		cmd->lost = 1;
		if (!cmd->error)
			cmd->error = -*error;
	}
	c->last_progress = nbd_now_ns();
	if (--cmd->parts == 0) {
		nbd_list_del(cmd);
		c->nr_active--;
		nbd_list_add_tail(&c->done, cmd);
	}
	return 1;	/* retire the command */
}

/* Back to the thread's waiting list, to go out again on a live connection. */
static void cmd_requeue(struct nbd_thread *t, struct nbd_cmd *cmd)
{
	cmd_reset(cmd);
	nbd_list_add_tail(&t->waiting, cmd);
}

/* Finish what libnbd has returned; a failure on a dying connection is resent. */
static void conn_reap(struct nbd_conn *c, int dead)
{
	struct nbd_cmd *cmd;

	while ((cmd = nbd_list_pop(&c->done))) {
		if (cmd->lost && dead)
			cmd_requeue(c->t, cmd);
		else
			nbd_cmd_finish(c->t, cmd, cmd->error);
	}
}

static void conn_close_handle(struct nbd_conn *c)
{
	struct nbd_thread *t = c->t;
	struct nbd_cmd *cmd;
	int fd;

	if (!c->h)
		return;
	/* Wake our polls on the old socket, so they complete (stale) and drop it. */
	fd = nbd_aio_get_fd(c->h);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
	nbd_close(c->h);
	c->h = NULL;
	c->fd = -1;
	c->gen++;
	c->poll_in = c->poll_out = 0;
	conn_reap(c, 1);
	/* Whatever had not come back is sent again. */
	while ((cmd = nbd_list_pop(&c->active)))
		cmd_requeue(t, cmd);
	c->nr_active = 0;
}

static void conn_down(struct nbd_conn *c, const char *why)
{
	struct nbd_thread *t = c->t;
	int was_ready = c->state == CONN_READY;

	if (was_ready && !c->logged_down) {
		ublk_log(UBLK_LOG_WARN, "nbd: thread %u connection %u lost (%s): reconnecting",
			 t->index, c->index, why);
		c->logged_down = 1;
	}
	conn_close_handle(c);
	c->state = CONN_DOWN;
	if (was_ready) {
		c->backoff_ms = 0;
		if (--t->nr_ready == 0)
			t->down_since = nbd_now_ns();
	}
	/* At once after a loss (a restarted server is back quickly), then backoff. */
	c->retry_at = nbd_now_ns() + (uint64_t)c->backoff_ms * NS_PER_MS;
	c->backoff_ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (c->backoff_ms > BACKOFF_MAX_MS)
		c->backoff_ms = BACKOFF_MAX_MS;
	arm_tick(t);
}

static void drain_waiting(struct nbd_thread *t)
{
	struct nbd_list todo;
	struct nbd_cmd *cmd;

	if (nbd_list_empty(&t->waiting))
		return;
	nbd_list_init(&todo);
	while ((cmd = nbd_list_pop(&t->waiting)))
		nbd_list_add_tail(&todo, cmd);
	while ((cmd = nbd_list_pop(&todo)))
		nbd_thread_submit(t, cmd);
}

/* The handshake finished: is it still the export we opened? */
static int conn_check_export(struct nbd_conn *c)
{
	struct nbd_dev *d = c->t->dev;
	int64_t size = nbd_get_size(c->h);

	if (size != (int64_t)d->server_size) {
		if (!d->logged_size) {
			ublk_log(UBLK_LOG_ERROR,
				 "nbd: the server's export is now %" PRId64 " bytes, not %" PRIu64 ": refused (IO fails until it is back)",
				 size, d->server_size);
			d->logged_size = 1;
		}
		return -1;
	}
	if (!d->read_only && nbd_is_read_only(c->h) == 1) {
		if (!d->logged_size) {
			ublk_log(UBLK_LOG_ERROR,
				 "nbd: the server's export is now read-only: refused (IO fails until it is back)");
			d->logged_size = 1;
		}
		return -1;
	}
	return 0;
}

/* After any libnbd call on c: finish, change state, re-arm. */
static void conn_progress(struct nbd_conn *c)
{
	struct nbd_thread *t = c->t;
	int dead = conn_dead(c);

	switch (c->state) {
	case CONN_DOWN:
		return;
	case CONN_CONNECTING:
		if (dead) {
			/* Said once until it works: a server refusing a second
			 * client (qemu-nbd without -e) shows up here. */
			if (!c->logged_fail)
				ublk_log(UBLK_LOG_WARN, "nbd: thread %u connection %u: %s",
					 t->index, c->index, nbd_last_error());
			c->logged_fail = 1;
			conn_down(c, "connect failed");
			return;
		}
		if (!nbd_aio_is_ready(c->h)) {
			conn_arm(c);
			return;
		}
		if (conn_check_export(c)) {
			conn_down(c, "export changed");
			return;
		}
		c->state = CONN_READY;
		c->logged_fail = 0;
		c->backoff_ms = 0;
		c->last_progress = nbd_now_ns();
		t->dev->logged_size = 0;
		if (t->nr_ready++ == 0 && t->failing) {
			ublk_log(UBLK_LOG_WARN, "nbd: thread %u: server is back", t->index);
			t->failing = 0;
		}
		if (c->logged_down) {
			ublk_log(UBLK_LOG_INFO, "nbd: thread %u connection %u: reconnected",
				 t->index, c->index);
			c->logged_down = 0;
		}
		drain_waiting(t);
		break;
	case CONN_READY:
		conn_reap(c, dead);
		if (dead) {
			conn_down(c, nbd_last_error());
			drain_waiting(t);	/* to another live connection, if any */
			return;
		}
		break;
	}
	conn_arm(c);
}

/* Start an asynchronous (re)connect: never blocks the IO thread. */
static void conn_start(struct nbd_conn *c)
{
	struct nbd_dev *d = c->t->dev;

	/* open()'s connection is ready already: the first one takes it over. */
	c->h = nbd_dev_take_probe(d);
	if (c->h) {
		c->state = CONN_CONNECTING;
		c->connect_started = nbd_now_ns();
		c->fd = -1;
		c->gen++;
		c->poll_in = c->poll_out = 0;
		conn_progress(c);
		return;
	}
	c->h = nbd_dev_new_handle(d);
	if (!c->h) {
		c->state = CONN_CONNECTING;
		conn_down(c, "out of memory");
		return;
	}
	c->state = CONN_CONNECTING;
	c->connect_started = nbd_now_ns();
	c->fd = -1;
	c->gen++;
	c->poll_in = c->poll_out = 0;
	if (nbd_dev_aio_connect(d, c->h) == -1 && !conn_dead(c) &&
	    !nbd_aio_is_connecting(c->h)) {
		/* Refused before any socket existed (bad address...). */
		ublk_log(UBLK_LOG_DEBUG, "nbd: connect: %s", nbd_last_error());
		conn_down(c, "connect failed");
		return;
	}
	conn_progress(c);
}

/* Send cmd on c, split at the server's limits. */
static void conn_send(struct nbd_conn *c, struct nbd_cmd *cmd)
{
	struct nbd_dev *d = c->t->dev;
	struct ublk_request *req = cmd->req;
	uint32_t op = req ? req->op : UBLK_OP_FLUSH;
	uint64_t off = req ? req->offset : 0;
	uint32_t len = req ? req->length : 0;
	uint32_t max = op == UBLK_OP_READ || op == UBLK_OP_WRITE ? d->max_rw : d->max_nodata;
	uint32_t flags = 0, done = 0;
	nbd_completion_callback cb = { .callback = part_done, .user_data = cmd };

	cmd->conn = c;
	cmd->parts = 1;	/* held until every part is issued */
	nbd_list_add_tail(&c->active, cmd);
	/* An idle connection's last reply is old news: the stall clock starts now. */
	if (c->nr_active++ == 0)
		c->last_progress = nbd_now_ns();
	if (req && (req->flags & UBLK_REQ_FUA) && d->can_fua && op != UBLK_OP_READ)
		flags |= LIBNBD_CMD_FLAG_FUA;
	do {
		uint32_t n = len - done < max ? len - done : max;
		char *buf = req && req->buf ? (char *)req->buf + done : NULL;
		int64_t r;

		cmd->parts++;
		switch (op) {
		case UBLK_OP_READ:
			r = nbd_aio_pread(c->h, buf, n, off + done, cb, 0);
			break;
		case UBLK_OP_WRITE:
			r = nbd_aio_pwrite(c->h, buf, n, off + done, cb, flags);
			break;
		case UBLK_OP_DISCARD:
			r = nbd_aio_trim(c->h, n, off + done, cb, flags);
			break;
		case UBLK_OP_WRITE_ZEROES:
			r = nbd_aio_zero(c->h, n, off + done, cb,
					 flags | (req->flags & UBLK_REQ_NOUNMAP ?
						  LIBNBD_CMD_FLAG_NO_HOLE : 0));
			break;
		default:
			r = nbd_aio_flush(c->h, cb, 0);
			break;
		}
		if (r == -1) {
			/* Not sent: the connection died, or the server would refuse it. */
			cmd->parts--;
			cmd->lost = 1;
			if (!cmd->error)
				cmd->error = -(nbd_get_errno() ? nbd_get_errno() : EIO);
			break;
		}
		done += n;
	} while (done < len);
	if (--cmd->parts == 0) {
		nbd_list_del(cmd);
		c->nr_active--;
		nbd_list_add_tail(&c->done, cmd);
	}
	conn_progress(c);
}

void nbd_thread_submit(struct nbd_thread *t, struct nbd_cmd *cmd)
{
	struct nbd_conn *best = NULL;
	uint32_t i;

	if (cmd->pin >= 0) {
		if (t->conns[cmd->pin].state == CONN_READY)
			best = &t->conns[cmd->pin];
	} else {
		for (i = 0; i < t->nr_conns; i++) {
			struct nbd_conn *c = &t->conns[(t->rr + i) % t->nr_conns];

			if (c->state == CONN_READY && (!best || c->nr_active < best->nr_active))
				best = c;
		}
		t->rr++;
	}
	if (best) {
		conn_send(best, cmd);
		return;
	}
	if (t->failing) {
		nbd_cmd_finish(t, cmd, -EIO);
		return;
	}
	nbd_list_add_tail(&t->waiting, cmd);
}

static void thread_tick(struct nbd_thread *t)
{
	struct nbd_dev *d = t->dev;
	uint64_t now = nbd_now_ns();
	uint64_t limit = (uint64_t)d->timeout_s * NS_PER_S;
	struct nbd_cmd *cmd;
	uint32_t i;

	for (i = 0; i < t->nr_conns; i++) {
		struct nbd_conn *c = &t->conns[i];

		if (c->state == CONN_DOWN && now >= c->retry_at) {
			conn_start(c);
		} else if (c->state == CONN_CONNECTING && limit &&
			   now - c->connect_started > limit) {
			/* A server that accepts but never answers (qemu-nbd without
			 * -e N leaves extra clients in its backlog). */
			if (!c->logged_fail)
				ublk_log(UBLK_LOG_WARN,
					 "nbd: thread %u connection %u: no handshake within %u s (does the server accept %u clients?)",
					 t->index, c->index, d->timeout_s,
					 d->nr_threads * d->conns_per_thread);
			c->logged_fail = 1;
			conn_down(c, "handshake timed out");
		} else if (c->state == CONN_READY && c->nr_active && limit &&
			   now - c->last_progress > limit) {
			/* Connected but silent: treat it as gone, resend elsewhere. */
			conn_down(c, "no reply within timeout");
			drain_waiting(t);
		}
	}
	if (!t->nr_ready && limit && now - t->down_since >= limit && !t->failing) {
		ublk_log(UBLK_LOG_ERROR,
			 "nbd: thread %u: no server for %u s: failing IO with EIO until it is back",
			 t->index, d->timeout_s);
		t->failing = 1;
	}
	if (t->failing)
		while ((cmd = nbd_list_pop(&t->waiting)))
			nbd_cmd_finish(t, cmd, -EIO);
}

/* Re-arm whatever could not be armed for lack of SQEs. */
void nbd_thread_kick(struct nbd_thread *t)
{
	uint32_t i;

	if (!t->need_poll)
		return;
	t->need_poll = 0;
	arm_tick(t);
	arm_eventfd(t);
	for (i = 0; i < t->nr_conns; i++)
		conn_arm(&t->conns[i]);
}

void nbd_thread_event(struct nbd_thread *t, uint32_t cookie, int res)
{
	struct nbd_conn *c;
	unsigned int dir;

	switch (CK_KIND(cookie)) {
	case CK_TICK:
		t->tick_armed = 0;
		thread_tick(t);
		arm_tick(t);
		break;
	case CK_EVENTFD:
		t->efd_armed = 0;
		nbd_thread_messages(t);
		arm_eventfd(t);
		break;
	case CK_POLL_IN:
	case CK_POLL_OUT:
		if (CK_CONN(cookie) >= t->nr_conns)
			break;
		c = &t->conns[CK_CONN(cookie)];
		if (CK_GEN(cookie) != c->gen)
			break;	/* a poll on a socket we have closed */
		if (CK_KIND(cookie) == CK_POLL_IN)
			c->poll_in = 0;
		else
			c->poll_out = 0;
		if (c->state == CONN_DOWN || !c->h)
			break;
		/* Only the events libnbd waits for: others are invalid in its state. */
		dir = nbd_aio_get_direction(c->h);
		if (CK_KIND(cookie) == CK_POLL_IN && (dir & LIBNBD_AIO_DIRECTION_READ))
			nbd_aio_notify_read(c->h);
		else if (CK_KIND(cookie) == CK_POLL_OUT && (dir & LIBNBD_AIO_DIRECTION_WRITE))
			nbd_aio_notify_write(c->h);
		(void)res;
		conn_progress(c);
		break;
	}
	nbd_thread_kick(t);
}

int nbd_thread_start(struct nbd_thread *t)
{
	uint32_t i;

	nbd_list_init(&t->waiting);
	pthread_mutex_init(&t->msg_lock, NULL);
	t->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->efd < 0) {
		ublk_error("nbd: eventfd: %s", strerror(errno));
		return -1;
	}
	t->down_since = nbd_now_ns();
	arm_eventfd(t);
	arm_tick(t);
	for (i = 0; i < t->nr_conns; i++) {
		struct nbd_conn *c = &t->conns[i];

		c->t = t;
		c->index = i;
		c->fd = -1;
		nbd_list_init(&c->active);
		nbd_list_init(&c->done);
		conn_start(c);
	}
	return 0;
}

void nbd_thread_stop(struct nbd_thread *t)
{
	struct nbd_cmd *cmd;
	uint32_t i;

	t->stopping = 1;
	for (i = 0; i < t->nr_conns; i++) {
		struct nbd_conn *c = &t->conns[i];

		conn_close_handle(c);
		c->state = CONN_DOWN;
	}
	/* The host is tearing the queue down: nothing is completed any more. */
	while ((cmd = nbd_list_pop(&t->waiting)))
		if (!cmd->req)
			free(cmd);
	nbd_thread_drop_messages(t);
	if (t->efd >= 0)
		close(t->efd);
	pthread_mutex_destroy(&t->msg_lock);
}
