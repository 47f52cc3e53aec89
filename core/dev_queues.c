// SPDX-License-Identifier: MIT
/*
 * A started device's request slots and IO threads: the descriptor areas
 * mapped per queue, one io_slot per (queue, tag) with its buffer and every
 * layer's private area, and the threads that serve them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "dev_queues.h"
#include "device.h"
#include "io_loop.h"
#include "log.h"

static size_t desc_area_size(unsigned int depth, unsigned int desc_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t len = (size_t)depth * desc_size;

	return (len + page - 1) / page * page;
}

/*
 * Bytes per descriptor: what the kernel reported in the device info when
 * UBLK_F_IO_DESC_SIZE is on (ADD_DEV, or GET_DEV_INFO for a recovery), else
 * the fixed struct. The kernel lays out and maps the areas with this size.
 */
static int io_desc_size(struct device *dev)
{
	unsigned int size = sizeof(struct ublksrv_io_desc);

	if (dev->info.flags & UBLK_F_IO_DESC_SIZE)
		size = dev->info.io_desc_size;
	if (size < sizeof(struct ublksrv_io_desc) || size > MAX_IO_DESC_SIZE || (size & 7)) {
		log_error("dev %d: the kernel reports descriptors of %u bytes: not usable",
			  dev->dev_id, size);
		return -1;
	}
	dev->io_desc_size = size;
	return 0;
}

void queues_free(struct device *dev)
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
				free(queue->ios[tag].meta);
			}
			free(queue->ios);
		}
		memset(queue, 0, sizeof(*queue));
	}
}

int queues_init(struct device *dev)
{
	unsigned int depth = dev->info.queue_depth;
	size_t priv_size = dev->priv_size;
	int need_buf = dev->data_path == DATA_COPY || dev->data_path == DATA_GET_DATA ||
		       (dev->data_path == DATA_USER_COPY && !dev->no_data) ||
		       dev->zoned;	/* zone reports are copied out of a plain buffer */
	unsigned int q, tag;

	if (io_desc_size(dev))
		return -1;
	for (q = 0; q < dev->info.nr_hw_queues; q++) {
		struct queue_map *queue = &dev->queues[q];
		off_t off = UBLKSRV_CMD_BUF_OFFSET +
			    (off_t)q * desc_area_size(UBLK_MAX_QUEUE_DEPTH, dev->io_desc_size);
		void *map;

		queue->id = q;
		queue->descs_len = desc_area_size(depth, dev->io_desc_size);
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
			io->iod = (const struct ublksrv_io_desc *)(queue->descs +
								  (size_t)tag * dev->io_desc_size);
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
			if (dev->params.metadata_size &&
			    !(io->meta = malloc(integrity_meta_bytes(&dev->params,
							       dev->info.max_io_buf_bytes))))
				goto err_nomem;
		}
	}
	return 0;

err_nomem:
	log_error("dev %d: out of memory for request slots", dev->dev_id);
err:
	queues_free(dev);
	return -1;
}

/*
 * Which thread serves slot (q, tag): its queue's, or round robin over all
 * with per_io_tasks. In batch mode the thread that prepares queue q: q %
 * nthreads. There, with fewer threads than queues, each queue has one thread;
 * with more, each thread has one queue (t % queues) and shares it: a request
 * goes to whichever of them the kernel hands the tag (batch_io.c).
 */
static unsigned int slot_thread(const struct device *dev, unsigned int q, unsigned int tag)
{
	if (dev->batch)
		return q % dev->nr_threads;
	if (!dev->cfg->per_io_tasks)
		return q;
	return (q * dev->info.queue_depth + tag) % dev->nr_threads;
}

/*
 * The sparse buffer table index of slot (q, tag) in a batch thread: queues
 * shared by several threads are each one's only queue, so an index is valid
 * in every thread the kernel may hand the tag to.
 */
static uint16_t batch_buf_index(const struct device *dev, unsigned int q, unsigned int tag)
{
	unsigned int nt = dev->nr_threads, nq = dev->info.nr_hw_queues;

	return (uint16_t)((nt >= nq ? 0 : q / nt) * dev->info.queue_depth + tag);
}

int threads_init(struct device *dev)
{
	unsigned int nq = dev->info.nr_hw_queues, depth = dev->info.queue_depth;
	unsigned int i, q, tag;

	dev->nr_threads = dev->cfg->nthreads ? dev->cfg->nthreads : nq;
	if (!dev->cfg->per_io_tasks && !dev->batch)
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
			io->buf_index = dev->batch ? batch_buf_index(dev, q, tag) :
						     (uint16_t)t->nr_ios;
			io->req.buf_index = io->buf_index;
			io->req.thread_index = t->index;
			t->ios[t->nr_ios++] = io;
		}
	}
	/*
	 * Batch threads beyond the queues share queue i % queues: its slots
	 * are theirs too while they hold a tag of it, io->thread says who has
	 * one now.
	 */
	for (i = nq; dev->batch && i < dev->nr_threads; i++) {
		struct io_thread *t = &dev->threads[i];

		for (tag = 0; tag < depth; tag++)
			t->ios[t->nr_ios++] = &dev->queues[i % nq].ios[tag];
	}
	/* rotate_auto_buf: each index has a twin one table further. */
	for (i = 0; i < dev->nr_threads; i++)
		dev->threads[i].buf_stride = dev->threads[i].nr_ios;
	/* Pin a thread to its queue's CPUs when threads and queues pair up. */
	if (!dev->cfg->per_io_tasks && dev->nr_threads == nq) {
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

void threads_free(struct device *dev)
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

int threads_start(struct device *dev)
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
void threads_force_exit(struct device *dev)
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

