// SPDX-License-Identifier: MIT
/*
 * nbd: FLUSH when the server does not advertise multi-conn.
 *
 * Without NBD_FLAG_CAN_MULTI_CONN a flush on one connection only covers the
 * writes that connection saw, so a device FLUSH must reach every connection
 * of every IO thread. Each thread owns its connections and never touches
 * another's, so the flush travels as messages: the thread that got the FLUSH
 * sends one share on each of its own connections and posts a message to
 * every other thread (a list under a mutex, plus its eventfd, which that
 * thread polls with a thread SQE). The share that completes last ends the
 * request, on its own thread (ublk_complete must be called there), through
 * a message back when needed.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "nbd.h"

struct flush_group {
	atomic_uint remaining;		/* shares not finished */
	atomic_int error;		/* first failure */
	struct nbd_thread *origin;
	struct ublk_request *req;
};

enum { MSG_FLUSH, MSG_FLUSH_DONE };

struct nbd_msg {
	struct nbd_msg *next;
	int type;
	struct flush_group *group;
};

static void post(struct nbd_thread *t, int type, struct flush_group *g)
{
	struct nbd_msg *m = malloc(sizeof(*m));
	uint64_t one = 1;

	if (!m) {
		/* A lost message would leave the FLUSH hanging forever. */
		ublk_log(UBLK_LOG_ERROR, "nbd: out of memory for a flush message");
		abort();
	}
	m->type = type;
	m->group = g;
	pthread_mutex_lock(&t->msg_lock);
	m->next = t->msgs;
	t->msgs = m;
	pthread_mutex_unlock(&t->msg_lock);
	if (write(t->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is already non-zero, the thread will look. */
	}
}

/* One share per connection of t. */
static void send_shares(struct nbd_thread *t, struct flush_group *g)
{
	uint32_t i;

	for (i = 0; i < t->nr_conns; i++) {
		struct nbd_cmd *c = calloc(1, sizeof(*c));

		if (!c) {
			struct nbd_cmd tmp = { .group = g, .pin = -1 };

			nbd_flush_share_done(t, &tmp, -ENOMEM);
			continue;
		}
		c->next = c->prev = c;
		c->group = g;
		c->pin = (int)i;
		nbd_thread_submit(t, c);
	}
}

void nbd_flush_all(struct nbd_thread *t, struct ublk_request *req)
{
	struct nbd_dev *d = t->dev;
	struct flush_group *g = calloc(1, sizeof(*g));
	uint32_t i, shares = 0;

	if (!g) {
		ublk_complete(req, -ENOMEM);
		return;
	}
	g->origin = t;
	g->req = req;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < NBD_MAX_THREADS; i++)
		if (d->threads[i])
			shares += d->threads[i]->nr_conns;
	/* Count them all before any can finish. */
	atomic_init(&g->remaining, shares);
	atomic_init(&g->error, 0);
	for (i = 0; i < NBD_MAX_THREADS; i++)
		if (d->threads[i] && d->threads[i] != t)
			post(d->threads[i], MSG_FLUSH, g);
	pthread_mutex_unlock(&d->lock);
	send_shares(t, g);
}

void nbd_flush_share_done(struct nbd_thread *t, struct nbd_cmd *c, int result)
{
	struct flush_group *g = c->group;
	int zero = 0;

	if (c->pin >= 0)
		free(c);	/* send_shares allocated it */
	if (result < 0)
		atomic_compare_exchange_strong(&g->error, &zero, result);
	if (atomic_fetch_sub(&g->remaining, 1) != 1)
		return;
	if (g->origin == t) {
		ublk_complete(g->req, atomic_load(&g->error));
		free(g);
	} else {
		post(g->origin, MSG_FLUSH_DONE, g);
	}
}

static struct nbd_msg *take_messages(struct nbd_thread *t)
{
	struct nbd_msg *m, *rev = NULL;
	uint64_t v;

	if (read(t->efd, &v, sizeof(v)) < 0) {
		/* EAGAIN: nothing counted; the list decides. */
	}
	pthread_mutex_lock(&t->msg_lock);
	m = t->msgs;
	t->msgs = NULL;
	pthread_mutex_unlock(&t->msg_lock);
	/* Oldest first. */
	while (m) {
		struct nbd_msg *next = m->next;

		m->next = rev;
		rev = m;
		m = next;
	}
	return rev;
}

void nbd_thread_messages(struct nbd_thread *t)
{
	struct nbd_msg *m = take_messages(t);

	while (m) {
		struct nbd_msg *next = m->next;
		struct flush_group *g = m->group;

		if (m->type == MSG_FLUSH) {
			send_shares(t, g);
		} else {
			ublk_complete(g->req, atomic_load(&g->error));
			free(g);
		}
		free(m);
		m = next;
	}
}

void nbd_thread_drop_messages(struct nbd_thread *t)
{
	struct nbd_msg *m = take_messages(t);

	while (m) {
		struct nbd_msg *next = m->next;

		free(m);
		m = next;
	}
}
