// SPDX-License-Identifier: MIT
/*
 * Building a device's layer chain (see layers.h). Nothing here runs per
 * request: io_loop.c walks the chain on the hot path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "layers.h"
#include "loader.h"
#include "log.h"
#include "simple_layer.h"

/* Each layer's request_priv starts on this boundary. */
#define PRIV_ALIGN	16

static const char *dev_origin(const struct device *dev)
{
	return dev->cfg->origin ? dev->cfg->origin : "command line";
}

int layer_bind_simple(struct device *dev, struct layer *l)
{
	return simple_layer_bind(l);
}

static void layer_from_plugin(struct layer *l, struct loaded_plugin *lp)
{
	const struct ublk_plugin *o = &lp->ops;

	l->kind = o->queue_io ? LAYER_ASYNC : LAYER_SIMPLE;
	l->caps = o->caps;
	l->flags = o->flags;
	l->priv_size = o->request_priv_size;
	l->config_keys = o->config_keys;
	l->create = o->create;
	l->config = o->config;
	l->config_complete = o->config_complete;
	l->open = o->open;
	l->thread_init = o->thread_init;
	l->thread_exit = o->thread_exit;
	l->queue_io = o->queue_io;
	l->io_done = o->io_done;
	l->thread_event = o->thread_event;
	l->close = o->close;
}

static void layer_from_filter(struct layer *l, struct loaded_plugin *lp)
{
	const struct ublk_filter *o = &lp->fops;

	l->kind = LAYER_FILTER;
	l->caps = o->caps;
	l->flags = o->flags;
	l->priv_size = o->request_priv_size;
	l->config_keys = o->config_keys;
	l->create = o->create;
	l->config = o->config;
	l->config_complete = o->config_complete;
	l->open = o->open;
	l->thread_init = o->thread_init;
	l->thread_exit = o->thread_exit;
	l->queue_io = o->queue_io;
	l->io_done = o->io_done;
	l->complete = o->complete;
	l->thread_event = o->thread_event;
	l->close = o->close;
}

static const struct config_kv *find_plugin_key(const struct dev_config *cfg, const char *key)
{
	const struct config_kv *found = NULL;
	unsigned int i;

	for (i = 0; i < cfg->nr_plugin_keys; i++)
		if (!strcmp(cfg->plugin_keys[i].key, key))
			found = &cfg->plugin_keys[i];
	return found;
}

/* Load one layer; want_filter says what this place in the stack needs. */
static int load_layer(struct device *dev, unsigned int index, const char *name,
		      int want_filter, const char *origin)
{
	struct layer *l = &dev->layers[index];
	struct loaded_plugin *lp = plugin_load(name, origin);

	if (!lp)
		return -1;
	l->lp = lp;
	l->index = index;
	l->name = lp->name;
	if (want_filter && !lp->is_filter) {
		log_error("%s: %s is a target, not a filter", origin, lp->path);
		return -1;
	}
	if (!want_filter && lp->is_filter) {
		log_error("%s: %s is a filter, not a target: use it with --filter %s (filters = %s)",
			  origin, lp->path, name, name);
		return -1;
	}
	if (lp->is_filter)
		layer_from_filter(l, lp);
	else
		layer_from_plugin(l, lp);
	if (l->kind == LAYER_SIMPLE && layer_bind_simple(dev, l))
		return -1;
	return 0;
}

static int lists_key(const struct layer *l, const char *key)
{
	const char *const *k;

	if (!l->config_keys)
		return 0;
	for (k = l->config_keys; *k; k++)
		if (!strcmp(*k, key))
			return 1;
	return 0;
}

/*
 * Which layer takes key: NAME.key goes to layer NAME; a bare key to the one
 * layer listing it in config_keys, else to the target. -1 after one line.
 */
static int route_key(const struct device *dev, const struct config_kv *kv, const char **key)
{
	const char *dot = strchr(kv->key, '.');
	unsigned int i, n = dev->nr_layers;
	int found = -1;

	if (dot) {
		size_t len = (size_t)(dot - kv->key);

		for (i = 0; i < n; i++) {
			if (strlen(dev->layers[i].name) == len &&
			    !strncmp(dev->layers[i].name, kv->key, len)) {
				*key = dot + 1;
				return (int)i;
			}
		}
		log_error("%s: key '%s': this device has no layer named '%.*s' (target %s%s)",
			  kv->origin, kv->key, (int)len, kv->key, dev->layers[n - 1].name,
			  n > 1 ? " and its filters" : "");
		return -1;
	}
	*key = kv->key;
	/* A positional argument is a backing file for the target, never a filter's. */
	if (!strncmp(kv->origin, "argument '", 10))
		return (int)n - 1;
	for (i = 0; i < n; i++) {
		if (!lists_key(&dev->layers[i], kv->key))
			continue;
		if (found >= 0) {
			const struct layer *a = &dev->layers[found], *b = &dev->layers[i];

			log_error("%s: key '%s' is taken by both %s %s and %s %s: write %s.%s or %s.%s",
				  kv->origin, kv->key, layer_kind_name(a), a->name,
				  layer_kind_name(b), b->name, a->name, kv->key, b->name, kv->key);
			return -1;
		}
		found = (int)i;
	}
	if (found < 0)
		return (int)n - 1;
	/* A 1.0 target lists no keys: it might have wanted this one too. */
	if (found != (int)n - 1 && !dev->layers[n - 1].config_keys)
		log_warn("%s: key '%s' goes to filter %s (target %s lists no keys; write %s.%s to say so)",
			  kv->origin, kv->key, dev->layers[found].name, dev->layers[n - 1].name,
			  dev->layers[found].name, kv->key);
	return found;
}

static int configure_keys(struct device *dev, const struct config_kv *skip)
{
	const struct dev_config *cfg = dev->cfg;
	unsigned int i;

	for (i = 0; i < cfg->nr_plugin_keys; i++) {
		const struct config_kv *kv = &cfg->plugin_keys[i];
		const char *key;
		struct layer *l;
		char fallback[256];
		int li;

		if (kv == skip)
			continue;
		li = route_key(dev, kv, &key);
		if (li < 0)
			return -1;
		l = &dev->layers[li];
		plugin_clear_error();
		if (!l->config(l->handle, key, kv->value))
			continue;
		snprintf(fallback, sizeof(fallback), "%s %s rejects %s = %s",
			 layer_kind_name(l), l->name, key, kv->value);
		/* A target's own words name it; a filter's are prefixed with its name. */
		if (l->kind == LAYER_FILTER)
			log_error("%s: filter %s: %s", kv->origin, l->name, plugin_error(fallback));
		else
			log_error("%s: %s", kv->origin, plugin_error(fallback));
		return -1;
	}
	return 0;
}

int layers_configure(struct device *dev)
{
	const struct dev_config *cfg = dev->cfg;
	const char *target = cfg->target;
	const char *target_origin = dev_config_origin(cfg, KEY_TARGET);
	const struct config_kv *backend = NULL;
	struct loaded_plugin *probe;
	unsigned int i, nf = cfg->nr_filters;
	const char *wrapper = NULL;

	/*
	 * The deprecated form `target = fault_inject` + `backend = X`, from
	 * when fault_inject was a target wrapping another: now that the .so is
	 * a filter, it means target X (default null) under that filter.
	 */
	probe = plugin_load(target, target_origin);
	if (!probe)
		return -1;
	if (probe->is_filter) {
		wrapper = probe->name;
		backend = find_plugin_key(cfg, "backend");
		target = backend ? backend->value : "null";
		log_warn("%s: 'target = %s'%s%s is deprecated: write 'target = %s' and 'filters = %s' (-t %s --filter %s)",
			 target_origin, wrapper, backend ? " with backend = " : "",
			 backend ? target : "", target, wrapper, target, wrapper);
		if (nf == MAX_FILTERS) {
			plugin_put(probe);
			log_error("%s: too many filters: at most %d", target_origin, MAX_FILTERS);
			return -1;
		}
	}

	dev->nr_layers = 0;
	for (i = 0; i < nf; i++) {
		dev->nr_layers++;
		if (load_layer(dev, i, cfg->filters[i], 1, cfg->filter_origin[i]))
			goto err;
	}
	if (wrapper) {
		for (i = 0; i < nf; i++) {
			if (!strcmp(cfg->filters[i], wrapper)) {
				log_error("%s: filter %s is given twice", target_origin, wrapper);
				goto err;
			}
		}
		dev->nr_layers++;
		if (load_layer(dev, nf, wrapper, 1, target_origin))
			goto err;
		nf++;
	}
	dev->nr_layers++;
	if (load_layer(dev, nf, target, 0, backend ? backend->origin : target_origin))
		goto err;
	plugin_put(probe);
	probe = NULL;

	for (i = 0; i < dev->nr_layers; i++) {
		struct layer *l = &dev->layers[i];

		plugin_clear_error();
		if (l->create(&l->handle)) {
			log_error("%s: %s %s: %s", dev_origin(dev), layer_kind_name(l), l->name,
				  plugin_error("cannot create an instance"));
			goto err;
		}
		l->created = 1;
	}
	if (configure_keys(dev, backend))
		goto err;
	for (i = 0; i < dev->nr_layers; i++) {
		struct layer *l = &dev->layers[i];

		plugin_clear_error();
		if (l->config_complete && l->config_complete(l->handle)) {
			log_error("%s: %s %s: %s", dev_origin(dev), layer_kind_name(l), l->name,
				  plugin_error("incomplete configuration"));
			goto err;
		}
	}
	return 0;

err:
	plugin_put(probe);
	return -1;
}

static void layout_priv(struct device *dev)
{
	size_t off = 0;
	unsigned int i;
	int own = 0;

	for (i = 0; i < dev->nr_layers; i++) {
		struct layer *l = &dev->layers[i];
		unsigned int j;

		off = (off + PRIV_ALIGN - 1) / PRIV_ALIGN * PRIV_ALIGN;
		l->priv_off = (uint32_t)off;
		off += l->priv_size;
		if (l->priv_size && (l->flags & UBLK_PLUGIN_OWN_PRIV))
			own = 1;
		l->up = -1;
		for (j = i; j-- > 0;) {
			if (dev->layers[j].complete) {
				l->up = (int)j;
				break;
			}
		}
	}
	dev->priv_size = off;
	/* The common case: one memset over all; else layer by layer. */
	dev->priv_zero = own ? 0 : off;
	dev->priv_zero_each = own;
}

int layers_open(struct device *dev, struct ublk_device_params *params)
{
	struct layer *target = &dev->layers[dev->nr_layers - 1];
	unsigned int i;

	params->caps = target->caps;
	for (i = dev->nr_layers; i-- > 0;) {
		struct layer *l = &dev->layers[i];
		uint32_t before = params->caps;

		plugin_clear_error();
		if (l->open(l->handle, params)) {
			log_error("%s: %s %s: %s", dev_origin(dev), layer_kind_name(l), l->name,
				  plugin_error("cannot open"));
			return -1;
		}
		l->opened = 1;
		/* The worker pool starts once the plugin's instance is ready. */
		if (l->kind == LAYER_SIMPLE && simple_layer_opened(dev, l))
			return -1;
		/* open() may take capabilities away, never add them. */
		params->caps &= before;
		/* A filter that touches data stops zero copy (and no-data) below it. */
		if (l->kind == LAYER_FILTER && !(l->caps & UBLK_CAP_ZERO_COPY))
			params->caps &= ~(UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA);
		/* Metadata passes only a filter that says so; the simple API has none. */
		if ((l->kind == LAYER_FILTER && !(l->caps & UBLK_CAP_INTEGRITY)) ||
		    l->kind == LAYER_SIMPLE)
			params->caps &= ~UBLK_CAP_INTEGRITY;
		/* A filter that does not pass zone operations makes the stack unzoned. */
		if (l->kind == LAYER_FILTER && !(l->caps & UBLK_CAP_ZONED))
			params->caps &= ~UBLK_CAP_ZONED;
	}
	dev->caps = params->caps;
	layout_priv(dev);
	return 0;
}

void layers_close(struct device *dev)
{
	unsigned int i;

	for (i = 0; i < dev->nr_layers; i++) {
		struct layer *l = &dev->layers[i];

		if (l->created)
			l->close(l->handle);
		l->created = l->opened = 0;
		plugin_put(l->lp);
		l->lp = NULL;
	}
	dev->nr_layers = 0;
}
