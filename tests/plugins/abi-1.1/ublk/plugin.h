/* SPDX-License-Identifier: MIT */
/*
 * ublk-server plugin ABI, version 1.1 (1.0 plugins keep loading).
 *
 * This is the only header a target plugin includes. A plugin is a shared
 * object (NAME.so in the plugin directory) that serves the block requests of
 * one kind of device: null, loop, stripe... The server (the "host") owns the
 * kernel protocol, the io_uring rings and the threads; the plugin owns the
 * backing store.
 *
 * Writing a plugin
 * ----------------
 *   #include <ublk/plugin.h>
 *
 *   static int my_config(void *handle, const char *key, const char *value)
 *   {
 *           ...
 *           ublk_error("unknown parameter '%s'", key);
 *           return -1;
 *   }
 *   ...
 *   static const struct ublk_plugin plugin = {
 *           UBLK_PLUGIN_HEADER,
 *           .name     = "mine",
 *           .create   = my_create,
 *           .config   = my_config,
 *           .open     = my_open,
 *           .queue_io = my_queue_io,
 *           .close    = my_close,
 *   };
 *   UBLK_REGISTER_PLUGIN(plugin)
 *
 * Build it with `cc -shared -fPIC -fvisibility=hidden` (or a version script
 * exporting only `ublk_plugin_entry`) and drop it in the plugin directory.
 *
 * Life of a device
 * ----------------
 *   create -> config (once per key) -> config_complete -> open
 *     -> [per IO thread: thread_init] -> queue_io / io_done ... -> thread_exit
 *     -> close
 * (Simple API, 1.1: pread/pwrite/flush/trim/zero replace queue_io/io_done
 * and run on worker threads; see below.)
 * The same instance handle (what create returned) is passed to every call.
 * create/config/config_complete/open/close run on the main thread;
 * thread_init/queue_io/io_done/thread_exit run on an IO thread and must not
 * block: do IO through the thread's io_uring with ublk_get_sqe(), or complete
 * at once with ublk_complete().
 *
 * Errors: a callback that fails calls ublk_error() with one sentence a user
 * can act on and returns -1. The host prefixes the origin (`devices.ini:12:`
 * or the option name) when it reports it.
 *
 * Evolution rules (append-only, as nbdkit does)
 * ---------------------------------------------
 *  - struct ublk_plugin carries its own size and ABI version. The host
 *    refuses a plugin whose major version differs from its own, and copies
 *    min(its size, the plugin's size): fields a plugin does not know are zero,
 *    fields the host does not know are ignored.
 *  - struct ublk_host (the services the host offers) also carries its size;
 *    the inline wrappers below return -ENOSYS for a service an older host
 *    lacks.
 *  - struct ublk_request and struct ublk_device_params only grow at the end.
 *    Nothing is ever removed or reordered within a major version.
 *
 * What each minor version added
 * -----------------------------
 *  1.0  struct ublk_plugin up to close; host services up to parse_uint.
 *  1.1  Plugins: flags (UBLK_PLUGIN_OWN_PRIV), thread_model, thread_event,
 *       config_keys and the simple (blocking) API: pread, pwrite, flush,
 *       trim, zero. A plugin gives either queue_io or pread+pwrite.
 *       Device params: caps (per device, set by open()).
 *       Host: get_sqes (reservation, never split; deferral on a full ring),
 *       get_thread_sqe, next_queue_io, device_resized.
 *       Filters: struct ublk_filter, UBLK_REGISTER_FILTER.
 *
 * Threads: ublk_complete(), ublk_get_sqe(), ublk_get_sqes(),
 * ublk_get_thread_sqe() and ublk_next_queue_io() must be called on the IO
 * thread that runs the request (or, for thread SQEs, on an IO thread), from
 * inside a callback. Simple-API callbacks run on worker threads and call none
 * of them.
 */
#ifndef UBLK_PLUGIN_H
#define UBLK_PLUGIN_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UBLK_PLUGIN_ABI_MAJOR	1
#define UBLK_PLUGIN_ABI_MINOR	1

/* Block operations a plugin is asked to do (ublk_request.op). */
enum ublk_op {
	UBLK_OP_READ = 0,
	UBLK_OP_WRITE = 1,
	UBLK_OP_FLUSH = 2,
	UBLK_OP_DISCARD = 3,
	UBLK_OP_WRITE_ZEROES = 5,
};

/* ublk_request.flags */
#define UBLK_REQ_FUA		(1U << 0)	/* data must be durable on completion */
#define UBLK_REQ_NOUNMAP	(1U << 1)	/* WRITE_ZEROES must keep blocks allocated */

/*
 * Where the data of a READ/WRITE lives (ublk_request.data_mode).
 *  BUFFER: req->buf is a plain buffer of req->length bytes. This is the mode
 *          of copy, user copy (the host moves the data between the kernel and
 *          req->buf) and NEED_GET_DATA devices.
 *  FIXED:  zero copy. The request's pages are registered in the thread's
 *          io_uring at req->buf_index; use IORING_OP_READ_FIXED/WRITE_FIXED
 *          with sqe->buf_index = req->buf_index and addr = 0 (the offset
 *          within the request buffer). req->buf is NULL. Only plugins that
 *          declare UBLK_CAP_ZERO_COPY are ever given this mode.
 */
enum ublk_data_mode {
	UBLK_DATA_BUFFER = 0,
	UBLK_DATA_FIXED = 1,
};

/*
 * ublk_plugin.caps, ublk_filter.caps and (1.1) ublk_device_params.caps.
 * For a filter, UBLK_CAP_ZERO_COPY means "I never touch request data": zero
 * copy (and UBLK_CAP_NO_DATA) pass through it; without it the host clears
 * both for the device, so -z is refused at add time.
 */
#define UBLK_CAP_ZERO_COPY	(1U << 0)	/* handles UBLK_DATA_FIXED */
#define UBLK_CAP_NO_DATA	(1U << 1)	/* never reads or writes request data */

/* ublk_plugin.flags, ublk_filter.flags (1.1) */
#define UBLK_PLUGIN_OWN_PRIV	(1U << 0)	/* I initialise req->priv myself: don't zero it */

/*
 * ublk_plugin.thread_model (1.1): how many simple-API callbacks the host may
 * run at once. Only for plugins that use the simple API (pread...); the
 * async API (queue_io) always runs on the IO threads.
 */
enum ublk_thread_model {
	UBLK_THREAD_MODEL_SERIALIZE_ALL = 0,	 /* one call at a time, all devices */
	UBLK_THREAD_MODEL_SERIALIZE_REQUESTS = 1, /* one call at a time per device */
	UBLK_THREAD_MODEL_PARALLEL = 2,		 /* any number at once */
};

/* One block request, owned by the host. Plugins read it; only priv is theirs. */
struct ublk_request {
	uint32_t struct_size;	/* sizeof as the host built it */
	uint8_t op;		/* enum ublk_op */
	uint8_t data_mode;	/* enum ublk_data_mode */
	uint16_t q_id;		/* hardware queue */
	uint16_t tag;		/* request slot in the queue, < queue depth */
	uint16_t buf_index;	/* registered buffer index (UBLK_DATA_FIXED) */
	uint32_t flags;		/* UBLK_REQ_* */
	uint32_t length;	/* bytes */
	uint64_t offset;	/* bytes from the start of the device */
	void *buf;		/* data (UBLK_DATA_BUFFER), else NULL */
	void *handle;		/* the instance create() returned */
	void *thread_data;	/* what thread_init() set for this thread */
	void *priv;		/* request_priv_size bytes of this layer; zeroed per
				 * request unless UBLK_PLUGIN_OWN_PRIV */
	uint32_t thread_index;	/* which IO thread runs this request */
};
/*
 * In a stack of layers (filters over a target, see struct ublk_filter) every
 * layer sees the same ublk_request; the host switches handle, thread_data and
 * priv to the layer it calls. Cookies are per layer: each layer's SQE
 * completions come back to its own io_done with its own cookie, so layers
 * never share or reserve cookie bits.
 */

/* Read-only attributes of the device (ublk_device_params.attrs). */
#define UBLK_DEV_READ_ONLY	(1U << 0)
#define UBLK_DEV_ROTATIONAL	(1U << 1)
#define UBLK_DEV_VOLATILE_CACHE	(1U << 2)	/* the device has a cache: send FLUSH */
#define UBLK_DEV_FUA		(1U << 3)	/* honours UBLK_REQ_FUA */

/*
 * Device geometry, filled in by open(). The host pre-fills it with the
 * defaults and with what the user configured (logical_block_size, read_only
 * ...); the plugin sets size and may change the rest. All sizes are bytes.
 */
struct ublk_device_params {
	uint32_t struct_size;
	uint32_t attrs;			/* UBLK_DEV_* */
	uint64_t size;			/* required: device size, multiple of logical_block_size */
	uint32_t logical_block_size;	/* power of two, 512..4096 */
	uint32_t physical_block_size;	/* power of two >= logical */
	uint32_t io_min;		/* 0 or power of two: minimum efficient IO */
	uint32_t io_opt;		/* 0 or power of two: optimal IO */
	uint32_t max_io_size;		/* largest request the plugin accepts */
	uint32_t discard_granularity;	/* 0: no DISCARD */
	uint32_t max_discard_size;	/* largest DISCARD request */
	uint32_t max_write_zeroes_size;	/* 0: no WRITE_ZEROES */
	uint32_t chunk_size;		/* 0 or power of two: requests never cross it */
	/* 1.1 */
	uint32_t caps;			/* UBLK_CAP_* of this device: pre-filled with the
					 * plugin's caps (for a filter: with what the layer
					 * below reported); open() may clear bits */
};

/* How many bytes of a struct both sides know. */
#define UBLK_FIELD_END(type, field) \
	(offsetof(type, field) + sizeof(((type *)0)->field))

/*
 * Services the host offers. Use the ublk_* wrappers below rather than the
 * table: they check that the host is new enough for each service.
 */
struct ublk_host {
	uint32_t struct_size;
	uint16_t abi_major;
	uint16_t abi_minor;
	void (*vlog)(int level, const char *fmt, va_list ap);
	void (*verror)(const char *fmt, va_list ap);
	/*
	 * Get an SQE on the ring of the thread running req. Its user_data is
	 * already set so the completion comes back to io_done(req, cookie, res):
	 * fill it with liburing's io_uring_prep_*() (they leave user_data alone)
	 * and do not touch user_data. NULL if the ring is full even after a
	 * submit (then complete the request with -EAGAIN or retry later).
	 */
	void *(*get_sqe)(struct ublk_request *req, uint32_t cookie);
	/* Finish req with bytes done (>= 0) or -errno. Exactly once per request. */
	void (*complete)(struct ublk_request *req, int result);
	/* "4096", "64K", "1M", "2G", "1T" (powers of 1024) -> bytes; -1 on error. */
	int (*parse_size)(const char *str, uint64_t *bytes);
	/* "1/0", "on/off", "yes/no", "true/false" -> 1/0; -1 on error. */
	int (*parse_bool)(const char *str, int *value);
	/* Decimal or 0x hex unsigned number -> value; -1 on error. */
	int (*parse_uint)(const char *str, uint64_t *value);

	/* --- 1.1 --- */
	/*
	 * Reserve n SQEs (n >= 1) for req, all or none: sqes[0..n-1] are
	 * consecutive in the submission queue and go to the kernel in the same
	 * submit, so IOSQE_IO_LINK / IOSQE_IO_HARDLINK chains are never split.
	 * user_data is set as for get_sqe (each completes to io_done(req,
	 * cookie, res)). Returns 0, or:
	 *  -EAGAIN  the ring has no room now. The host has queued req and calls
	 *           queue_io(req) again once SQEs are free, with req->priv as
	 *           you left it: return without completing req. Keep in priv
	 *           what you already issued so the second call resumes.
	 *  -E2BIG   n exceeds the ring: it can never succeed.
	 */
	int (*get_sqes)(struct ublk_request *req, uint32_t cookie, unsigned int n,
			void **sqes);
	/*
	 * An SQE on the calling IO thread's ring that belongs to no request
	 * (a poll on a socket or eventfd, a timer): its completion goes to
	 * thread_event(handle, thread_data, cookie, res) of the calling layer.
	 * Only on an IO thread (thread_init, queue_io, io_done, thread_event).
	 * NULL if the ring stays full after a submit: try again from the next
	 * callback. Multishot requests are fine (IORING_CQE_F_MORE is not
	 * reported; re-arm when a completion's result is an error).
	 */
	void *(*get_thread_sqe)(uint32_t cookie);
	/*
	 * Filters: hand req to the next layer down. Its completion comes back
	 * to the filter's complete() callback (or straight up if it has none).
	 */
	void (*next_queue_io)(struct ublk_request *req);
	/*
	 * The device's size changed (a network image grew): ask the host to
	 * resize the block device. Any thread; handle is the instance create()
	 * returned. 0 if queued, -errno (e.g. -ENOTSUP on a kernel without
	 * UPDATE_SIZE, -EINVAL for a size that is not a multiple of the block
	 * size). Shrinking is refused with -EPERM.
	 */
	int (*device_resized)(void *handle, uint64_t new_size);
};

#define UBLK_LOG_ERROR	0
#define UBLK_LOG_WARN	1
#define UBLK_LOG_INFO	2
#define UBLK_LOG_DEBUG	3

/* The plugin definition. Fill it with designated initializers. */
struct ublk_plugin {
	/* Set by UBLK_PLUGIN_HEADER: never by hand. */
	uint32_t struct_size;
	uint16_t abi_major;
	uint16_t abi_minor;

	const char *name;		/* required: what `target = NAME` says */
	const char *version;
	const char *description;	/* one line */
	const char *config_help;	/* "key=VALUE  what it does\n" lines */
	uint32_t caps;			/* UBLK_CAP_* */
	uint32_t request_priv_size;	/* bytes of ublk_request.priv */

	/* Required: allocate an instance; *handle is passed to every call. */
	int (*create)(void **handle);
	/* Required: one key=value of the device's configuration. */
	int (*config)(void *handle, const char *key, const char *value);
	/* Optional: all keys seen; check that the configuration is complete. */
	int (*config_complete)(void *handle);
	/* Required: acquire resources and fill *params (size at least). */
	int (*open)(void *handle, struct ublk_device_params *params);
	/* Optional: per IO thread state (e.g. registered files). */
	int (*thread_init)(void *handle, uint32_t thread_index, void **thread_data);
	void (*thread_exit)(void *handle, void *thread_data);
	/* Required: start req; complete it now or later with ublk_complete(). */
	void (*queue_io)(struct ublk_request *req);
	/* Required if the plugin uses ublk_get_sqe(): one completed SQE. */
	void (*io_done)(struct ublk_request *req, uint32_t cookie, int result);
	/* Required: release what create() and open() acquired. */
	void (*close)(void *handle);

	/* --- 1.1: appended; a 1.0 plugin has these zero --- */
	uint32_t flags;			/* UBLK_PLUGIN_* */
	uint32_t thread_model;		/* enum ublk_thread_model (simple API) */
	/* Optional: a completion of an SQE from ublk_get_thread_sqe(). */
	void (*thread_event)(void *handle, void *thread_data, uint32_t cookie, int result);
	/*
	 * Optional: NULL-terminated list of the keys config() takes. With it
	 * the host can tell which layer a bare key belongs to and refuse a
	 * key that two layers of a stack both take.
	 */
	const char *const *config_keys;

	/*
	 * The simple API: give these instead of queue_io/io_done. They run on
	 * the device's worker threads (`workers = N`), may block, and are
	 * serialised as thread_model says. buf is plain memory (zero copy is
	 * never used). Return 0 or a negative errno. flags: UBLK_REQ_FUA for
	 * pwrite, UBLK_REQ_NOUNMAP for zero. pread and pwrite are required;
	 * without flush/trim/zero the operation fails with -EOPNOTSUPP (and
	 * the device does not advertise trim/zero unless open() says so).
	 */
	int (*pread)(void *handle, void *buf, uint32_t count, uint64_t offset,
		     uint32_t flags);
	int (*pwrite)(void *handle, const void *buf, uint32_t count, uint64_t offset,
		      uint32_t flags);
	int (*flush)(void *handle, uint32_t flags);
	int (*trim)(void *handle, uint32_t count, uint64_t offset, uint32_t flags);
	int (*zero)(void *handle, uint32_t count, uint64_t offset, uint32_t flags);
};

#define UBLK_PLUGIN_HEADER \
	.struct_size = sizeof(struct ublk_plugin), \
	.abi_major = UBLK_PLUGIN_ABI_MAJOR, \
	.abi_minor = UBLK_PLUGIN_ABI_MINOR

/* The one symbol a plugin exports. */
#define UBLK_PLUGIN_ENTRY_SYMBOL "ublk_plugin_entry"
typedef const struct ublk_plugin *(*ublk_plugin_entry_fn)(const struct ublk_host *host);

extern const struct ublk_host *ublk_host;

#define UBLK_REGISTER_PLUGIN(plugin_struct) \
	const struct ublk_host *ublk_host; \
	__attribute__((visibility("default"))) \
	const struct ublk_plugin *ublk_plugin_entry(const struct ublk_host *host) \
	{ \
		ublk_host = host; \
		return &(plugin_struct); \
	}

/*
 * Filters (1.1)
 * -------------
 * A filter is a layer the host stacks between itself and a target:
 * `filters = trace, qos` (outermost first) or `--filter NAME`. It is a .so in
 * the plugin directory, like a target, registered with UBLK_REGISTER_FILTER.
 * The host loads every layer, so a filter never loads its neighbour.
 *
 *   create -> config -> config_complete: as for a plugin. A key reaches a
 *     filter as `NAME.key` stripped to `key`, or bare when only this layer
 *     lists it in config_keys (required for filters).
 *   open(handle, params): called after every layer below has opened;
 *     params holds what they reported (size, limits, caps) and the filter
 *     may change it (a smaller size, fewer caps...).
 *   queue_io(req): the request on its way down. Do one of: pass it on with
 *     ublk_next_queue_io(req); complete it yourself with ublk_complete();
 *     or hold it (e.g. a timer SQE from ublk_get_sqe(), then io_done) and
 *     do one of those later.
 *   complete(req, result): the layer below finished req. Finish it with
 *     ublk_complete(req, result or another result), now or later. NULL:
 *     completions pass through unchanged.
 * All of these run on the request's IO thread; ublk_complete and
 * ublk_next_queue_io must be called on it too, never from another thread.
 */
#define UBLK_FILTER_ENTRY_SYMBOL "ublk_filter_entry"

struct ublk_filter {
	/* Set by UBLK_FILTER_HEADER. */
	uint32_t struct_size;
	uint16_t abi_major;
	uint16_t abi_minor;

	const char *name;		/* required: what `filters =` says */
	const char *version;
	const char *description;
	const char *config_help;
	const char *const *config_keys;	/* required, NULL-terminated */
	uint32_t caps;			/* UBLK_CAP_ZERO_COPY: never touches data */
	uint32_t flags;			/* UBLK_PLUGIN_OWN_PRIV */
	uint32_t request_priv_size;

	int (*create)(void **handle);				/* required */
	int (*config)(void *handle, const char *key, const char *value); /* required */
	int (*config_complete)(void *handle);
	int (*open)(void *handle, struct ublk_device_params *params);	/* required */
	int (*thread_init)(void *handle, uint32_t thread_index, void **thread_data);
	void (*thread_exit)(void *handle, void *thread_data);
	void (*queue_io)(struct ublk_request *req);			/* required */
	void (*io_done)(struct ublk_request *req, uint32_t cookie, int result);
	void (*complete)(struct ublk_request *req, int result);
	void (*thread_event)(void *handle, void *thread_data, uint32_t cookie, int result);
	void (*close)(void *handle);					/* required */
};

#define UBLK_FILTER_HEADER \
	.struct_size = sizeof(struct ublk_filter), \
	.abi_major = UBLK_PLUGIN_ABI_MAJOR, \
	.abi_minor = UBLK_PLUGIN_ABI_MINOR

typedef const struct ublk_filter *(*ublk_filter_entry_fn)(const struct ublk_host *host);

#define UBLK_REGISTER_FILTER(filter_struct) \
	const struct ublk_host *ublk_host; \
	__attribute__((visibility("default"))) \
	const struct ublk_filter *ublk_filter_entry(const struct ublk_host *host) \
	{ \
		ublk_host = host; \
		return &(filter_struct); \
	}

#define UBLK_HOST_HAS(member) \
	(ublk_host && ublk_host->struct_size >= UBLK_FIELD_END(struct ublk_host, member))

static inline __attribute__((format(printf, 2, 3)))
void ublk_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (!UBLK_HOST_HAS(vlog))
		return;
	va_start(ap, fmt);
	ublk_host->vlog(level, fmt, ap);
	va_end(ap);
}

/* Record why a callback is about to return -1. */
static inline __attribute__((format(printf, 1, 2)))
void ublk_error(const char *fmt, ...)
{
	va_list ap;

	if (!UBLK_HOST_HAS(verror))
		return;
	va_start(ap, fmt);
	ublk_host->verror(fmt, ap);
	va_end(ap);
}

static inline void *ublk_get_sqe(struct ublk_request *req, uint32_t cookie)
{
	return UBLK_HOST_HAS(get_sqe) ? ublk_host->get_sqe(req, cookie) : NULL;
}

static inline void ublk_complete(struct ublk_request *req, int result)
{
	if (UBLK_HOST_HAS(complete))
		ublk_host->complete(req, result);
}

/* 1.1 services: -ENOSYS / NULL from a 1.0 host. */
static inline int ublk_get_sqes(struct ublk_request *req, uint32_t cookie,
				unsigned int n, void **sqes)
{
	return UBLK_HOST_HAS(get_sqes) ? ublk_host->get_sqes(req, cookie, n, sqes) : -ENOSYS;
}

static inline void *ublk_get_thread_sqe(uint32_t cookie)
{
	return UBLK_HOST_HAS(get_thread_sqe) ? ublk_host->get_thread_sqe(cookie) : NULL;
}

static inline void ublk_next_queue_io(struct ublk_request *req)
{
	if (UBLK_HOST_HAS(next_queue_io))
		ublk_host->next_queue_io(req);
	else
		ublk_complete(req, -ENOSYS);
}

static inline int ublk_device_resized(void *handle, uint64_t new_size)
{
	return UBLK_HOST_HAS(device_resized) ?
		ublk_host->device_resized(handle, new_size) : -ENOSYS;
}

static inline int ublk_parse_size(const char *str, uint64_t *bytes)
{
	return UBLK_HOST_HAS(parse_size) ? ublk_host->parse_size(str, bytes) : -ENOSYS;
}

static inline int ublk_parse_bool(const char *str, int *value)
{
	return UBLK_HOST_HAS(parse_bool) ? ublk_host->parse_bool(str, value) : -ENOSYS;
}

static inline int ublk_parse_uint(const char *str, uint64_t *value)
{
	return UBLK_HOST_HAS(parse_uint) ? ublk_host->parse_uint(str, value) : -ENOSYS;
}

#ifdef __cplusplus
}
#endif

#endif
