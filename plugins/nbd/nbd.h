/* SPDX-License-Identifier: MIT */
/*
 * nbd target: shared definitions. nbd.c holds the plugin callbacks and the
 * configuration, conn.c the per-thread connections driven by io_uring polls,
 * flush.c the FLUSH fan-out to every connection when the server does not
 * promise multi-conn consistency.
 */
#ifndef UBLK_NBD_H
#define UBLK_NBD_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include <linux/time_types.h>

#include <libnbd.h>

#include <ublk/plugin.h>

#define NBD_MAX_THREADS		256
#define NBD_MAX_CONNS		64	/* per IO thread */

/* The instance: configuration, what the export advertised, the threads. */
struct nbd_dev {
	/* configuration */
	char *uri;
	char *host;
	char *port;
	char *socket;
	char *export;
	int tls;			/* LIBNBD_TLS_*, -1: not set */
	uint32_t conns_per_thread;
	uint32_t timeout_s;		/* 0: wait forever */

	/* the export, as open() found it */
	uint64_t server_size;		/* what a reconnect must find again */
	uint64_t size;			/* the device: server_size in whole blocks */
	int logged_size;		/* "export changed" said (until it is fixed) */
	int read_only;
	int can_flush, can_fua, can_trim, can_zero, multi_conn;
	uint32_t max_rw;		/* largest READ/WRITE the server takes */
	uint32_t max_nodata;		/* largest TRIM/ZERO we send at once */

	pthread_mutex_t lock;		/* threads[], probe */
	struct nbd_handle *probe;	/* open()'s connection, until a thread takes it */
	struct nbd_thread *threads[NBD_MAX_THREADS];
	uint32_t nr_threads;
};

/*
 * One command to the server, waiting or in flight: the priv of a ublk
 * request, or (req NULL) one connection's share of a fanned-out FLUSH.
 */
struct nbd_cmd {
	struct nbd_cmd *next, *prev;
	struct ublk_request *req;	/* NULL for a flush share */
	struct flush_group *group;	/* the flush share's group */
	struct nbd_conn *conn;		/* where it is in flight, else NULL */
	int pin;			/* connection index it must use, -1: any */
	uint32_t parts;			/* sub-commands still out */
	int error;			/* first error of a part (-errno) */
	uint8_t lost;			/* a part came back with an error */
};

struct nbd_list {
	struct nbd_cmd head;
};

enum conn_state {
	CONN_DOWN,		/* no handle; next attempt at retry_at */
	CONN_CONNECTING,	/* async handshake in progress */
	CONN_READY,
};

struct nbd_conn {
	struct nbd_thread *t;
	uint32_t index;
	enum conn_state state;
	struct nbd_handle *h;
	int fd;
	uint16_t gen;			/* bumped per handle: stale polls are ignored */
	uint8_t poll_in, poll_out;	/* a POLL_ADD is armed */
	struct nbd_list active;		/* commands sent on this handle */
	struct nbd_list done;		/* finished by libnbd, to complete */
	uint32_t nr_active;
	uint64_t retry_at;		/* CLOCK_MONOTONIC ns */
	uint32_t backoff_ms;
	uint64_t last_progress;		/* ns: a reply came back */
	uint64_t connect_started;	/* ns */
	uint8_t logged_down;		/* "connection lost" said once */
	uint8_t logged_fail;		/* "cannot connect" said once */
};

struct nbd_msg;

/* Per IO thread. */
struct nbd_thread {
	struct nbd_dev *dev;
	uint32_t index;
	uint32_t nr_conns;
	struct nbd_conn conns[NBD_MAX_CONNS];
	struct nbd_list waiting;	/* no usable connection yet */
	uint32_t nr_ready;
	uint64_t down_since;		/* ns, when nr_ready fell to 0 */
	int failing;			/* down past timeout=: fail IO at once */
	uint32_t rr;
	/* cross-thread messages (flush fan-out) */
	int efd;
	uint8_t efd_armed;
	pthread_mutex_t msg_lock;
	struct nbd_msg *msgs;
	/* the periodic tick (timeouts, reconnect backoff) */
	uint8_t tick_armed;
	struct __kernel_timespec tick_ts;
	uint8_t need_poll;		/* a POLL_ADD could not be armed: retry */
	uint8_t stopping;		/* in thread_exit: complete nothing */
};

/* Thread SQE cookies: kind << 28 | connection << 16 | generation. */
enum {
	CK_POLL_IN = 1,
	CK_POLL_OUT = 2,
	CK_TICK = 3,
	CK_EVENTFD = 4,
};
#define CK(kind, conn, gen) (((uint32_t)(kind) << 28) | ((uint32_t)(conn) << 16) | (gen))
#define CK_KIND(c)	((c) >> 28)
#define CK_CONN(c)	(((c) >> 16) & 0xfff)
#define CK_GEN(c)	((c) & 0xffff)

uint64_t nbd_now_ns(void);

/* lists */
void nbd_list_init(struct nbd_list *l);
int nbd_list_empty(const struct nbd_list *l);
void nbd_list_add_tail(struct nbd_list *l, struct nbd_cmd *c);
void nbd_list_del(struct nbd_cmd *c);
struct nbd_cmd *nbd_list_pop(struct nbd_list *l);

/* nbd.c: a handle configured from the device's keys (not connected). */
struct nbd_handle *nbd_dev_new_handle(struct nbd_dev *d);
int nbd_dev_aio_connect(struct nbd_dev *d, struct nbd_handle *h);
const char *nbd_last_error(void);
struct nbd_handle *nbd_dev_take_probe(struct nbd_dev *d);

/* conn.c */
int nbd_thread_start(struct nbd_thread *t);
void nbd_thread_stop(struct nbd_thread *t);
void nbd_thread_submit(struct nbd_thread *t, struct nbd_cmd *c);
void nbd_thread_event(struct nbd_thread *t, uint32_t cookie, int res);
void nbd_thread_kick(struct nbd_thread *t);
void nbd_cmd_finish(struct nbd_thread *t, struct nbd_cmd *c, int result);

/* flush.c */
void nbd_flush_all(struct nbd_thread *t, struct ublk_request *req);
void nbd_flush_share_done(struct nbd_thread *t, struct nbd_cmd *c, int result);
void nbd_thread_messages(struct nbd_thread *t);
void nbd_thread_drop_messages(struct nbd_thread *t);

#endif
