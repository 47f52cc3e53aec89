/* SPDX-License-Identifier: MIT */
/* Growing a started device at a layer's request (device_resize.c). */
#ifndef UBLK_SERVER_DEVICE_RESIZE_H
#define UBLK_SERVER_DEVICE_RESIZE_H

#include <stdint.h>

struct device;

/* A started device can be found by its layers' handles; unlisting waits for its resizes. */
void live_add(struct device *dev);
void live_remove(struct device *dev);
/* Host service behind ublk_device_resized() (any thread). */
int device_resized(void *handle, uint64_t new_size);

#endif
