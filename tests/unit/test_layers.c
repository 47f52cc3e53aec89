// SPDX-License-Identifier: MIT
/*
 * The layer chain (core/layers.c) built from real .so's: filters over null,
 * the combined capabilities after open, the private-area layout, where
 * completions go up, and which layer a key reaches.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "device.h"
#include "layers.h"
#include "loader.h"
#include "log.h"
#include "unit.h"

static char dir[] = "/tmp/ublk-test-layers.XXXXXX";

static void link_so(const char *subdir, const char *name)
{
	char from[4096], to[4096];

	snprintf(from, sizeof(from), "%s/%s/%s.so", getenv("abs_top_builddir"), subdir, name);
	snprintf(to, sizeof(to), "%s/%s.so", dir, name);
	CHECK(symlink(from, to) == 0);
}

static void unlink_so(const char *name)
{
	char to[4096];

	snprintf(to, sizeof(to), "%s/%s.so", dir, name);
	unlink(to);
}

/* A device configured from a stack and keys; NULL if configure refused it. */
static struct device *stack(struct dev_config *cfg, const char *filters, const char *const *kv)
{
	struct device *dev = calloc(1, sizeof(*dev));

	dev_config_init(cfg);
	CHECK(!dev_config_set(cfg, "target", "null", "t"));
	CHECK(!dev_config_set(cfg, "size", "1M", "t"));
	if (filters)
		CHECK(!dev_config_set(cfg, "filters", filters, "t"));
	for (; kv && kv[0]; kv += 2)
		CHECK(!dev_config_set(cfg, kv[0], kv[1], "t"));
	dev->cfg = cfg;
	if (layers_configure(dev)) {
		layers_close(dev);
		free(dev);
		dev_config_free(cfg);
		return NULL;
	}
	return dev;
}

static void done(struct device *dev, struct dev_config *cfg)
{
	layers_close(dev);
	free(dev);
	dev_config_free(cfg);
}

static int open_stack(struct device *dev)
{
	struct ublk_device_params p;

	memset(&p, 0, sizeof(p));
	p.struct_size = sizeof(p);
	p.logical_block_size = 512;
	p.physical_block_size = 512;
	return layers_open(dev, &p);
}

int main(void)
{
	static const char *const ambiguous[] = { "mark", "x", NULL };
	static const char *const named[] = { "test_filter_b.mark", "x",
					     "test_filter_a.count_file", "/dev/null", NULL };
	struct dev_config cfg;
	struct device *dev;

	if (!getenv("abs_top_builddir")) {
		fprintf(stderr, "abs_top_builddir not set\n");
		return 99;
	}
	log_level = LOG_LEVEL_ERROR - 1;
	CHECK(mkdtemp(dir) != NULL);
	link_so("plugins/.libs", "null");
	link_so("tests/plugins/.libs", "test_filter_a");
	link_so("tests/plugins/.libs", "test_filter_b");
	plugin_set_dir(dir);

	/* The target alone: one layer, its caps, nothing above it. */
	dev = stack(&cfg, NULL, NULL);
	CHECK(dev && dev->nr_layers == 1 && dev->layers[0].kind == LAYER_ASYNC);
	if (dev) {
		CHECK(!open_stack(dev));
		CHECK(dev->caps == (UBLK_CAP_NO_DATA | UBLK_CAP_INTEGRITY) &&
		      dev->layers[0].up == -1);
		done(dev, &cfg);
	}

	/*
	 * A pass-through filter keeps NO_DATA; a data-touching one drops it.
	 * Neither says it passes integrity metadata: INTEGRITY goes.
	 */
	dev = stack(&cfg, "test_filter_a", NULL);
	CHECK(dev && dev->nr_layers == 2);
	if (dev) {
		CHECK(!open_stack(dev));
		CHECK(dev->caps == UBLK_CAP_NO_DATA);
		done(dev, &cfg);
	}
	dev = stack(&cfg, "test_filter_a, test_filter_b", named);
	CHECK(dev && dev->nr_layers == 3);
	if (dev) {
		CHECK(!strcmp(dev->layers[0].name, "test_filter_a") &&
		      !strcmp(dev->layers[1].name, "test_filter_b") &&
		      !strcmp(dev->layers[2].name, "null"));
		CHECK(dev->layers[0].kind == LAYER_FILTER && dev->layers[2].kind == LAYER_ASYNC);
		CHECK(!open_stack(dev));
		CHECK(dev->caps == 0);
		/* Completions: null -> b -> a -> host. */
		CHECK(dev->layers[2].up == 1 && dev->layers[1].up == 0 && dev->layers[0].up == -1);
		/* Private areas: disjoint, aligned, summed once. */
		CHECK(dev->layers[0].priv_off == 0 && dev->layers[0].priv_size > 0);
		CHECK(dev->layers[1].priv_off >= dev->layers[0].priv_size &&
		      dev->layers[1].priv_off % 16 == 0);
		CHECK(dev->priv_size >= dev->layers[1].priv_off + dev->layers[1].priv_size);
		CHECK(dev->priv_zero == dev->priv_size && !dev->priv_zero_each);
		done(dev, &cfg);
	}

	/* A bare key two layers take: refused. */
	CHECK(stack(&cfg, "test_filter_a, test_filter_b", ambiguous) == NULL);
	/* A filter given as the target's place in the stack, or a target as a filter. */
	CHECK(stack(&cfg, "null", NULL) == NULL);

	unlink_so("null");
	unlink_so("test_filter_a");
	unlink_so("test_filter_b");
	rmdir(dir);
	return UNIT_RESULT();
}
