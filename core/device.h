/* SPDX-License-Identifier: MIT */
/*
 * A device's lifecycle: its layers (filters over the target plugin, layers.c)
 * configured and opened, the flags negotiated (dev_params.c), the ublk device
 * added (or recovered), its queues mapped and served by IO threads
 * (dev_queues.c, io_loop.c), started; then stopped and deleted.
 */
#ifndef UBLK_SERVER_DEVICE_H
#define UBLK_SERVER_DEVICE_H

#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <liburing.h>

#include "dev_config.h"
#include "dev_params.h"
#include "ctrl.h"
#include "layers.h"
#include "loader.h"
#include "ublk_abi.h"

struct device;
struct io_thread;
struct batch_state;
struct cmd_ops;
struct stats_file;
struct shmem_zc;

/* Per-IO state flags (io_slot.flags). */
#define IO_BUF_REGISTERED	(1U << 0)	/* we registered the buffer: unregister before commit */
#define IO_SQE_STARVED		(1U << 1)	/* ublk_get_sqe() said NULL to a layer: an -EAGAIN
						 * result restarts the request instead */
#define IO_NEED_REG_BUF		(1U << 2)	/* AUTO_ZC: the kernel left registering to us */
#define IO_SHMEM		(1U << 3)	/* SHMEM_ZC: req.buf is the application's memory */

/* What a slot waits for on its thread's deferred list (no SQE was free). */
enum io_deferred {
	DEFER_NONE = 0,
	DEFER_CMD,		/* a FETCH / NEED_GET_DATA command (deferred_arg: cmd_op) */
	DEFER_START,		/* register the buffer, then the layers */
	DEFER_QUEUE,		/* call queue_io of io_slot.layer again */
	DEFER_RESTART,		/* run the request again from the outermost layer */
	DEFER_COMMIT,		/* (unregister +) commit deferred_arg as the result */
};

/* One request slot: (queue, tag). */
struct io_slot {
	struct ublk_request req;	/* what the layers see */
	struct io_thread *thread;
	struct device *dev;
	const struct ublksrv_io_desc *iod;	/* this slot's descriptor (io_desc_size apart) */
	void *buf;			/* copy / user copy / get_data buffer */
	void *priv;			/* every layer's request_priv, one allocation */
	uint32_t flags;
	uint16_t buf_index;		/* index in the thread's sparse buffer table; with
					 * rotate_auto_buf it moves by buf_stride a commit */
	uint8_t layer;			/* the layer that has the request now */
	uint8_t deferred;		/* enum io_deferred */
	int deferred_arg;
	struct io_slot *next_deferred;
	uint64_t start_ns;		/* fetch CQE time, for the latency histogram (stats.h) */
	void *meta;			/* integrity metadata (params.metadata_size) */
};

struct queue_map {
	unsigned int id;
	const char *descs;		/* mmapped, read-only: io_desc_size bytes a tag */
	size_t descs_len;
	struct io_slot *ios;
};

struct io_thread {
	struct device *dev;
	unsigned int index;
	pthread_t tid;
	int started;
	struct io_uring ring;
	unsigned int sq_entries;
	int debug_defer;		/* UBLK_DEBUG_RING_ENTRIES: defer rather than submit */
	struct io_slot **ios;		/* the slots this thread serves */
	unsigned int nr_ios;
	unsigned int cmd_inflight;	/* FETCH/COMMIT/GET_DATA commands in the kernel */
	unsigned int target_inflight;	/* SQEs whose CQE goes to a layer or core */
	int stopping;			/* the kernel aborted our commands */
	int exit_now;			/* asked to leave without waiting for the kernel */
	int init_result;
	cpu_set_t affinity;
	int pin;
	unsigned int layers_ready;	/* layers whose thread_init ran */
	void *layer_data[MAX_LAYERS];	/* each layer's thread_init result */
	struct io_slot *deferred_head;	/* slots waiting for SQEs, FIFO */
	struct io_slot *deferred_tail;
	uint64_t nr_handled;		/* requests completed, when there is no stats file */
	uint64_t *counter;		/* &nr_handled or a slot of the stats file */
	struct batch_state *batch;	/* UBLK_F_BATCH_IO only */
	unsigned int buf_stride;	/* slots of the sparse buffer table a rotation moves */
};

struct device {
	struct dev_config *cfg;
	/* The layer chain (layers.h): [0] outermost filter .. [n-1] the target. */
	struct layer layers[MAX_LAYERS];
	unsigned int nr_layers;
	uint32_t caps;			/* UBLK_CAP_* of the stack, after every open */
	size_t priv_size;		/* every layer's request_priv, summed */
	size_t priv_zero;		/* bytes zeroed per request from priv[0] (single
					 * range: no layer has OWN_PRIV) */
	int priv_zero_each;		/* mixed OWN_PRIV: zero layer by layer */
	struct ublk_device_params params;
	struct ublksrv_ctrl_dev_info info;
	__u64 kernel_features;
	__u64 flags;			/* UBLK_F_* asked for */
	int data_path;			/* enum data_path */
	int auto_zc_fallback;		/* auto_zc: register by hand where the kernel could not */
	char data_path_why[160];	/* for list: "set by -z", "auto: kernel has ..." */
	int no_data;			/* no layer touches data */
	int zoned;			/* UBLK_F_ZONED: zone operations (zoned.h) */
	uint64_t size;			/* bytes; grows with device_resized() */
	int read_only;			/* refuse writes, discards and zeroes */
	unsigned int resizes_running;	/* device_resized() workers, under lock */
	uint64_t resize_want;		/* the largest size asked for, under lock */
	struct device *next_live;	/* started devices (device_resize.c) */
	int batch;			/* UBLK_F_BATCH_IO: PREP/FETCH/COMMIT_IO_CMDS */
	int rotate_buf;			/* rotate_auto_buf: a new buffer index each commit */
	unsigned int io_desc_size;	/* bytes between descriptors, as the kernel reports */
	const struct cmd_ops *cmd;	/* the per-IO or the batch command set */
	struct ctrl ctrl;
	int added;			/* ADD_DEV (or START_USER_RECOVERY) done */
	int dev_id;
	int cdev_fd;
	int cmd_fd;			/* sqe->fd of IO commands: 0 (registered) or cdev_fd */
	__u8 cmd_sqe_flags;		/* IOSQE_FIXED_FILE, or 0 with ublk_fixed_fd = off */
	int stop_efd;			/* wakes IO threads for a forced exit */
	int done_efd;			/* written by the last IO thread to leave */
	unsigned int threads_running;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct queue_map queues[MAX_QUEUES];
	struct io_thread *threads;
	unsigned int nr_threads;
	struct stats_file *stats;	/* shared with `ublk-server stats` */
	size_t stats_len;
	struct shmem_zc *shmem;		/* UBLK_F_SHMEM_ZC buffers (shmem_zc.c) */
};

/*
 * Load every layer (filters and target) and hand each its configuration;
 * nothing touches the kernel. This is all `--check` runs.
 */
int device_configure(struct device **devp, struct dev_config *cfg);
/* Open the layers, innermost first: the target acquires its backing store and geometry. */
int device_open_target(struct device *dev);
/*
 * Add the ublk device (recover_id DEVICE_ADD: with cfg->dev_id, or one the
 * kernel picks), or re-attach to device recover_id; start the IO threads and
 * the device. On failure nothing is left: no device, thread or fd.
 */
#define DEVICE_ADD	(-1)
int device_start(struct device *dev, int recover_id);
/* Block until every IO thread has left (the device was stopped). */
void device_wait(struct device *dev);
/* STOP_DEV: in-flight IO completes, then the IO threads leave. */
int device_stop(struct device *dev);
/* Release everything; delete the kernel device when del_dev is set. */
void device_destroy(struct device *dev, int del_dev);

#endif
