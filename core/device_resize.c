// SPDX-License-Identifier: MIT
/*
 * ublk_device_resized(): a layer says its device grew; the host finds the
 * device by the layer's handle and sends UPDATE_SIZE from a worker thread.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "device.h"
#include "device_resize.h"
#include "log.h"

/* Started devices, for device_resized() to find a device by a layer's handle. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct device *live_devs;
void live_add(struct device *dev)
{
	pthread_mutex_lock(&live_lock);
	dev->next_live = live_devs;
	live_devs = dev;
	pthread_mutex_unlock(&live_lock);
}

/* Unlist the device, then wait for its resize workers: they use it. */
void live_remove(struct device *dev)
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
