// SPDX-License-Identifier: MIT
/*
 * nbd: a device whose blocks live on an NBD server (nbdkit, qemu-nbd,
 * qemu-storage-daemon, nbd-server...).
 *
 * libnbd speaks the protocol (handshake, TLS, structured replies, URIs); we
 * drive its asynchronous API from the IO threads' io_uring (conn.c), so a
 * queue thread never blocks and many requests are in flight on each
 * connection. open() connects once, blocking, on the main thread: that is
 * where a wrong address, export or URI is reported, and where the export's
 * size and limits are learnt. The first IO thread takes that connection
 * over; the others open theirs asynchronously, and every thread reopens its
 * connections when the server goes away.
 *
 * Data is copied by libnbd to and from request buffers, so zero copy is not
 * offered (no UBLK_CAP_ZERO_COPY): the host refuses -z / --auto_zc at add
 * time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbd.h"

/* NBD's default maximum payload when the server gives no block size info. */
#define NBD_DEFAULT_MAX_RW	(32U << 20)
/* TRIM/ZERO per command: the protocol's count is 32 bits. */
#define NBD_MAX_NODATA		(1U << 30)
#define NBD_DEFAULT_TIMEOUT_S	30

static int nbd_create_dev(void **handle)
{
	struct nbd_dev *d = calloc(1, sizeof(*d));

	if (!d) {
		ublk_error("out of memory");
		return -1;
	}
	d->tls = -1;
	d->conns_per_thread = 1;
	d->timeout_s = NBD_DEFAULT_TIMEOUT_S;
	pthread_mutex_init(&d->lock, NULL);
	*handle = d;
	return 0;
}

static int set_string(char **dst, const char *key, const char *value)
{
	if (*dst) {
		ublk_error("%s given twice ('%s' and '%s')", key, *dst, value);
		return -1;
	}
	if (!*value) {
		ublk_error("%s: empty value", key);
		return -1;
	}
	*dst = strdup(value);
	if (!*dst) {
		ublk_error("out of memory");
		return -1;
	}
	return 0;
}

static int nbd_config(void *handle, const char *key, const char *value)
{
	struct nbd_dev *d = handle;
	uint64_t v;

	/* The positional argument (like loop's file) is the URI. */
	if (!strcmp(key, "uri") || !strcmp(key, "file")) {
		if (strncmp(value, "nbd", 3) || !strstr(value, "://")) {
			ublk_error("'%s' is not an NBD URI (nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH, nbds://...)",
				   value);
			return -1;
		}
		return set_string(&d->uri, "uri", value);
	}
	if (!strcmp(key, "host"))
		return set_string(&d->host, key, value);
	if (!strcmp(key, "port"))
		return set_string(&d->port, key, value);
	if (!strcmp(key, "socket"))
		return set_string(&d->socket, key, value);
	if (!strcmp(key, "export")) {
		/* The default export is the empty name: allow it. */
		d->export = strdup(value);
		if (!d->export) {
			ublk_error("out of memory");
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "tls")) {
		if (!strcmp(value, "require"))
			d->tls = LIBNBD_TLS_REQUIRE;
		else if (!strcmp(value, "on") || !strcmp(value, "allow"))
			d->tls = LIBNBD_TLS_ALLOW;
		else if (!strcmp(value, "off"))
			d->tls = LIBNBD_TLS_DISABLE;
		else {
			ublk_error("tls: '%s' is not off, on or require", value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(key, "connections")) {
		if (ublk_parse_uint(value, &v) || !v || v > NBD_MAX_CONNS) {
			ublk_error("connections: '%s' is not a number from 1 to %u", value,
				   NBD_MAX_CONNS);
			return -1;
		}
		d->conns_per_thread = (uint32_t)v;
		return 0;
	}
	if (!strcmp(key, "timeout")) {
		if (ublk_parse_uint(value, &v) || v > 86400) {
			ublk_error("timeout: '%s' is not a number of seconds (0: wait forever)",
				   value);
			return -1;
		}
		d->timeout_s = (uint32_t)v;
		return 0;
	}
	ublk_error("unknown parameter '%s' for target nbd", key);
	return -1;
}

#define nbd_config_help \
	"uri=URI          nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH,\n" \
	"                 nbds://... for TLS (or a positional argument)\n" \
	"host=HOST        server address (instead of uri)\n" \
	"port=PORT        server port (default 10809)\n" \
	"socket=PATH      server Unix socket (instead of uri or host)\n" \
	"export=NAME      export name (default: the server's default export)\n" \
	"tls=off|on|require  TLS with host/socket (default: libnbd's, off)\n" \
	"connections=N    NBD connections per IO thread (default 1)\n" \
	"timeout=SECONDS  how long IO waits for a lost server before EIO (default 30, 0: forever)\n"

static const char *const nbd_config_keys[] = {
	"uri", "file", "host", "port", "socket", "export", "tls", "connections", "timeout",
	NULL,
};

static int nbd_config_complete(void *handle)
{
	struct nbd_dev *d = handle;
	int ways = !!d->uri + !!d->host + !!d->socket;

	if (!ways) {
		ublk_error("no server: give uri=nbd://HOST/EXPORT (or host= or socket=)");
		return -1;
	}
	if (ways > 1) {
		ublk_error("give one of uri, host and socket, not several");
		return -1;
	}
	if (d->uri && (d->port || d->export || d->tls >= 0)) {
		ublk_error("uri already says port, export and TLS: drop port=, export= and tls=");
		return -1;
	}
	if (d->port && !d->host) {
		ublk_error("port= goes with host=");
		return -1;
	}
	return 0;
}

/* Where the device's data is, for messages. */
static const char *where(struct nbd_dev *d, char *buf, size_t len)
{
	if (d->uri)
		snprintf(buf, len, "%s", d->uri);
	else if (d->socket)
		snprintf(buf, len, "socket %s%s%s", d->socket, d->export ? " export " : "",
			 d->export ? d->export : "");
	else
		snprintf(buf, len, "%s:%s%s%s", d->host, d->port ? d->port : "10809",
			 d->export ? " export " : "", d->export ? d->export : "");
	return buf;
}

/* libnbd's last error: its first line, without the "nbd_xxx: " prefix. */
const char *nbd_last_error(void)
{
	static __thread char buf[512];
	const char *e = nbd_get_error(), *p;

	if (!e)
		return "unknown error";
	if (!strncmp(e, "nbd_", 4) && (p = strstr(e, ": ")))
		e = p + 2;
	snprintf(buf, sizeof(buf), "%s", e);
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

struct nbd_handle *nbd_dev_new_handle(struct nbd_dev *d)
{
	struct nbd_handle *h = nbd_create();

	if (!h)
		return NULL;
	nbd_set_handle_name(h, "ublk-nbd");
	/* Request buffers are overwritten by the reply: no need to zero them first. */
	nbd_set_pread_initialize(h, false);
	if (d->uri) {
		/* Sockets only: no ssh or exec transports from a URI. */
		nbd_set_uri_allow_transports(h, LIBNBD_ALLOW_TRANSPORT_TCP |
					     LIBNBD_ALLOW_TRANSPORT_UNIX |
					     LIBNBD_ALLOW_TRANSPORT_VSOCK);
		/* tls-psk-file= in the URI. */
		nbd_set_uri_allow_local_file(h, true);
	} else {
		if (d->export && nbd_set_export_name(h, d->export) == -1)
			goto fail;
		if (d->tls >= 0 && nbd_set_tls(h, d->tls) == -1)
			goto fail;
	}
	return h;
fail:
	nbd_close(h);
	return NULL;
}

int nbd_dev_aio_connect(struct nbd_dev *d, struct nbd_handle *h)
{
	if (d->uri)
		return nbd_aio_connect_uri(h, d->uri);
	if (d->socket)
		return nbd_aio_connect_unix(h, d->socket);
	return nbd_aio_connect_tcp(h, d->host, d->port ? d->port : "10809");
}

static int connect_blocking(struct nbd_dev *d, struct nbd_handle *h)
{
	if (d->uri)
		return nbd_connect_uri(h, d->uri);
	if (d->socket)
		return nbd_connect_unix(h, d->socket);
	return nbd_connect_tcp(h, d->host, d->port ? d->port : "10809");
}

static int wants_tls(struct nbd_dev *d)
{
	return d->uri ? !strncmp(d->uri, "nbds", 4) : d->tls == LIBNBD_TLS_REQUIRE;
}

/* The connection open() made, for the first thread that wants one. */
struct nbd_handle *nbd_dev_take_probe(struct nbd_dev *d)
{
	struct nbd_handle *h;

	pthread_mutex_lock(&d->lock);
	h = d->probe;
	d->probe = NULL;
	pthread_mutex_unlock(&d->lock);
	return h;
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int nbd_open(void *handle, struct ublk_device_params *params)
{
	struct nbd_dev *d = handle;
	uint32_t lbs = params->logical_block_size;
	int64_t size, bmin, bpref, bmax;
	struct nbd_handle *h;
	char w[300];

	where(d, w, sizeof(w));
	h = nbd_dev_new_handle(d);
	if (!h) {
		ublk_error("cannot create an NBD handle: %s", nbd_last_error());
		return -1;
	}
	if (wants_tls(d) && nbd_supports_tls(h) != 1) {
		ublk_error("%s: TLS was asked for, but this libnbd has no TLS support", w);
		goto fail;
	}
	if (connect_blocking(d, h) == -1) {
		ublk_error("cannot connect to %s: %s", w, nbd_last_error());
		goto fail;
	}
	size = nbd_get_size(h);
	if (size < 0) {
		ublk_error("%s: cannot get the export size: %s", w, nbd_last_error());
		goto fail;
	}
	d->read_only = nbd_is_read_only(h) == 1 || (params->attrs & UBLK_DEV_READ_ONLY);
	d->can_flush = nbd_can_flush(h) == 1;
	d->can_fua = nbd_can_fua(h) == 1;
	d->can_trim = nbd_can_trim(h) == 1 && !d->read_only;
	d->can_zero = nbd_can_zero(h) == 1 && !d->read_only;
	d->multi_conn = nbd_can_multi_conn(h) == 1;
	bmin = nbd_get_block_size(h, LIBNBD_SIZE_MINIMUM);
	bpref = nbd_get_block_size(h, LIBNBD_SIZE_PREFERRED);
	bmax = nbd_get_block_size(h, LIBNBD_SIZE_MAXIMUM);

	if (bmin > 4096) {
		ublk_error("%s: the server's minimum block size %" PRId64 " is above 4096",
			   w, bmin);
		goto fail;
	}
	if (bmin > (int64_t)lbs) {
		lbs = (uint32_t)bmin;
		params->logical_block_size = lbs;
	}
	if (params->physical_block_size < lbs)
		params->physical_block_size = lbs;
	d->server_size = (uint64_t)size;
	d->size = (uint64_t)size / lbs * lbs;
	if (!d->size) {
		ublk_error("%s: the export is %" PRId64 " bytes, less than one %u-byte block",
			   w, size, lbs);
		goto fail;
	}
	if (d->size != d->server_size)
		ublk_log(UBLK_LOG_WARN, "nbd: %s: %" PRIu64 " trailing bytes are not served (not a whole block)",
			 w, d->server_size - d->size);

	/* Largest READ/WRITE: the server's maximum; bigger ones are split. */
	d->max_rw = bmax > 0 && bmax < NBD_DEFAULT_MAX_RW ? (uint32_t)bmax : NBD_DEFAULT_MAX_RW;
	d->max_rw = d->max_rw / lbs * lbs;
	if (!d->max_rw)
		d->max_rw = lbs;
	if (params->max_io_size > d->max_rw)
		params->max_io_size = d->max_rw;
	d->max_nodata = NBD_MAX_NODATA;
	if (is_pow2((uint64_t)bpref) && bpref > (int64_t)lbs) {
		params->io_opt = (uint32_t)bpref;
		if (bpref <= 4096)
			params->physical_block_size = (uint32_t)bpref;
	}

	params->size = d->size;
	if (d->read_only)
		params->attrs |= UBLK_DEV_READ_ONLY;
	if (d->can_flush)
		params->attrs |= UBLK_DEV_VOLATILE_CACHE;
	if (d->can_fua)
		params->attrs |= UBLK_DEV_FUA;
	if (d->can_trim) {
		params->discard_granularity = lbs;
		params->max_discard_size = d->max_nodata;
	}
	if (d->can_zero)
		params->max_write_zeroes_size = d->max_nodata;
	/* libnbd needs the data in our memory. */
	params->caps &= ~UBLK_CAP_ZERO_COPY;

	ublk_log(UBLK_LOG_DEBUG,
		 "nbd: %s: %" PRIu64 " bytes%s, block %u, max IO %u%s%s%s%s%s%s",
		 w, d->size, d->read_only ? " read-only" : "", lbs, d->max_rw,
		 d->can_flush ? ", flush" : "", d->can_fua ? ", fua" : "",
		 d->can_trim ? ", trim" : "", d->can_zero ? ", zero" : "",
		 d->multi_conn ? ", multi-conn" : "",
		 nbd_get_tls_negotiated(h) == 1 ? ", TLS" : "");
	/*
	 * The first IO thread takes this connection over; the others connect
	 * on their own. Keeping it open also keeps a server that exits with
	 * its last client (qemu-nbd without --persistent) up until they have.
	 */
	d->probe = h;
	return 0;
fail:
	nbd_close(h);
	return -1;
}

static int nbd_thread_init(void *handle, uint32_t thread_index, void **thread_data)
{
	struct nbd_dev *d = handle;
	struct nbd_thread *t;

	if (thread_index >= NBD_MAX_THREADS) {
		ublk_error("nbd: at most %u IO threads", NBD_MAX_THREADS);
		return -1;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		ublk_error("out of memory");
		return -1;
	}
	t->dev = d;
	t->index = thread_index;
	t->nr_conns = d->conns_per_thread;
	t->efd = -1;
	pthread_mutex_lock(&d->lock);
	d->threads[thread_index] = t;
	d->nr_threads++;
	pthread_mutex_unlock(&d->lock);
	if (nbd_thread_start(t)) {
		pthread_mutex_lock(&d->lock);
		d->threads[thread_index] = NULL;
		d->nr_threads--;
		pthread_mutex_unlock(&d->lock);
		free(t);
		return -1;
	}
	*thread_data = t;
	return 0;
}

static void nbd_thread_exit(void *handle, void *thread_data)
{
	struct nbd_dev *d = handle;
	struct nbd_thread *t = thread_data;

	pthread_mutex_lock(&d->lock);
	d->threads[t->index] = NULL;
	d->nr_threads--;
	pthread_mutex_unlock(&d->lock);
	nbd_thread_stop(t);
	free(t);
}

static void nbd_queue_io(struct ublk_request *req)
{
	struct nbd_dev *d = req->handle;
	struct nbd_thread *t = req->thread_data;
	struct nbd_cmd *cmd = req->priv;

	nbd_thread_kick(t);
	if (req->op != UBLK_OP_FLUSH &&
	    (req->offset > d->size || req->length > d->size - req->offset)) {
		ublk_complete(req, -EIO);
		return;
	}
	if (d->read_only && req->op != UBLK_OP_READ && req->op != UBLK_OP_FLUSH) {
		ublk_complete(req, -EROFS);
		return;
	}
	memset(cmd, 0, sizeof(*cmd));
	cmd->next = cmd->prev = cmd;
	cmd->req = req;
	cmd->pin = -1;
	switch (req->op) {
	case UBLK_OP_READ:
	case UBLK_OP_WRITE:
		if (!req->length) {
			ublk_complete(req, 0);
			return;
		}
		break;
	case UBLK_OP_FLUSH:
		if (!d->can_flush) {
			ublk_complete(req, 0);
			return;
		}
		if (!d->multi_conn && d->nr_threads * d->conns_per_thread > 1) {
			nbd_flush_all(t, req);
			return;
		}
		break;
	case UBLK_OP_DISCARD:
		if (!d->can_trim) {
			ublk_complete(req, -EOPNOTSUPP);
			return;
		}
		break;
	case UBLK_OP_WRITE_ZEROES:
		if (!d->can_zero) {
			ublk_complete(req, -EOPNOTSUPP);
			return;
		}
		break;
	default:
		ublk_complete(req, -EOPNOTSUPP);
		return;
	}
	nbd_thread_submit(t, cmd);
}

static void nbd_thread_event_cb(void *handle, void *thread_data, uint32_t cookie, int result)
{
	nbd_thread_event(thread_data, cookie, result);
}

static void nbd_close_dev(void *handle)
{
	struct nbd_dev *d = handle;

	if (d->probe)
		nbd_close(d->probe);
	free(d->uri);
	free(d->host);
	free(d->port);
	free(d->socket);
	free(d->export);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static const struct ublk_plugin nbd_plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "nbd",
	.version = PACKAGE_VERSION,
	.description = "a device on an NBD server (nbdkit, qemu-nbd, nbd-server...), with libnbd",
	.config_help = nbd_config_help,
	.caps = 0,	/* no zero copy: libnbd reads and writes the buffers */
	.request_priv_size = sizeof(struct nbd_cmd),
	.create = nbd_create_dev,
	.config = nbd_config,
	.config_complete = nbd_config_complete,
	.open = nbd_open,
	.thread_init = nbd_thread_init,
	.thread_exit = nbd_thread_exit,
	.queue_io = nbd_queue_io,
	.close = nbd_close_dev,
	.thread_event = nbd_thread_event_cb,
	.config_keys = nbd_config_keys,
};

UBLK_REGISTER_PLUGIN(nbd_plugin)
