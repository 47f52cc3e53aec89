// SPDX-License-Identifier: MIT
/*
 * The IO threads. Each owns one io_uring and a set of request slots; one
 * loop turn submits everything queued and reaps every completion:
 *
 *   FETCH/COMMIT CQE --> (register buffer | copy in) --> plugin queue_io
 *   plugin complete  --> (unregister | copy out) --> COMMIT_AND_FETCH
 *
 * Every SQE's user_data says where its completion goes.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "batch_io.h"
#include "device.h"
#include "io_internal.h"
#include "io_loop.h"
#include "log.h"
#include "stats.h"

static inline struct io_slot *req_to_io(struct ublk_request *req)
{
	return (struct io_slot *)((char *)req - offsetof(struct io_slot, req));
}

struct io_uring_sqe *thread_get_sqe(struct io_thread *t)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);

	if (!sqe) {
		io_uring_submit(&t->ring);
		sqe = io_uring_get_sqe(&t->ring);
	}
	return sqe;
}

static void prep_io_cmd(struct io_uring_sqe *sqe, struct io_slot *io,
			__u32 cmd_op, int result, __u64 cmd_addr)
{
	struct ublksrv_io_cmd *cmd = (struct ublksrv_io_cmd *)&sqe->addr3;

	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->flags = IOSQE_FIXED_FILE;
	sqe->fd = 0;			/* /dev/ublkcN, registered file 0 */
	sqe->cmd_op = cmd_op;
	cmd->q_id = io->req.q_id;
	cmd->tag = io->req.tag;
	cmd->result = result;
	cmd->addr = cmd_addr;
}

/* FETCH, COMMIT_AND_FETCH or NEED_GET_DATA for one slot. */
static void io_issue_cmd(struct io_slot *io, __u32 cmd_op, int result)
{
	struct io_thread *t = io->thread;
	struct device *dev = io->dev;
	struct io_uring_sqe *sqe = thread_get_sqe(t);
	__u64 addr = 0;

	if (!sqe) {
		log_error("dev %d queue %u tag %u: no SQE for a command", dev->dev_id,
			  io->req.q_id, io->req.tag);
		return;
	}
	/* Copy modes give the kernel our buffer; the others pass none. */
	if (dev->data_path == DATA_COPY || dev->data_path == DATA_GET_DATA)
		addr = (__u64)(uintptr_t)io->buf;
	prep_io_cmd(sqe, io, cmd_op, result, addr);
	if (dev->data_path == DATA_AUTO_ZC)
		sqe->addr = ublk_auto_buf_reg_encode(io->buf_index,
				dev->cfg->auto_zc_fallback ? UBLK_AUTO_BUF_REG_FALLBACK : 0);
	sqe->user_data = ud_build(io->req.tag, io->req.q_id, UD_CMD, 0);
	t->cmd_inflight++;
}

static inline __u64 user_copy_offset(const struct io_slot *io)
{
	return UBLKSRV_IO_BUF_OFFSET + ((__u64)io->req.q_id << UBLK_QID_OFF) +
	       ((__u64)io->req.tag << UBLK_TAG_OFF);
}

static void io_dispatch(struct io_slot *io)
{
	io->dev->plugin->ops.queue_io(&io->req);
}

static int op_has_data(int op)
{
	return op == UBLK_OP_READ || op == UBLK_OP_WRITE;
}

void io_start(struct io_slot *io)
{
	struct device *dev = io->dev;
	const struct ublksrv_io_desc *iod = &dev->queues[io->req.q_id].descs[io->req.tag];
	unsigned int op = iod->op_flags & 0xff;
	struct ublk_request *req = &io->req;
	int needs_data;

	stats_io_start(io);
	req->op = (uint8_t)op;
	req->flags = 0;
	if (iod->op_flags & UBLK_IO_F_FUA)
		req->flags |= UBLK_REQ_FUA;
	if (iod->op_flags & UBLK_IO_F_NOUNMAP)
		req->flags |= UBLK_REQ_NOUNMAP;
	req->offset = (uint64_t)iod->start_sector << 9;
	req->length = iod->nr_sectors << 9;
	if (req->priv)
		memset(req->priv, 0, dev->plugin->ops.request_priv_size);

	switch (op) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
	case UBLK_IO_OP_FLUSH:
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		break;
	default:
		io_complete(req, -EOPNOTSUPP);
		return;
	}

	needs_data = op_has_data(op) && !dev->no_data;
	if (needs_data && (dev->data_path == DATA_ZERO_COPY ||
			   (dev->data_path == DATA_AUTO_ZC &&
			    (iod->op_flags & UBLK_IO_F_NEED_REG_BUF)))) {
		struct io_uring_sqe *sqe = thread_get_sqe(io->thread);

		if (!sqe) {
			io_complete(req, -EAGAIN);
			return;
		}
		prep_io_cmd(sqe, io, UBLK_U_IO_REGISTER_IO_BUF, 0, io->buf_index);
		sqe->user_data = ud_build(req->tag, req->q_id, UD_REG_BUF, 0);
		io->thread->target_inflight++;
		return;
	}
	if (needs_data && dev->data_path == DATA_USER_COPY && op == UBLK_IO_OP_WRITE) {
		/* A memory copy from the kernel: quick, not a blocking IO. */
		ssize_t n = pread(dev->cdev_fd, io->buf, req->length, (off_t)user_copy_offset(io));

		if (n != (ssize_t)req->length) {
			log_error("dev %d queue %u tag %u: user copy in: %s", dev->dev_id,
				  req->q_id, req->tag, n < 0 ? strerror(errno) : "short");
			io_complete(req, -EIO);
			return;
		}
	}
	io_dispatch(io);
}

void io_complete(struct ublk_request *req, int result)
{
	struct io_slot *io = req_to_io(req);
	struct io_thread *t = io->thread;
	struct device *dev = io->dev;

	if (io->flags & IO_BUF_REGISTERED) {
		struct io_uring_sqe *sqe = thread_get_sqe(t);

		io->flags &= ~IO_BUF_REGISTERED;
		if (sqe) {
			/*
			 * Hard link: the commit must go out even if this fails.
			 * Batch commits are sent later in the turn, in SQ order.
			 */
			prep_io_cmd(sqe, io, UBLK_U_IO_UNREGISTER_IO_BUF, 0, io->buf_index);
			sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
			if (!dev->batch)
				sqe->flags |= IOSQE_IO_HARDLINK;
			sqe->user_data = ud_build(req->tag, req->q_id, UD_UNREG_BUF, 0);
		}
	} else if (dev->data_path == DATA_USER_COPY && req->op == UBLK_OP_READ &&
		   result > 0 && !dev->no_data) {
		ssize_t n = pwrite(dev->cdev_fd, io->buf, (size_t)result,
				   (off_t)user_copy_offset(io));

		if (n != result) {
			log_error("dev %d queue %u tag %u: user copy out: %s", dev->dev_id,
				  req->q_id, req->tag, n < 0 ? strerror(errno) : "short");
			result = -EIO;
		}
	}
	stats_io_done(io, result);
	if (dev->batch)
		batch_commit(io, result);
	else
		io_issue_cmd(io, UBLK_U_IO_COMMIT_AND_FETCH_REQ, result);
}

void *io_get_target_sqe(struct ublk_request *req, uint32_t cookie)
{
	struct io_slot *io = req_to_io(req);
	struct io_uring_sqe *sqe;

	if (!io->dev->plugin->ops.io_done) {
		log_error("plugin %s uses ublk_get_sqe() without an io_done callback",
			  io->dev->plugin->ops.name);
		return NULL;
	}
	sqe = thread_get_sqe(io->thread);
	if (!sqe)
		return NULL;
	memset(sqe, 0, sizeof(*sqe));
	sqe->user_data = ud_build(req->tag, req->q_id, UD_TARGET, cookie);
	io->thread->target_inflight++;
	return sqe;
}

static void handle_cmd_cqe(struct io_thread *t, struct io_slot *io, int res)
{
	t->cmd_inflight--;
	if (res == UBLK_IO_RES_OK) {
		io_start(io);
	} else if (res == UBLK_IO_RES_NEED_GET_DATA) {
		io_issue_cmd(io, UBLK_U_IO_NEED_GET_DATA, 0);
	} else {
		/* ABORT: the device is stopping; this slot is done for good. */
		if (res != UBLK_IO_RES_ABORT)
			log_error("dev %d queue %u tag %u: command failed: %s",
				  io->dev->dev_id, io->req.q_id, io->req.tag, strerror(-res));
		t->stopping = 1;
	}
}

static void handle_cqe(struct io_thread *t, const struct io_uring_cqe *cqe)
{
	struct device *dev = t->dev;
	__u64 ud = cqe->user_data;
	unsigned int kind = UD_KIND(ud);
	struct io_slot *io;

	if (kind == UD_STOP) {
		t->exit_now = 1;
		return;
	}
	io = &dev->queues[UD_QID(ud)].ios[UD_TAG(ud)];

	switch (kind) {
	case UD_CMD:
		handle_cmd_cqe(t, io, cqe->res);
		break;
	case UD_REG_BUF:
		t->target_inflight--;
		if (cqe->res < 0) {
			log_error("dev %d queue %u tag %u: register buffer: %s", dev->dev_id,
				  io->req.q_id, io->req.tag, strerror(-cqe->res));
			io_complete(&io->req, cqe->res);
			break;
		}
		io->flags |= IO_BUF_REGISTERED;
		io_dispatch(io);
		break;
	case UD_UNREG_BUF:
		log_error("dev %d queue %u tag %u: unregister buffer: %s", dev->dev_id,
			  io->req.q_id, io->req.tag, strerror(-cqe->res));
		break;
	case UD_TARGET:
		t->target_inflight--;
		dev->plugin->ops.io_done(&io->req, UD_COOKIE(ud), cqe->res);
		break;
	case UD_BATCH_PREP:
	case UD_BATCH_FETCH:
	case UD_BATCH_COMMIT:
		batch_handle_cqe(t, cqe, kind, UD_COOKIE(ud));
		break;
	default:
		log_error("dev %d: completion with unknown user_data 0x%llx", dev->dev_id,
			  (unsigned long long)ud);
	}
}

static int thread_setup_ring(struct io_thread *t)
{
	static const unsigned int flag_sets[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
			IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	struct device *dev = t->dev;
	struct io_uring_params p;
	unsigned int entries = 16;
	unsigned int i;
	int ret = -EINVAL;

	/* Room for a command and a target SQE per slot, within limits. */
	while (entries < 2 * t->nr_ios + 8 && entries < 4096)
		entries <<= 1;

	for (i = 0; i < sizeof(flag_sets) / sizeof(flag_sets[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = flag_sets[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = entries * 2;
		ret = io_uring_queue_init_params(entries, &t->ring, &p);
		if (ret != -EINVAL)
			break;
	}
	if (ret < 0) {
		log_error("dev %d thread %u: io_uring setup: %s", dev->dev_id, t->index,
			  strerror(-ret));
		return ret;
	}

	ret = io_uring_register_files(&t->ring, &dev->cdev_fd, 1);
	if (ret) {
		log_error("dev %d thread %u: register %s: %s", dev->dev_id, t->index,
			  "char device", strerror(-ret));
		goto err;
	}
	if (dev->data_path == DATA_ZERO_COPY || dev->data_path == DATA_AUTO_ZC) {
		ret = io_uring_register_buffers_sparse(&t->ring, t->nr_ios);
		if (ret) {
			log_error("dev %d thread %u: sparse buffer table: %s", dev->dev_id,
				  t->index, strerror(-ret));
			goto err;
		}
	}
	if (dev->batch) {
		ret = batch_thread_init(t);
		if (ret)
			goto err;
	}
	/* Saves an fget per io_uring_enter; optional. */
	io_uring_register_ring_fd(&t->ring);
	return 0;
err:
	io_uring_queue_exit(&t->ring);
	return ret;
}

static int thread_arm_stop(struct io_thread *t)
{
	struct io_uring_sqe *sqe = thread_get_sqe(t);

	if (!sqe)
		return -EBUSY;
	io_uring_prep_poll_add(sqe, t->dev->stop_efd, POLLIN);
	sqe->user_data = ud_build(0, 0, UD_STOP, 0);
	return 0;
}

static void thread_signal_ready(struct io_thread *t, int result)
{
	struct device *dev = t->dev;

	pthread_mutex_lock(&dev->lock);
	t->init_result = result;
	t->started = 1;
	pthread_cond_broadcast(&dev->cond);
	pthread_mutex_unlock(&dev->lock);
}

static void thread_leave(struct io_thread *t)
{
	struct device *dev = t->dev;

	int last;

	pthread_mutex_lock(&dev->lock);
	last = --dev->threads_running == 0;
	pthread_cond_broadcast(&dev->cond);
	pthread_mutex_unlock(&dev->lock);
	/* Lets a daemon's poll loop notice that this device went away. */
	if (last)
		eventfd_write(dev->done_efd, 1);
}

void *io_thread_main(void *arg)
{
	struct io_thread *t = arg;
	struct device *dev = t->dev;
	const struct ublk_plugin *ops = &dev->plugin->ops;
	struct io_uring_cqe *cqe;
	unsigned int head, i, n;
	int ret;

	if (t->pin && pthread_setaffinity_np(pthread_self(), sizeof(t->affinity), &t->affinity))
		log_warn("dev %d thread %u: cannot pin to its queue's CPUs", dev->dev_id, t->index);

	ret = thread_setup_ring(t);
	if (ret)
		goto fail;
	if (ops->thread_init) {
		plugin_clear_error();
		ret = ops->thread_init(dev->handle, t->index, &t->plugin_data);
		if (ret) {
			log_error("dev %d thread %u: target: %s", dev->dev_id, t->index,
				  plugin_error("thread_init failed"));
			io_uring_queue_exit(&t->ring);
			ret = -EINVAL;
			goto fail;
		}
	}
	ret = thread_arm_stop(t);
	if (ret)
		goto fail_plugin;
	for (i = 0; i < t->nr_ios; i++)
		t->ios[i]->req.thread_data = t->plugin_data;
	if (dev->batch) {
		/* START_DEV waits for every slot: report a failed PREP instead. */
		ret = batch_start(t);
		if (ret)
			goto fail_plugin;
	} else {
		for (i = 0; i < t->nr_ios; i++)
			io_issue_cmd(t->ios[i], UBLK_U_IO_FETCH_REQ, 0);
	}
	/*
	 * Hand the FETCHes to the kernel before START_DEV waits for them, so the
	 * main thread's START never depends on this thread being scheduled.
	 */
	io_uring_submit(&t->ring);
	thread_signal_ready(t, 0);

	while (!t->exit_now) {
		if (dev->batch)
			batch_flush(t);
		if (t->stopping && !t->cmd_inflight && !t->target_inflight)
			break;
		ret = io_uring_submit_and_wait(&t->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			log_error("dev %d thread %u: io_uring: %s", dev->dev_id, t->index,
				  strerror(-ret));
			break;
		}
		n = 0;
		io_uring_for_each_cqe(&t->ring, head, cqe) {
			handle_cqe(t, cqe);
			n++;
		}
		io_uring_cq_advance(&t->ring, n);
	}

	/* Leaving the ring cancels whatever the kernel still holds. */
	if (ops->thread_exit)
		ops->thread_exit(dev->handle, t->plugin_data);
	io_uring_queue_exit(&t->ring);
	batch_thread_exit(t);
	thread_leave(t);
	return NULL;

fail_plugin:
	if (ops->thread_exit)
		ops->thread_exit(dev->handle, t->plugin_data);
	io_uring_queue_exit(&t->ring);
	batch_thread_exit(t);
fail:
	thread_signal_ready(t, ret);
	thread_leave(t);
	return NULL;
}
