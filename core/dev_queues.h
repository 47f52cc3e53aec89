/* SPDX-License-Identifier: MIT */
/* Request slots and IO threads of a device (dev_queues.c); used by device.c. */
#ifndef UBLK_SERVER_DEV_QUEUES_H
#define UBLK_SERVER_DEV_QUEUES_H

struct device;

/* Map each queue's descriptors and make its slots (buffers, private areas). */
int queues_init(struct device *dev);
void queues_free(struct device *dev);
/* Assign slots to threads (one per queue, or round robin with per_io_tasks). */
int threads_init(struct device *dev);
void threads_free(struct device *dev);
/* Start every IO thread and wait until each has its ring up, or failed. */
int threads_start(struct device *dev);
/* Make every IO thread leave now, whatever the kernel holds, and join them. */
void threads_force_exit(struct device *dev);

#endif
