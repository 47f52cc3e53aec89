// SPDX-License-Identifier: MIT
#include <stdint.h>

#include "dev_params.h"
#include "dev_params7.h"
#include "log.h"
#include "parse.h"

static int is_mask(uint64_t v)
{
	return v != UINT64_MAX && is_pow2(v + 1);
}

int dev7_set_key(struct dev_config *cfg, int key, const char *value, const char *origin)
{
	uint64_t v;

	switch (key) {
	case KEY_DMA_ALIGNMENT:
		/* The kernel takes a mask below the page: 511, 4095... */
		if (parse_uint(value, &v) || !is_mask(v) || v >= 4096) {
			log_error("%s: dma_alignment must be a mask 2^n-1 below 4096 (511, 4095), not '%s'",
				  origin, value);
			return -1;
		}
		cfg->dma_alignment = (uint32_t)v;
		return 0;
	case KEY_SEG_BOUNDARY_MASK:
		if (parse_uint(value, &v) || !is_mask(v) || v + 1 < MIN_SEGMENT_SIZE ||
		    v > UINT32_MAX) {
			log_error("%s: seg_boundary_mask must be a mask 2^n-1 from 4095 to 0xffffffff, not '%s'",
				  origin, value);
			return -1;
		}
		cfg->seg_boundary_mask = v;
		return 0;
	case KEY_MAX_SEGMENT_SIZE:
		if (parse_size(value, &v) || v < MIN_SEGMENT_SIZE || v > UINT32_MAX) {
			log_error("%s: max_segment_size must be a size from 4K to 4G-1, not '%s'",
				  origin, value);
			return -1;
		}
		cfg->max_segment_size = (uint32_t)v;
		return 0;
	case KEY_MAX_SEGMENTS:
		if (parse_uint_range(value, 1, UINT16_MAX, &v)) {
			log_error("%s: max_segments must be a number from 1 to 65535, not '%s'",
				  origin, value);
			return -1;
		}
		cfg->max_segments = (uint32_t)v;
		return 0;
	}
	return -1;
}

static int limits_given(const struct dev_config *cfg)
{
	return cfg->key_origin[KEY_DMA_ALIGNMENT] || cfg->key_origin[KEY_SEG_BOUNDARY_MASK] ||
	       cfg->key_origin[KEY_MAX_SEGMENT_SIZE] || cfg->key_origin[KEY_MAX_SEGMENTS];
}

static const char *limits_origin(const struct dev_config *cfg)
{
	static const int keys[] = { KEY_DMA_ALIGNMENT, KEY_SEG_BOUNDARY_MASK,
				    KEY_MAX_SEGMENT_SIZE, KEY_MAX_SEGMENTS };
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cfg->key_origin[keys[i]])
			return cfg->key_origin[keys[i]];
	return dev_config_origin(cfg, KEY_ZERO_COPY);
}

static int zero_copy_path(int data_path)
{
	return data_path == DATA_ZERO_COPY || data_path == DATA_AUTO_ZC;
}

int dev7_choose_flags(const struct dev_config *cfg, __u64 kernel_features, int data_path,
		      __u64 *flags)
{
	if (!cfg->auto_part_scan) {
		if (require_feature(kernel_features, UBLK_F_NO_AUTO_PART_SCAN, "auto_part_scan = off",
				    dev_config_origin(cfg, KEY_AUTO_PART_SCAN)))
			return -1;
		*flags |= UBLK_F_NO_AUTO_PART_SCAN;
	}
	/*
	 * The limit parameters came with zero copy (6.15) and have no feature
	 * bit of their own; an older kernel would drop them without a word.
	 * With zero copy the data path checked the kernel already.
	 */
	if (limits_given(cfg) && !zero_copy_path(data_path) &&
	    require_feature(kernel_features, UBLK_F_SUPPORT_ZERO_COPY,
			    "a dma_alignment or segment limit", limits_origin(cfg)))
		return -1;
	return 0;
}

static int segments_given(const struct dev_config *cfg)
{
	return cfg->key_origin[KEY_SEG_BOUNDARY_MASK] || cfg->key_origin[KEY_MAX_SEGMENT_SIZE] ||
	       cfg->key_origin[KEY_MAX_SEGMENTS];
}

void dev7_build_params(const struct dev_config *cfg, int data_path, struct ublk_params *kp)
{
	if (zero_copy_path(data_path) || cfg->key_origin[KEY_DMA_ALIGNMENT]) {
		kp->types |= UBLK_PARAM_TYPE_DMA_ALIGN;
		/* Zero copy: the backing's O_DIRECT needs block-aligned memory. */
		kp->dma.alignment = cfg->key_origin[KEY_DMA_ALIGNMENT] ? cfg->dma_alignment :
				    (1U << kp->basic.logical_bs_shift) - 1;
	}
	if (!segments_given(cfg))
		return;
	kp->types |= UBLK_PARAM_TYPE_SEGMENT;
	kp->seg.seg_boundary_mask = cfg->key_origin[KEY_SEG_BOUNDARY_MASK] ?
				    cfg->seg_boundary_mask : DEF_SEG_BOUNDARY_MASK;
	kp->seg.max_segment_size = cfg->key_origin[KEY_MAX_SEGMENT_SIZE] ?
				   cfg->max_segment_size : DEF_MAX_SEGMENT_SIZE;
	kp->seg.max_segments = (__u16)(cfg->key_origin[KEY_MAX_SEGMENTS] ?
				       cfg->max_segments : DEF_MAX_SEGMENTS);
}
