// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "dev_config.h"
#include "log.h"
#include "parse.h"
#include "simple_api.h"
#include "dev_params7.h"

static const char *const core_key_names[NR_CORE_KEYS] = {
	[KEY_TARGET] = "target",
	[KEY_DEV_ID] = "dev_id",
	[KEY_QUEUES] = "queues",
	[KEY_DEPTH] = "depth",
	[KEY_NTHREADS] = "nthreads",
	[KEY_PER_IO_TASKS] = "per_io_tasks",
	[KEY_RECOVERY] = "recovery",
	[KEY_ZERO_COPY] = "zero_copy",
	[KEY_AUTO_ZC_FALLBACK] = "auto_zc_fallback",
	[KEY_USER_COPY] = "user_copy",
	[KEY_GET_DATA] = "get_data",
	[KEY_BATCH] = "batch",
	[KEY_READ_ONLY] = "read_only",
	[KEY_LOGICAL_BLOCK_SIZE] = "logical_block_size",
	[KEY_PHYSICAL_BLOCK_SIZE] = "physical_block_size",
	[KEY_MAX_IO_SIZE] = "max_io_size",
	[KEY_WORKERS] = "workers",
	[KEY_FILTERS] = "filters",
	[KEY_ROTATE_AUTO_BUF] = "rotate_auto_buf",
	[KEY_IO_DESC_SIZE] = "io_desc_size",
	[KEY_AUTO_PART_SCAN] = "auto_part_scan",
	[KEY_UBLK_FIXED_FD] = "ublk_fixed_fd",
	[KEY_DMA_ALIGNMENT] = "dma_alignment",
	[KEY_MAX_SEGMENTS] = "max_segments",
	[KEY_MAX_SEGMENT_SIZE] = "max_segment_size",
	[KEY_SEG_BOUNDARY_MASK] = "seg_boundary_mask",
	[KEY_SHMEM_ZC] = "shmem_zc",
	[KEY_HTLB] = "htlb",
	[KEY_RDONLY_SHMEM_BUF] = "rdonly_shmem_buf",
	[KEY_UNPRIVILEGED] = "unprivileged",
	[KEY_DATA_PATH] = "data_path",
};

void dev_config_init(struct dev_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->dev_id = -1;
	cfg->queues = DEFAULT_QUEUES;
	cfg->depth = DEFAULT_DEPTH;
	cfg->auto_part_scan = 1;
	cfg->ublk_fixed_fd = 1;
}

void dev_config_free(struct dev_config *cfg)
{
	unsigned int i;

	free(cfg->name);
	free(cfg->origin);
	free(cfg->target);
	free(cfg->htlb);
	for (i = 0; i < NR_CORE_KEYS; i++)
		free(cfg->key_origin[i]);
	for (i = 0; i < cfg->nr_filters; i++) {
		free(cfg->filters[i]);
		free(cfg->filter_origin[i]);
	}
	for (i = 0; i < cfg->nr_plugin_keys; i++) {
		free(cfg->plugin_keys[i].key);
		free(cfg->plugin_keys[i].value);
		free(cfg->plugin_keys[i].origin);
	}
	free(cfg->plugin_keys);
	integrity_config_free(&cfg->integrity);
	dev_config_init(cfg);
}

static int find_core_key(const char *key)
{
	int i;

	for (i = 0; i < NR_CORE_KEYS; i++)
		if (!strcmp(core_key_names[i], key))
			return i;
	return -1;
}

static int parse_recovery(const char *value, int *mode)
{
	static const char *const names[] = { "none", "on", "reissue", "fail_io" };
	int b, i;

	for (i = 0; i < 4; i++) {
		if (!strcmp(value, names[i])) {
			*mode = i;
			return 0;
		}
	}
	if (!parse_bool(value, &b)) {
		*mode = b ? RECOVERY_ON : RECOVERY_NONE;
		return 0;
	}
	return -1;
}

static int parse_zero_copy(const char *value, int *mode)
{
	int b;

	if (!strcmp(value, "auto")) {
		*mode = ZERO_COPY_AUTO;
		return 0;
	}
	if (parse_bool(value, &b))
		return -1;
	*mode = b ? ZERO_COPY_ON : ZERO_COPY_OFF;
	return 0;
}

static int parse_block_size(const char *value, uint32_t *bs)
{
	uint64_t v;

	if (parse_size(value, &v) || v < 512 || v > 4096 || (v & (v - 1)))
		return -1;
	*bs = (uint32_t)v;
	return 0;
}

/* Plugin and filter names: NAME.so in the plugin directory, nothing else. */
static int valid_layer_name(const char *name, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int add_filter(struct dev_config *cfg, const char *name, size_t len,
		      const char *origin)
{
	unsigned int i;

	if (!valid_layer_name(name, len)) {
		log_error("%s: '%.*s' is not a filter name (letters, digits, '_' and '-')",
			  origin, (int)len, name);
		return -1;
	}
	for (i = 0; i < cfg->nr_filters; i++) {
		if (strlen(cfg->filters[i]) == len && !strncmp(cfg->filters[i], name, len)) {
			log_error("%s: filter %.*s is given twice", origin, (int)len, name);
			return -1;
		}
	}
	if (cfg->nr_filters == MAX_FILTERS) {
		log_error("%s: too many filters: at most %d", origin, MAX_FILTERS);
		return -1;
	}
	cfg->filters[cfg->nr_filters] = strndup(name, len);
	cfg->filter_origin[cfg->nr_filters] = strdup(origin);
	if (!cfg->filters[cfg->nr_filters] || !cfg->filter_origin[cfg->nr_filters]) {
		free(cfg->filters[cfg->nr_filters]);
		free(cfg->filter_origin[cfg->nr_filters]);
		log_error("%s: out of memory", origin);
		return -1;
	}
	cfg->nr_filters++;
	return 0;
}

/* Appended: below the filters given so far, directly above the target. */
int dev_config_add_filter(struct dev_config *cfg, const char *name, const char *origin)
{
	if (add_filter(cfg, name, strlen(name), origin))
		return -1;
	if (!cfg->key_origin[KEY_FILTERS])
		cfg->key_origin[KEY_FILTERS] = strdup(origin);
	return 0;
}

/* `filters = a, b`: replaces any list given before. */
static int set_filters(struct dev_config *cfg, const char *value, const char *origin)
{
	const char *p = value;
	unsigned int i;

	for (i = 0; i < cfg->nr_filters; i++) {
		free(cfg->filters[i]);
		free(cfg->filter_origin[i]);
	}
	cfg->nr_filters = 0;
	while (*p) {
		const char *end;
		size_t len;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		end = p;
		while (*end && *end != ',')
			end++;
		len = (size_t)(end - p);
		while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
			len--;
		if (add_filter(cfg, p, len, origin))
			return -1;
		p = end;
	}
	return 0;
}

static int set_core_key(struct dev_config *cfg, int key, const char *value,
			const char *origin)
{
	const char *name = core_key_names[key];
	uint64_t v;

	switch (key) {
	case KEY_TARGET:
		if (!*value || strchr(value, '/')) {
			log_error("%s: target must be a plugin name, not '%s'", origin, value);
			return -1;
		}
		free(cfg->target);
		cfg->target = strdup(value);
		break;
	case KEY_DEV_ID:
		if (!strcmp(value, "auto") || !strcmp(value, "-1")) {
			cfg->dev_id = -1;
			break;
		}
		if (parse_uint_range(value, 0, 1U << 20, &v))
			goto bad_number;
		cfg->dev_id = (int)v;
		break;
	case KEY_QUEUES:
		if (parse_uint_range(value, 1, MAX_QUEUES, &v)) {
			log_error("%s: %s must be a number from 1 to %d, not '%s'",
				  origin, name, MAX_QUEUES, value);
			return -1;
		}
		cfg->queues = (unsigned int)v;
		break;
	case KEY_DEPTH:
		if (parse_uint_range(value, 1, MAX_DEPTH, &v)) {
			log_error("%s: %s must be a number from 1 to %d, not '%s'",
				  origin, name, MAX_DEPTH, value);
			return -1;
		}
		cfg->depth = (unsigned int)v;
		break;
	case KEY_NTHREADS:
		if (parse_uint_range(value, 1, MAX_THREADS, &v)) {
			log_error("%s: %s must be a number from 1 to %d, not '%s'",
				  origin, name, MAX_THREADS, value);
			return -1;
		}
		cfg->nthreads = (unsigned int)v;
		break;
	case KEY_WORKERS:
		if (simple_parse_workers(value, &cfg->workers)) {
			log_error("%s: %s must be a number from 1 to %d, not '%s'",
				  origin, name, SIMPLE_MAX_WORKERS, value);
			return -1;
		}
		break;
	case KEY_RECOVERY:
		if (parse_recovery(value, &cfg->recovery)) {
			log_error("%s: %s must be none, on, reissue or fail_io, not '%s'",
				  origin, name, value);
			return -1;
		}
		break;
	case KEY_ZERO_COPY:
		if (parse_zero_copy(value, &cfg->zero_copy)) {
			log_error("%s: %s must be off, on or auto, not '%s'", origin, name, value);
			return -1;
		}
		break;
	case KEY_DATA_PATH:
		if (strcmp(value, "auto") && strcmp(value, "copy")) {
			log_error("%s: %s must be auto or copy, not '%s'", origin, name, value);
			return -1;
		}
		cfg->data_path_copy = !strcmp(value, "copy");
		break;
	case KEY_PER_IO_TASKS:
	case KEY_AUTO_ZC_FALLBACK:
	case KEY_USER_COPY:
	case KEY_GET_DATA:
	case KEY_BATCH:
	case KEY_ROTATE_AUTO_BUF:
	case KEY_AUTO_PART_SCAN:
	case KEY_UBLK_FIXED_FD:
	case KEY_READ_ONLY: {
		int *field = key == KEY_PER_IO_TASKS ? &cfg->per_io_tasks :
			     key == KEY_AUTO_PART_SCAN ? &cfg->auto_part_scan :
			     key == KEY_UBLK_FIXED_FD ? &cfg->ublk_fixed_fd :
			     key == KEY_AUTO_ZC_FALLBACK ? &cfg->auto_zc_fallback :
			     key == KEY_USER_COPY ? &cfg->user_copy :
			     key == KEY_GET_DATA ? &cfg->get_data :
			     key == KEY_BATCH ? &cfg->batch :
			     key == KEY_ROTATE_AUTO_BUF ? &cfg->rotate_auto_buf : &cfg->read_only;

		if (parse_bool(value, field)) {
			log_error("%s: %s must be on or off, not '%s'", origin, name, value);
			return -1;
		}
		break;
	}
	case KEY_LOGICAL_BLOCK_SIZE:
	case KEY_PHYSICAL_BLOCK_SIZE:
		if (parse_block_size(value, key == KEY_LOGICAL_BLOCK_SIZE ?
				     &cfg->logical_block_size : &cfg->physical_block_size)) {
			log_error("%s: %s must be a power of two from 512 to 4096, not '%s'",
				  origin, name, value);
			return -1;
		}
		break;
	case KEY_MAX_IO_SIZE:
		if (parse_size(value, &v) || v < 4096 || v > (32U << 20) || (v & (v - 1))) {
			log_error("%s: %s must be a power of two from 4K to 32M, not '%s'",
				  origin, name, value);
			return -1;
		}
		cfg->max_io_size = (uint32_t)v;
		break;
	case KEY_IO_DESC_SIZE:
		if (parse_uint_range(value, MIN_IO_DESC_SIZE, MAX_IO_DESC_SIZE, &v) || (v & 7)) {
			log_error("%s: %s must be a multiple of 8 from %d to %d, not '%s'",
				  origin, name, MIN_IO_DESC_SIZE, MAX_IO_DESC_SIZE, value);
			return -1;
		}
		cfg->io_desc_size = (unsigned int)v;
		break;
	case KEY_FILTERS:
		if (set_filters(cfg, value, origin))
			return -1;
		break;
	case KEY_DMA_ALIGNMENT:
	case KEY_MAX_SEGMENTS:
	case KEY_MAX_SEGMENT_SIZE:
	case KEY_SEG_BOUNDARY_MASK:
		if (dev7_set_key(cfg, key, value, origin))
			return -1;
		break;
	case KEY_SHMEM_ZC:
	case KEY_RDONLY_SHMEM_BUF:
	case KEY_UNPRIVILEGED: {
		int *field = key == KEY_SHMEM_ZC ? &cfg->shmem_zc :
			     key == KEY_RDONLY_SHMEM_BUF ? &cfg->rdonly_shmem_buf :
			     &cfg->unprivileged;

		if (parse_bool(value, field)) {
			log_error("%s: %s must be on or off, not '%s'", origin, name, value);
			return -1;
		}
		break;
	}
	case KEY_HTLB:
		if (*value != '/') {
			log_error("%s: %s must be an absolute path, not '%s'", origin, name, value);
			return -1;
		}
		free(cfg->htlb);
		cfg->htlb = strdup(value);
		/* kublk's --htlb goes with --shmem_zc: sharing a file means shmem zero copy. */
		cfg->shmem_zc = 1;
		break;
	}
	free(cfg->key_origin[key]);
	cfg->key_origin[key] = strdup(origin);
	return 0;

bad_number:
	log_error("%s: %s: '%s' is not a valid number", origin, name, value);
	return -1;
}

int dev_config_set(struct dev_config *cfg, const char *key, const char *value,
		   const char *origin)
{
	struct config_kv *kv;
	int core = find_core_key(key);
	int ret;

	if (core >= 0)
		return set_core_key(cfg, core, value, origin);
	ret = integrity_config_set(&cfg->integrity, key, value, origin);
	if (ret)
		return ret < 0 ? -1 : 0;

	kv = realloc(cfg->plugin_keys, (cfg->nr_plugin_keys + 1) * sizeof(*kv));
	if (!kv) {
		log_error("%s: out of memory", origin);
		return -1;
	}
	cfg->plugin_keys = kv;
	kv = &cfg->plugin_keys[cfg->nr_plugin_keys++];
	kv->key = strdup(key);
	kv->value = strdup(value);
	kv->origin = strdup(origin);
	return 0;
}

const char *dev_config_origin(const struct dev_config *cfg, enum core_key key)
{
	if (cfg->key_origin[key])
		return cfg->key_origin[key];
	return cfg->origin ? cfg->origin : "command line";
}

int dev_config_path_forced(const struct dev_config *cfg)
{
	return cfg->data_path_copy || cfg->key_origin[KEY_ZERO_COPY] ||
	       cfg->key_origin[KEY_USER_COPY] || cfg->key_origin[KEY_GET_DATA];
}

const char *dev_config_path_origin(const struct dev_config *cfg)
{
	static const enum core_key keys[] = { KEY_ZERO_COPY, KEY_USER_COPY, KEY_GET_DATA,
					      KEY_DATA_PATH };
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cfg->key_origin[keys[i]])
			return cfg->key_origin[keys[i]];
	return dev_config_origin(cfg, KEY_DATA_PATH);
}

int dev_config_validate(const struct dev_config *cfg)
{
	if (!cfg->target) {
		log_error("%s: no target given (-t NAME or target = NAME)",
			  cfg->origin ? cfg->origin : "command line");
		return -1;
	}
	/* Batch spreads any number of queues over any number of threads. */
	if (cfg->nthreads && cfg->nthreads != cfg->queues && !cfg->per_io_tasks && !cfg->batch) {
		log_error("%s: nthreads %u must equal queues %u unless per_io_tasks or batch is on",
			  dev_config_origin(cfg, KEY_NTHREADS), cfg->nthreads, cfg->queues);
		return -1;
	}
	if (cfg->auto_zc_fallback && cfg->zero_copy != ZERO_COPY_AUTO) {
		log_error("%s: auto_zc_fallback needs zero_copy = auto (--auto_zc)",
			  dev_config_origin(cfg, KEY_AUTO_ZC_FALLBACK));
		return -1;
	}
	if (cfg->rotate_auto_buf && cfg->zero_copy != ZERO_COPY_AUTO) {
		log_error("%s: rotate_auto_buf needs zero_copy = auto (--auto_zc)",
			  dev_config_origin(cfg, KEY_ROTATE_AUTO_BUF));
		return -1;
	}
	if (cfg->zero_copy && cfg->user_copy) {
		log_error("%s: zero_copy and user_copy exclude each other",
			  dev_config_origin(cfg, KEY_USER_COPY));
		return -1;
	}
	if (cfg->data_path_copy && (cfg->zero_copy || cfg->user_copy)) {
		log_error("%s: data_path = copy (--copy) excludes %s",
			  dev_config_origin(cfg, KEY_DATA_PATH),
			  cfg->zero_copy ? "zero_copy" : "user_copy");
		return -1;
	}
	if (cfg->get_data && (cfg->zero_copy || cfg->user_copy)) {
		log_error("%s: get_data only works in copy mode (no zero_copy, no user_copy)",
			  dev_config_origin(cfg, KEY_GET_DATA));
		return -1;
	}
	if (cfg->rdonly_shmem_buf && !cfg->htlb) {
		log_error("%s: rdonly_shmem_buf needs htlb = FILE (--htlb FILE)",
			  dev_config_origin(cfg, KEY_RDONLY_SHMEM_BUF));
		return -1;
	}
	/* The kernel refuses these for unprivileged devices (or drops them silently). */
	if (cfg->unprivileged && (cfg->zero_copy || cfg->user_copy || cfg->recovery)) {
		log_error("%s: an unprivileged device cannot use %s (the kernel allows it root only)",
			  dev_config_origin(cfg, KEY_UNPRIVILEGED),
			  cfg->zero_copy ? "zero_copy" : cfg->user_copy ? "user_copy" : "recovery");
		return -1;
	}
	if (cfg->logical_block_size && cfg->physical_block_size &&
	    cfg->physical_block_size < cfg->logical_block_size) {
		log_error("%s: physical_block_size is smaller than logical_block_size",
			  dev_config_origin(cfg, KEY_PHYSICAL_BLOCK_SIZE));
		return -1;
	}
	if (integrity_config_validate(cfg))
		return -1;
	return 0;
}

static int str_equal(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

int dev_config_equal(const struct dev_config *a, const struct dev_config *b)
{
	unsigned int i;

	if (!str_equal(a->target, b->target) || a->dev_id != b->dev_id ||
	    a->queues != b->queues || a->depth != b->depth ||
	    a->nthreads != b->nthreads || a->workers != b->workers ||
	    a->per_io_tasks != b->per_io_tasks ||
	    a->recovery != b->recovery || a->zero_copy != b->zero_copy ||
	    a->auto_zc_fallback != b->auto_zc_fallback ||
	    a->user_copy != b->user_copy || a->get_data != b->get_data ||
	    a->data_path_copy != b->data_path_copy ||
	    !dev_config_path_forced(a) != !dev_config_path_forced(b) ||
	    a->batch != b->batch || a->read_only != b->read_only ||
	    a->logical_block_size != b->logical_block_size ||
	    a->physical_block_size != b->physical_block_size ||
	    a->max_io_size != b->max_io_size ||
	    !integrity_config_equal(&a->integrity, &b->integrity) ||
	    a->rotate_auto_buf != b->rotate_auto_buf || a->io_desc_size != b->io_desc_size ||
	    a->auto_part_scan != b->auto_part_scan || a->ublk_fixed_fd != b->ublk_fixed_fd ||
	    a->dma_alignment != b->dma_alignment || a->max_segments != b->max_segments ||
	    a->max_segment_size != b->max_segment_size ||
	    a->seg_boundary_mask != b->seg_boundary_mask ||
	    a->shmem_zc != b->shmem_zc || !str_equal(a->htlb, b->htlb) ||
	    a->rdonly_shmem_buf != b->rdonly_shmem_buf || a->unprivileged != b->unprivileged ||
	    a->nr_plugin_keys != b->nr_plugin_keys || a->nr_filters != b->nr_filters)
		return 0;
	for (i = 0; i < a->nr_filters; i++)
		if (strcmp(a->filters[i], b->filters[i]))
			return 0;
	for (i = 0; i < a->nr_plugin_keys; i++)
		if (strcmp(a->plugin_keys[i].key, b->plugin_keys[i].key) ||
		    strcmp(a->plugin_keys[i].value, b->plugin_keys[i].value))
			return 0;
	return 1;
}
