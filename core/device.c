// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "device.h"
#include "feature_names.h"
#include "io_loop.h"
#include "log.h"
#include "process.h"
#include "stats.h"

#define CDEV_OPEN_WAIT_MS	3000

/* Started devices, for device_resized() to find a device by a layer's handle. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct device *live_devs;
#define RECOVERY_WAIT_MS	10000

static void live_add(struct device *dev)
{
	pthread_mutex_lock(&live_lock);
	dev->next_live = live_devs;
	live_devs = dev;
	pthread_mutex_unlock(&live_lock);
}

/* Unlist the device, then wait for its resize workers: they use it. */
static void live_remove(struct device *dev)
{
	struct device **pp;

	pthread_mutex_lock(&live_lock);
	for (pp = &live_devs; *pp; pp = &(*pp)->next_live) {
		if (*pp == dev) {
			*pp = dev->next_live;
			break;
		}
	}
	pthread_mutex_unlock(&live_lock);
	pthread_mutex_lock(&dev->lock);
	while (dev->resizes_running)
		pthread_cond_wait(&dev->cond, &dev->lock);
	pthread_mutex_unlock(&dev->lock);
}

/*
 * UPDATE_SIZE on a control handle of its own, off the caller's thread: an IO
 * thread must never wait on the driver's device mutex (STOP_DEV holds it
 * while it waits for IO to drain).
 */
static void *resize_worker(void *arg)
{
	struct device *dev = arg;
	struct ctrl c = { .fd = -1 };
	uint64_t want;
	int ret;

	pthread_mutex_lock(&dev->lock);
	want = dev->resize_want;
	pthread_mutex_unlock(&dev->lock);
	if (want > __atomic_load_n(&dev->size, __ATOMIC_RELAXED)) {
		ret = ctrl_open(&c);
		if (ret >= 0)
			ret = ctrl_update_size(&c, dev->dev_id, want >> 9);
		ctrl_close(&c);
		if (ret < 0) {
			log_error("dev %d: resize to %llu bytes: %s", dev->dev_id,
				  (unsigned long long)want, strerror(-ret));
		} else {
			__atomic_store_n(&dev->size, want, __ATOMIC_RELAXED);
			log_info("dev %d: resized to %llu bytes", dev->dev_id,
				 (unsigned long long)want);
		}
	}
	pthread_mutex_lock(&dev->lock);
	dev->resizes_running--;
	pthread_cond_broadcast(&dev->cond);
	pthread_mutex_unlock(&dev->lock);
	return NULL;
}

int device_resized(void *handle, uint64_t new_size)
{
	struct device *dev;
	pthread_attr_t attr;
	pthread_t tid;
	unsigned int i;
	int ret = -ENODEV;

	pthread_mutex_lock(&live_lock);
	for (dev = live_devs; dev; dev = dev->next_live) {
		for (i = 0; i < dev->nr_layers; i++)
			if (dev->layers[i].handle == handle)
				break;
		if (i < dev->nr_layers)
			break;
	}
	if (!dev)
		goto out;
	if (new_size < __atomic_load_n(&dev->size, __ATOMIC_RELAXED)) {
		ret = -EPERM;
	} else if (new_size % dev->params.logical_block_size) {
		ret = -EINVAL;
	} else if (!(dev->kernel_features & UBLK_F_UPDATE_SIZE)) {
		ret = -ENOTSUP;
	} else {
		pthread_mutex_lock(&dev->lock);
		if (new_size > dev->resize_want)
			dev->resize_want = new_size;
		dev->resizes_running++;
		pthread_mutex_unlock(&dev->lock);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		ret = -pthread_create(&tid, &attr, resize_worker, dev);
		pthread_attr_destroy(&attr);
		if (ret) {
			pthread_mutex_lock(&dev->lock);
			dev->resizes_running--;
			pthread_mutex_unlock(&dev->lock);
		}
	}
out:
	pthread_mutex_unlock(&live_lock);
	return ret;
}

static const char *dev_origin(const struct device *dev)
{
	return dev->cfg->origin ? dev->cfg->origin : "command line";
}

static void device_free(struct device *dev)
{
	pthread_mutex_destroy(&dev->lock);
	pthread_cond_destroy(&dev->cond);
	free(dev);
}

/* The target's name (the innermost layer), for messages. */
static const char *target_name(const struct device *dev)
{
	return dev->nr_layers ? dev->layers[dev->nr_layers - 1].name : dev->cfg->target;
}

int device_configure(struct device **devp, struct dev_config *cfg)
{
	struct device *dev;

	*devp = NULL;
	if (dev_config_validate(cfg))
		return -1;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -1;
	dev->cfg = cfg;
	dev->dev_id = -1;
	dev->cdev_fd = -1;
	dev->stop_efd = -1;
	dev->done_efd = -1;
	dev->ctrl.fd = -1;
	pthread_mutex_init(&dev->lock, NULL);
	pthread_cond_init(&dev->cond, NULL);

	if (layers_configure(dev)) {
		layers_close(dev);
		device_free(dev);
		return -1;
	}
	*devp = dev;
	return 0;
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

int device_open_target(struct device *dev)
{
	const struct dev_config *cfg = dev->cfg;
	struct ublk_device_params *p = &dev->params;

	memset(p, 0, sizeof(*p));
	p->struct_size = sizeof(*p);
	p->logical_block_size = cfg->logical_block_size ? cfg->logical_block_size : 512;
	p->physical_block_size = cfg->physical_block_size ? cfg->physical_block_size :
				 p->logical_block_size;
	p->max_io_size = cfg->max_io_size ? cfg->max_io_size : DEFAULT_MAX_IO_SIZE;
	if (cfg->read_only)
		p->attrs |= UBLK_DEV_READ_ONLY;

	if (layers_open(dev, p))
		return -1;
	/* The user's read_only wins over what the plugin said. */
	if (cfg->read_only)
		p->attrs |= UBLK_DEV_READ_ONLY;

	if (!is_pow2(p->logical_block_size) || p->logical_block_size < 512 ||
	    p->logical_block_size > 4096 || !is_pow2(p->physical_block_size) ||
	    p->physical_block_size < p->logical_block_size) {
		log_error("%s: target %s gave invalid block sizes %u/%u", dev_origin(dev),
			  target_name(dev), p->logical_block_size, p->physical_block_size);
		return -1;
	}
	if (!p->size || p->size % p->logical_block_size) {
		log_error("%s: target %s: device size %llu is not a positive multiple of the block size %u",
			  dev_origin(dev), target_name(dev), (unsigned long long)p->size,
			  p->logical_block_size);
		return -1;
	}
	if (p->max_io_size < 4096 || !is_pow2(p->max_io_size))
		p->max_io_size = DEFAULT_MAX_IO_SIZE;
	dev->size = p->size;
	dev->read_only = !!(p->attrs & UBLK_DEV_READ_ONLY);
	return 0;
}

static int ilog2_u32(uint32_t v)
{
	return 31 - __builtin_clz(v);
}

static void build_params(const struct device *dev, struct ublk_params *kp)
{
	const struct ublk_device_params *p = &dev->params;
	uint32_t max_io = p->max_io_size;

	if (max_io > dev->info.max_io_buf_bytes)
		max_io = dev->info.max_io_buf_bytes;

	memset(kp, 0, sizeof(*kp));
	kp->types = UBLK_PARAM_TYPE_BASIC;
	if (p->attrs & UBLK_DEV_READ_ONLY)
		kp->basic.attrs |= UBLK_ATTR_READ_ONLY;
	if (p->attrs & UBLK_DEV_ROTATIONAL)
		kp->basic.attrs |= UBLK_ATTR_ROTATIONAL;
	if (p->attrs & UBLK_DEV_VOLATILE_CACHE)
		kp->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE;
	if (p->attrs & UBLK_DEV_FUA)
		kp->basic.attrs |= UBLK_ATTR_FUA;
	kp->basic.logical_bs_shift = (__u8)ilog2_u32(p->logical_block_size);
	kp->basic.physical_bs_shift = (__u8)ilog2_u32(p->physical_block_size);
	kp->basic.io_min_shift = (__u8)(is_pow2(p->io_min) ? ilog2_u32(p->io_min) :
					kp->basic.physical_bs_shift);
	kp->basic.io_opt_shift = (__u8)(is_pow2(p->io_opt) ? ilog2_u32(p->io_opt) :
					kp->basic.io_min_shift);
	kp->basic.max_sectors = max_io >> 9;
	if (is_pow2(p->chunk_size))
		kp->basic.chunk_sectors = p->chunk_size >> 9;
	kp->basic.dev_sectors = p->size >> 9;

	if (p->discard_granularity || p->max_write_zeroes_size) {
		kp->types |= UBLK_PARAM_TYPE_DISCARD;
		kp->discard.discard_granularity = p->discard_granularity ?
						  p->discard_granularity : p->logical_block_size;
		if (p->discard_granularity)
			kp->discard.max_discard_sectors = p->max_discard_size ?
				p->max_discard_size >> 9 : UINT32_MAX >> 9;
		kp->discard.max_write_zeroes_sectors = p->max_write_zeroes_size >> 9;
		kp->discard.max_discard_segments = 1;
	}
}

/* A feature the user asked for must be one the running kernel has. */
static int require_feature(const struct device *dev, __u64 flag, const char *what,
			   const char *origin)
{
	unsigned int bit = feature_bit(flag);

	if (dev->kernel_features & flag)
		return 0;
	log_error("%s: %s needs the ublk feature %s (Linux %s or newer); this kernel lacks it",
		  origin, what, feature_name(bit), feature_kernel(bit));
	return -1;
}

/* Say which layer stops zero copy: the target, or a filter that touches data. */
static void log_zero_copy_refusal(const struct device *dev, const char *origin)
{
	const struct layer *target = &dev->layers[dev->nr_layers - 1];
	unsigned int i;

	if (target->caps & (UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA)) {
		for (i = 0; i + 1 < dev->nr_layers; i++) {
			if (!(dev->layers[i].caps & UBLK_CAP_ZERO_COPY)) {
				log_error("%s: filter %s touches request data: no zero copy through it",
					  origin, dev->layers[i].name);
				return;
			}
		}
	}
	log_error("%s: target %s cannot do zero copy", origin, target->name);
}

/* Decide, once, the UBLK_F_* flags and the data path. */
static int choose_flags(struct device *dev)
{
	const struct dev_config *cfg = dev->cfg;
	__u64 f = 0;

	/* The stack's capabilities, as every layer's open left them. */
	dev->no_data = !!(dev->caps & UBLK_CAP_NO_DATA);
	dev->data_path = DATA_COPY;

	switch (cfg->recovery) {
	case RECOVERY_ON:
		f |= UBLK_F_USER_RECOVERY;
		break;
	case RECOVERY_REISSUE:
		f |= UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE;
		break;
	case RECOVERY_FAIL_IO:
		f |= UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_FAIL_IO;
		if (require_feature(dev, UBLK_F_USER_RECOVERY_FAIL_IO, "recovery = fail_io",
				    dev_config_origin(cfg, KEY_RECOVERY)))
			return -1;
		break;
	}
	if (f && require_feature(dev, UBLK_F_USER_RECOVERY, "recovery",
				 dev_config_origin(cfg, KEY_RECOVERY)))
		return -1;
	/* Quiesce comes free with recovery where the kernel has it. */
	if (f && (dev->kernel_features & UBLK_F_QUIESCE))
		f |= UBLK_F_QUIESCE;

	/* Batch first: it decides which commands every other mode runs on. */
	if (cfg->batch) {
		const char *origin = dev_config_origin(cfg, KEY_BATCH);

		if (require_feature(dev, UBLK_F_BATCH_IO, "batch", origin))
			return -1;
		/* Batch commands replace FETCH/COMMIT/NEED_GET_DATA entirely. */
		if (cfg->get_data || cfg->per_io_tasks) {
			log_error("%s: batch does not combine with %s", origin,
				  cfg->get_data ? "get_data" : "per_io_tasks");
			return -1;
		}
		f |= UBLK_F_BATCH_IO;
		dev->batch = 1;
	}
	if (cfg->zero_copy) {
		const char *origin = dev_config_origin(cfg, KEY_ZERO_COPY);

		if (!(dev->caps & (UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA))) {
			log_zero_copy_refusal(dev, origin);
			return -1;
		}
		if (cfg->zero_copy == ZERO_COPY_ON) {
			f |= UBLK_F_SUPPORT_ZERO_COPY;
			if (require_feature(dev, UBLK_F_SUPPORT_ZERO_COPY, "zero_copy", origin))
				return -1;
			dev->data_path = DATA_ZERO_COPY;
		} else {
			f |= UBLK_F_AUTO_BUF_REG;
			if (require_feature(dev, UBLK_F_AUTO_BUF_REG, "zero_copy = auto", origin))
				return -1;
			/* The fallback registers by hand: that is SUPPORT_ZERO_COPY. */
			if (cfg->auto_zc_fallback) {
				f |= UBLK_F_SUPPORT_ZERO_COPY;
				if (require_feature(dev, UBLK_F_SUPPORT_ZERO_COPY,
						    "auto_zc_fallback", origin))
					return -1;
			}
			dev->data_path = DATA_AUTO_ZC;
		}
	} else if (cfg->user_copy) {
		f |= UBLK_F_USER_COPY;
		if (require_feature(dev, UBLK_F_USER_COPY, "user_copy",
				    dev_config_origin(cfg, KEY_USER_COPY)))
			return -1;
		dev->data_path = DATA_USER_COPY;
	} else if (cfg->get_data) {
		f |= UBLK_F_NEED_GET_DATA;
		if (require_feature(dev, UBLK_F_NEED_GET_DATA, "get_data",
				    dev_config_origin(cfg, KEY_GET_DATA)))
			return -1;
		dev->data_path = DATA_GET_DATA;
	}
	if (cfg->per_io_tasks) {
		f |= UBLK_F_PER_IO_DAEMON;
		if (require_feature(dev, UBLK_F_PER_IO_DAEMON, "per_io_tasks",
				    dev_config_origin(cfg, KEY_PER_IO_TASKS)))
			return -1;
	}
	dev->flags = f;
	return 0;
}

static int open_cdev(struct device *dev)
{
	char path[64];
	int waited = 0;

	snprintf(path, sizeof(path), "/dev/ublkc%d", dev->dev_id);
	/* devtmpfs/udev may take a moment to create the node. */
	for (;;) {
		dev->cdev_fd = open(path, O_RDWR | O_CLOEXEC);
		if (dev->cdev_fd >= 0)
			return 0;
		if (errno != ENOENT || waited >= CDEV_OPEN_WAIT_MS)
			break;
		usleep(20 * 1000);
		waited += 20;
	}
	log_error("%s: cannot open %s: %s", dev_origin(dev), path, strerror(errno));
	return -1;
}

static size_t desc_area_size(unsigned int depth)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = depth * sizeof(struct ublksrv_io_desc);

	return (len + page - 1) / page * page;
}

static void queues_free(struct device *dev)
{
	unsigned int q, tag;

	for (q = 0; q < MAX_QUEUES; q++) {
		struct queue_map *queue = &dev->queues[q];

		if (queue->descs)
			munmap((void *)queue->descs, queue->descs_len);
		if (queue->ios) {
			for (tag = 0; tag < dev->info.queue_depth; tag++) {
				free(queue->ios[tag].buf);
				free(queue->ios[tag].priv);
			}
			free(queue->ios);
		}
		memset(queue, 0, sizeof(*queue));
	}
}

static int queues_init(struct device *dev)
{
	unsigned int depth = dev->info.queue_depth;
	size_t priv_size = dev->priv_size;
	int need_buf = dev->data_path == DATA_COPY || dev->data_path == DATA_GET_DATA ||
		       (dev->data_path == DATA_USER_COPY && !dev->no_data);
	unsigned int q, tag;

	for (q = 0; q < dev->info.nr_hw_queues; q++) {
		struct queue_map *queue = &dev->queues[q];
		off_t off = UBLKSRV_CMD_BUF_OFFSET + (off_t)q * desc_area_size(UBLK_MAX_QUEUE_DEPTH);
		void *map;

		queue->id = q;
		queue->descs_len = desc_area_size(depth);
		map = mmap(NULL, queue->descs_len, PROT_READ, MAP_SHARED | MAP_POPULATE,
			   dev->cdev_fd, off);
		if (map == MAP_FAILED) {
			log_error("dev %d queue %u: mmap descriptors: %s", dev->dev_id, q,
				  strerror(errno));
			goto err;
		}
		queue->descs = map;
		queue->ios = calloc(depth, sizeof(*queue->ios));
		if (!queue->ios)
			goto err_nomem;
		for (tag = 0; tag < depth; tag++) {
			struct io_slot *io = &queue->ios[tag];

			io->dev = dev;
			io->req.struct_size = sizeof(io->req);
			io->req.q_id = (uint16_t)q;
			io->req.tag = (uint16_t)tag;
			/* Layer 0's view; io_loop switches it for the others. */
			io->req.handle = dev->layers[0].handle;
			io->req.data_mode = dev->data_path == DATA_ZERO_COPY ||
					    dev->data_path == DATA_AUTO_ZC ?
					    UBLK_DATA_FIXED : UBLK_DATA_BUFFER;
			if (priv_size && !(io->priv = calloc(1, priv_size)))
				goto err_nomem;
			if (dev->layers[0].priv_size)
				io->req.priv = (char *)io->priv + dev->layers[0].priv_off;
			if (need_buf) {
				if (posix_memalign(&io->buf, (size_t)sysconf(_SC_PAGESIZE),
						   dev->info.max_io_buf_bytes))
					goto err_nomem;
				io->req.buf = io->buf;
			}
		}
	}
	return 0;

err_nomem:
	log_error("dev %d: out of memory for request slots", dev->dev_id);
err:
	queues_free(dev);
	return -1;
}

/* Which thread serves slot (q, tag): its queue's, or round robin over all. */
static unsigned int slot_thread(const struct device *dev, unsigned int q, unsigned int tag)
{
	if (!dev->cfg->per_io_tasks)
		return q;
	return (q * dev->info.queue_depth + tag) % dev->nr_threads;
}

static int threads_init(struct device *dev)
{
	unsigned int nq = dev->info.nr_hw_queues, depth = dev->info.queue_depth;
	unsigned int i, q, tag;

	dev->nr_threads = dev->cfg->nthreads ? dev->cfg->nthreads : nq;
	if (!dev->cfg->per_io_tasks)
		dev->nr_threads = nq;
	dev->threads = calloc(dev->nr_threads, sizeof(*dev->threads));
	if (!dev->threads)
		return -1;
	for (i = 0; i < dev->nr_threads; i++) {
		struct io_thread *t = &dev->threads[i];

		t->dev = dev;
		t->index = i;
		t->counter = &t->nr_handled;
		t->ios = calloc((size_t)nq * depth / dev->nr_threads + 1 + depth, sizeof(*t->ios));
		if (!t->ios)
			return -1;
	}
	for (q = 0; q < nq; q++) {
		for (tag = 0; tag < depth; tag++) {
			struct io_thread *t = &dev->threads[slot_thread(dev, q, tag)];
			struct io_slot *io = &dev->queues[q].ios[tag];

			io->thread = t;
			io->buf_index = (uint16_t)t->nr_ios;
			io->req.buf_index = io->buf_index;
			io->req.thread_index = t->index;
			t->ios[t->nr_ios++] = io;
		}
	}
	/* Pin a thread to its queue's CPUs when threads and queues pair up. */
	if (!dev->cfg->per_io_tasks) {
		for (q = 0; q < nq; q++) {
			struct io_thread *t = &dev->threads[q];

			if (ctrl_get_queue_affinity(&dev->ctrl, dev->dev_id, (int)q,
						    &t->affinity) >= 0 &&
			    CPU_COUNT(&t->affinity) > 0)
				t->pin = 1;
		}
	}
	return 0;
}

static void threads_free(struct device *dev)
{
	unsigned int i;

	if (!dev->threads)
		return;
	for (i = 0; i < dev->nr_threads; i++)
		free(dev->threads[i].ios);
	free(dev->threads);
	dev->threads = NULL;
	dev->nr_threads = 0;
}

static int threads_start(struct device *dev)
{
	unsigned int i, started = 0;
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	for (i = 0; i < dev->nr_threads; i++) {
		ret = pthread_create(&dev->threads[i].tid, NULL, io_thread_main,
				     &dev->threads[i]);
		if (ret) {
			log_error("dev %d: cannot start IO thread: %s", dev->dev_id, strerror(ret));
			break;
		}
		dev->threads_running++;
		started++;
	}
	/* Wait until every started thread has its ring up (or has failed). */
	for (;;) {
		unsigned int ready = 0;

		for (i = 0; i < started; i++)
			if (dev->threads[i].started) {
				ready++;
				if (dev->threads[i].init_result)
					ret = -1;
			}
		if (ready == started)
			break;
		pthread_cond_wait(&dev->cond, &dev->lock);
	}
	pthread_mutex_unlock(&dev->lock);
	if (started < dev->nr_threads)
		ret = -1;
	return ret ? -1 : 0;
}

/* Make every IO thread leave now, whatever the kernel holds, and join them. */
static void threads_force_exit(struct device *dev)
{
	unsigned int i;

	if (dev->stop_efd >= 0)
		eventfd_write(dev->stop_efd, 1);
	for (i = 0; i < dev->nr_threads; i++)
		if (dev->threads[i].tid)
			pthread_join(dev->threads[i].tid, NULL);
	for (i = 0; i < dev->nr_threads; i++)
		dev->threads[i].tid = 0;
}

/* The flags that decide which IO commands the daemon speaks. */
#define DATA_PATH_FLAGS	(UBLK_F_SUPPORT_ZERO_COPY | UBLK_F_AUTO_BUF_REG | UBLK_F_USER_COPY | \
			 UBLK_F_NEED_GET_DATA | UBLK_F_BATCH_IO)

/* The add options that give these data path flags, for messages. */
static const char *data_path_options(__u64 f)
{
	f &= DATA_PATH_FLAGS;
	if (f == (UBLK_F_AUTO_BUF_REG | UBLK_F_SUPPORT_ZERO_COPY))
		return "--auto_zc --auto_zc_fallback";
	if (f == (UBLK_F_BATCH_IO | UBLK_F_AUTO_BUF_REG))
		return "-b --auto_zc";
	if (f == UBLK_F_AUTO_BUF_REG)
		return "--auto_zc";
	if (f == UBLK_F_SUPPORT_ZERO_COPY)
		return "-z";
	if (f == UBLK_F_USER_COPY)
		return "-u";
	if (f == UBLK_F_NEED_GET_DATA)
		return "-g";
	if (f == UBLK_F_BATCH_IO)
		return "-b";
	return f ? "other data path options" : "no data path option";
}

#define LIVE_DAEMON_GRACE_MS	1000

static int add_or_recover(struct device *dev, int recover)
{
	const struct dev_config *cfg = dev->cfg;
	int ret, waited = 0, live_ms = 0;

	if (!recover) {
		memset(&dev->info, 0, sizeof(dev->info));
		dev->info.dev_id = (__u32)cfg->dev_id;
		dev->info.nr_hw_queues = (__u16)cfg->queues;
		dev->info.queue_depth = (__u16)cfg->depth;
		dev->info.max_io_buf_bytes = dev->params.max_io_size;
		dev->info.flags = dev->flags;
		ret = ctrl_add_dev(&dev->ctrl, &dev->info);
		if (ret < 0) {
			if (ret == -EEXIST)
				log_error("%s: device id %d is already in use",
					  dev_config_origin(cfg, KEY_DEV_ID), cfg->dev_id);
			else
				log_error("%s: cannot add the ublk device: %s", dev_origin(dev),
					  strerror(-ret));
			return -1;
		}
		dev->dev_id = (int)dev->info.dev_id;
		dev->added = 1;
		return 0;
	}

	dev->dev_id = cfg->dev_id;
	ret = ctrl_get_dev_info(&dev->ctrl, dev->dev_id, &dev->info);
	if (ret < 0) {
		log_error("%s: no ublk device %d to recover: %s", dev_origin(dev), dev->dev_id,
			  strerror(-ret));
		return -1;
	}
	if (!(dev->info.flags & UBLK_F_USER_RECOVERY)) {
		log_error("%s: device %d was not created with recovery", dev_origin(dev),
			  dev->dev_id);
		return -1;
	}
	/* Other IO commands than the device's would never be fetched: END would wait forever. */
	if ((dev->info.flags & DATA_PATH_FLAGS) != (dev->flags & DATA_PATH_FLAGS)) {
		log_error("%s: device %d was added with %s, recover is given %s: use the add options",
			  dev_origin(dev), dev->dev_id, data_path_options(dev->info.flags),
			  data_path_options(dev->flags));
		return -1;
	}
	/*
	 * The old daemon's exit is noticed by the kernel a little later: retry.
	 * A daemon that still serves the device keeps it busy for good.
	 */
	for (;;) {
		struct ublksrv_ctrl_dev_info now;

		ret = ctrl_start_user_recovery(&dev->ctrl, dev->dev_id);
		if (ret != -EBUSY || waited >= RECOVERY_WAIT_MS)
			break;
		if (ctrl_get_dev_info(&dev->ctrl, dev->dev_id, &now) >= 0 &&
		    now.state == UBLK_S_DEV_LIVE && process_is_running(now.ublksrv_pid)) {
			live_ms += 100;
			if (live_ms > LIVE_DAEMON_GRACE_MS) {
				log_error("%s: device %d is LIVE, served by pid %d: recover takes over a device whose daemon died",
					  dev_origin(dev), dev->dev_id, now.ublksrv_pid);
				return -1;
			}
		}
		usleep(100 * 1000);
		waited += 100;
	}
	if (ret < 0) {
		if (ret == -EBUSY)
			log_error("%s: cannot start recovery of device %d: its old daemon still holds /dev/ublkc%d",
				  dev_origin(dev), dev->dev_id, dev->dev_id);
		else
			log_error("%s: cannot start recovery of device %d: %s", dev_origin(dev),
				  dev->dev_id, strerror(-ret));
		return -1;
	}
	/* The kernel's geometry and data path are what the device has. */
	ret = ctrl_get_dev_info(&dev->ctrl, dev->dev_id, &dev->info);
	if (ret < 0)
		return -1;
	if (dev->info.nr_hw_queues > MAX_QUEUES) {
		log_error("%s: device %d has %u queues, more than %d", dev_origin(dev),
			  dev->dev_id, dev->info.nr_hw_queues, MAX_QUEUES);
		return -1;
	}
	return 0;
}

int device_start(struct device *dev, int recover)
{
	struct ublk_params kp;
	int ret;

	ret = ctrl_open(&dev->ctrl);
	if (ret < 0) {
		if (ret == -ENOENT)
			log_error("%s: %s does not exist: load the ublk_drv kernel module",
				  dev_origin(dev), UBLK_CONTROL_PATH);
		else
			log_error("%s: cannot open %s: %s", dev_origin(dev), UBLK_CONTROL_PATH,
				  strerror(-ret));
		return -1;
	}
	ret = ctrl_get_features(&dev->ctrl, &dev->kernel_features);
	if (ret < 0 || !(dev->kernel_features & UBLK_F_CMD_IOCTL_ENCODE)) {
		log_error("%s: this kernel's ublk driver is too old (no GET_FEATURES/ioctl encoding)",
			  dev_origin(dev));
		goto err_ctrl;
	}
	if (choose_flags(dev))
		goto err_ctrl;
	if (add_or_recover(dev, recover))
		goto err_ctrl;
	if (open_cdev(dev))
		goto err_del;
	if (queues_init(dev))
		goto err_cdev;
	dev->stop_efd = eventfd(0, EFD_CLOEXEC);
	dev->done_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dev->stop_efd < 0 || dev->done_efd < 0) {
		log_error("dev %d: eventfd: %s", dev->dev_id, strerror(errno));
		goto err_queues;
	}
	if (threads_init(dev)) {
		log_error("dev %d: out of memory for IO threads", dev->dev_id);
		goto err_threads;
	}
	/* Before the threads run: they count into it from their first request. */
	stats_open(dev);
	if (threads_start(dev))
		goto err_threads;

	if (recover) {
		ret = ctrl_end_user_recovery(&dev->ctrl, dev->dev_id, getpid());
		if (ret < 0) {
			log_error("%s: cannot end recovery of device %d: %s", dev_origin(dev),
				  dev->dev_id, strerror(-ret));
			goto err_threads;
		}
	} else {
		build_params(dev, &kp);
		ret = ctrl_set_params(&dev->ctrl, dev->dev_id, &kp);
		if (ret < 0) {
			log_error("%s: the kernel refuses the device parameters: %s",
				  dev_origin(dev), strerror(-ret));
			goto err_threads;
		}
		ret = ctrl_start_dev(&dev->ctrl, dev->dev_id, getpid());
		if (ret < 0) {
			log_error("%s: cannot start device %d: %s", dev_origin(dev), dev->dev_id,
				  strerror(-ret));
			goto err_threads;
		}
	}
	ctrl_get_dev_info(&dev->ctrl, dev->dev_id, &dev->info);
	live_add(dev);
	return 0;

err_threads:
	threads_force_exit(dev);
	stats_close(dev, 1);
	threads_free(dev);
err_queues:
	if (dev->stop_efd >= 0)
		close(dev->stop_efd);
	if (dev->done_efd >= 0)
		close(dev->done_efd);
	dev->stop_efd = dev->done_efd = -1;
	queues_free(dev);
err_cdev:
	close(dev->cdev_fd);
	dev->cdev_fd = -1;
err_del:
	/* A device we added goes; one we were recovering stays recoverable. */
	if (dev->added) {
		ctrl_del_dev(&dev->ctrl, dev->dev_id);
		dev->added = 0;
	}
err_ctrl:
	ctrl_close(&dev->ctrl);
	return -1;
}

void device_wait(struct device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_threads; i++) {
		if (dev->threads[i].tid)
			pthread_join(dev->threads[i].tid, NULL);
		dev->threads[i].tid = 0;
	}
}

int device_stop(struct device *dev)
{
	int ret;

	if (dev->ctrl.fd < 0 || dev->dev_id < 0)
		return 0;
	ret = ctrl_stop_dev(&dev->ctrl, dev->dev_id);
	if (ret < 0 && ret != -ENODEV)
		log_error("dev %d: stop: %s", dev->dev_id, strerror(-ret));
	return ret;
}

void device_destroy(struct device *dev, int del_dev)
{
	if (!dev)
		return;
	if (dev->threads) {
		threads_force_exit(dev);
		/* A recoverable device keeps its file for the next daemon to replace. */
		stats_close(dev, del_dev || !(dev->info.flags & UBLK_F_USER_RECOVERY));
		threads_free(dev);
	}
	queues_free(dev);
	if (dev->stop_efd >= 0)
		close(dev->stop_efd);
	if (dev->done_efd >= 0)
		close(dev->done_efd);
	if (dev->cdev_fd >= 0)
		close(dev->cdev_fd);
	/* DEL_DEV waits for the char device to be released: close it first. */
	if (del_dev && dev->ctrl.fd >= 0 && dev->dev_id >= 0) {
		int ret = ctrl_del_dev(&dev->ctrl, dev->dev_id);

		if (ret < 0 && ret != -ENODEV)
			log_error("dev %d: delete: %s", dev->dev_id, strerror(-ret));
	}
	ctrl_close(&dev->ctrl);
	live_remove(dev);
	layers_close(dev);
	device_free(dev);
}

static void format_cpus(const cpu_set_t *set, char *buf, size_t len)
{
	size_t done = 0;
	int cpu;

	buf[0] = '\0';
	for (cpu = 0; cpu < CPU_SETSIZE && done < len; cpu++)
		if (CPU_ISSET(cpu, set))
			done += (size_t)snprintf(buf + done, len - done, "%d ", cpu);
}

int device_print_info(struct ctrl *ctrl, int dev_id, FILE *out)
{
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params p;
	char cpus[512];
	cpu_set_t set;
	int ret, q;

	ret = ctrl_get_dev_info(ctrl, dev_id, &info);
	if (ret < 0)
		return ret;
	ret = ctrl_get_params(ctrl, dev_id, &p);
	if (ret < 0)
		return ret;

	fprintf(out, "dev id %d: nr_hw_queues %d queue_depth %d block size %d dev_capacity %llu\n",
		(int)info.dev_id, info.nr_hw_queues, info.queue_depth,
		1 << p.basic.logical_bs_shift, (unsigned long long)p.basic.dev_sectors);
	fprintf(out, "\tmax rq size %u daemon pid %d flags 0x%llx state %s\n",
		info.max_io_buf_bytes, info.ublksrv_pid, (unsigned long long)info.flags,
		ctrl_state_name(info.state));
	for (q = 0; q < info.nr_hw_queues; q++) {
		if (ctrl_get_queue_affinity(ctrl, dev_id, q, &set) < 0)
			continue;
		format_cpus(&set, cpus, sizeof(cpus));
		fprintf(out, "\tqueue %u: affinity(%s)\n", q, cpus);
	}
	fflush(out);
	return 0;
}
