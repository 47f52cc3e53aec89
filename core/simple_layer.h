/* SPDX-License-Identifier: MIT */
/* The simple-API engine as a layer of a device's chain (see simple_layer.c). */
#ifndef UBLK_SERVER_SIMPLE_LAYER_H
#define UBLK_SERVER_SIMPLE_LAYER_H

struct device;
struct layer;

/* At load: point the layer's IO callbacks at the worker pool. */
int simple_layer_bind(struct layer *l);
/* Right after the plugin's open: start the pool (workers = N). -1 after one line. */
int simple_layer_opened(struct device *dev, struct layer *l);

#endif
