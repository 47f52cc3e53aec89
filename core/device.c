// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "device.h"
#include "dev_params.h"
#include "dev_params7.h"
#include "dev_queues.h"
#include "device_resize.h"
#include "integrity.h"
#include "io_internal.h"
#include "log.h"
#include "process.h"
#include "shmem_zc.h"
#include "stats.h"
#include "zoned.h"

#define CDEV_OPEN_WAIT_MS	3000
/* udev's rule gives an unprivileged device's node to its owner: slower under load. */
#define CDEV_UDEV_WAIT_MS	10000
#define RECOVERY_WAIT_MS	10000

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
	integrity_fill_params(&cfg->integrity, p);

	if (layers_open(dev, p))
		return -1;
	/* The user's read_only wins over what the plugin said. */
	if (cfg->read_only)
		p->attrs |= UBLK_DEV_READ_ONLY;
	/* The integrity profile is the user's: read-only for the layers. */
	integrity_fill_params(&cfg->integrity, p);

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
	if (zoned_check_geometry(p, dev_origin(dev), target_name(dev)))
		return -1;
	dev->size = p->size;
	dev->read_only = !!(p->attrs & UBLK_DEV_READ_ONLY);
	return 0;
}

/* Which layer stops zero copy: the target, or a filter that touches data. */
static void zero_copy_refusal(const struct device *dev, char *buf, size_t len)
{
	const struct layer *target = &dev->layers[dev->nr_layers - 1];
	unsigned int i;

	if (target->caps & (UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA)) {
		for (i = 0; i + 1 < dev->nr_layers; i++) {
			if (!(dev->layers[i].caps & UBLK_CAP_ZERO_COPY)) {
				snprintf(buf, len, "filter %s touches request data: no zero copy through it",
					 dev->layers[i].name);
				return;
			}
		}
	}
	snprintf(buf, len, "target %s cannot do zero copy", target->name);
}

/* The first layer that does not pass zone operations, for messages. */
static const char *zoned_blocker(const struct device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_layers; i++)
		if (!(dev->layers[i].caps & UBLK_CAP_ZONED))
			return dev->layers[i].name;
	return target_name(dev);
}

/* Decide, once, the UBLK_F_* flags, the data path and the command set. */
static int device_choose_flags(struct device *dev, int recover_id)
{
	struct ublksrv_ctrl_dev_info info;
	__u64 recovered_flags = 0;
	struct flag_choice c;
	char refusal[256];
	uint32_t caps;

	if (integrity_check_layers(dev))
		return -1;
	/* data_path = auto re-attaches with the path the device was added with. */
	if (recover_id != DEVICE_ADD && ctrl_get_dev_info(&dev->ctrl, recover_id, &info) >= 0)
		recovered_flags = info.flags;
	zero_copy_refusal(dev, refusal, sizeof(refusal));
	/* For choose_flags, UBLK_CAP_ZONED means "this device is zoned". */
	caps = dev->params.zone_size ? dev->caps : dev->caps & ~UBLK_CAP_ZONED;
	if (choose_flags(dev->cfg, dev->kernel_features, caps, refusal, recovered_flags, &c))
		return -1;
	if (zoned_choose_flags(dev->cfg, dev->kernel_features, &dev->params, dev->caps,
			       target_name(dev), zoned_blocker(dev), &c))
		return -1;
	dev->zoned = !!dev->params.zone_size;
	if (dev7_choose_flags(dev->cfg, dev->kernel_features, c.data_path, &c.flags))
		return -1;
	dev->flags = c.flags;
	dev->data_path = c.data_path;
	dev->auto_zc_fallback = c.fallback;
	snprintf(dev->data_path_why, sizeof(dev->data_path_why), "%s", c.why);
	dev->batch = c.batch;
	dev->rotate_buf = dev->cfg->rotate_auto_buf && c.data_path == DATA_AUTO_ZC;
	dev->no_data = c.no_data;
	dev->cmd = dev->batch ? &batch_cmd_ops : &per_io_cmd_ops;
	return 0;
}

static int open_cdev(struct device *dev)
{
	char path[64];
	int waited = 0;

	snprintf(path, sizeof(path), "/dev/ublkc%d", dev->dev_id);
	/*
	 * devtmpfs/udev may take a moment to create the node; for an
	 * unprivileged device, udev's rule also gives it to us (EACCES until then).
	 */
	for (;;) {
		dev->cdev_fd = open(path, O_RDWR | O_CLOEXEC);
		if (dev->cdev_fd >= 0)
			return 0;
		if (errno == EACCES && (dev->info.flags & UBLK_F_UNPRIVILEGED_DEV)) {
			if (waited >= CDEV_UDEV_WAIT_MS)
				break;
		} else if (errno != ENOENT || waited >= CDEV_OPEN_WAIT_MS) {
			break;
		}
		usleep(20 * 1000);
		waited += 20;
	}
	if (errno == EACCES && (dev->info.flags & UBLK_F_UNPRIVILEGED_DEV))
		log_error("%s: cannot open %s: %s: is the udev rule 99-ublk-unprivileged.rules installed?",
			  dev_origin(dev), path, strerror(errno));
	else
		log_error("%s: cannot open %s: %s", dev_origin(dev), path, strerror(errno));
	return -1;
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
	return f ? "other data path options" : "copy mode (--copy)";
}

#define LIVE_DAEMON_GRACE_MS	1000

static int add_or_recover(struct device *dev, int recover_id)
{
	const struct dev_config *cfg = dev->cfg;
	int ret, waited = 0, live_ms = 0;

	if (recover_id == DEVICE_ADD) {
		memset(&dev->info, 0, sizeof(dev->info));
		dev->info.dev_id = (__u32)cfg->dev_id;
		dev->info.nr_hw_queues = (__u16)cfg->queues;
		dev->info.queue_depth = (__u16)cfg->depth;
		dev->info.max_io_buf_bytes = dev->params.max_io_size;
		dev->info.flags = dev->flags;
		if (dev->flags & UBLK_F_IO_DESC_SIZE)
			dev->info.io_desc_size = (__u16)cfg->io_desc_size;
		ret = ctrl_add_dev(&dev->ctrl, &dev->info);
		if (ret < 0) {
			if (ret == -EACCES && (dev->flags & UBLK_F_UNPRIVILEGED_DEV))
				log_error("%s: cannot add the ublk device: the kernel's limit of unprivileged devices is reached (ublk_drv parameter ublks_max)",
					  dev_origin(dev));
			else if (ret == -EPERM)
				log_error("%s: cannot add the ublk device: %s (a user who is not root needs --unprivileged)",
					  dev_origin(dev), strerror(-ret));
			else if (ret == -EEXIST)
				log_error("%s: device id %d is already in use",
					  dev_config_origin(cfg, KEY_DEV_ID), cfg->dev_id);
			else
				log_error("%s: cannot add the ublk device: %s", dev_origin(dev),
					  strerror(-ret));
			return -1;
		}
		dev->dev_id = (int)dev->info.dev_id;
		dev->added = 1;
		/* The kernel gives root an ordinary device, whatever it asked for. */
		if ((dev->flags & UBLK_F_UNPRIVILEGED_DEV) &&
		    !(dev->info.flags & UBLK_F_UNPRIVILEGED_DEV))
			log_warn("dev %d: added by root: an ordinary (privileged) device, not an unprivileged one",
				 dev->dev_id);
		return 0;
	}

	dev->dev_id = recover_id;
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

int device_start(struct device *dev, int recover_id)
{
	int recover = recover_id != DEVICE_ADD;
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
	if (device_choose_flags(dev, recover_id) || shmem_zc_check(dev->cfg))
		goto err_ctrl;
	if (add_or_recover(dev, recover_id))
		goto err_ctrl;
	/* Findable from here: a layer may ask for a resize at its first request (partition scan). */
	live_add(dev);
	if (open_cdev(dev))
		goto err_del;
	/* kublk's --no_ublk_fixed_fd: IO commands name the plain fd, nothing registered. */
	dev->cmd_fd = dev->cfg->ublk_fixed_fd ? 0 : dev->cdev_fd;
	dev->cmd_sqe_flags = dev->cfg->ublk_fixed_fd ? IOSQE_FIXED_FILE : 0;
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
		build_params(&dev->params, dev->info.max_io_buf_bytes, &kp);
		zoned_build_params(&dev->params, dev->info.max_io_buf_bytes, &kp);
		dev7_build_params(dev->cfg, dev->data_path, &kp);
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
	/* Live: a registration may freeze the queue, which the IO threads drain. */
	if (shmem_zc_start(dev)) {
		device_stop(dev);
		goto err_threads;
	}
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
	live_remove(dev);
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
		shmem_zc_stop_listener(dev);
		threads_force_exit(dev);
		shmem_zc_stop(dev);
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
