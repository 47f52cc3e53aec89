// SPDX-License-Identifier: MIT
#include <string.h>

#include <stdio.h>

#include "data_path_auto.h"
#include "dev_params.h"
#include "feature_names.h"
#include "log.h"
#include "recovery_mode.h"

static int ilog2_u32(uint32_t v)
{
	return 31 - __builtin_clz(v);
}

void build_params(const struct ublk_device_params *p, uint32_t max_io_buf_bytes,
		  struct ublk_params *kp)
{
	uint32_t max_io = p->max_io_size;

	if (max_io > max_io_buf_bytes)
		max_io = max_io_buf_bytes;

	memset(kp, 0, sizeof(*kp));
	kp->types = UBLK_PARAM_TYPE_BASIC;
	if (p->attrs & UBLK_DEV_READ_ONLY)
		kp->basic.attrs |= UBLK_ATTR_READ_ONLY;
	if (p->attrs & UBLK_DEV_ROTATIONAL)
		kp->basic.attrs |= UBLK_ATTR_ROTATIONAL;
	if (p->attrs & UBLK_DEV_VOLATILE_CACHE)
		kp->basic.attrs |= UBLK_ATTR_VOLATILE_CACHE;
	if (p->attrs & UBLK_DEV_FUA)
		kp->basic.attrs |= UBLK_ATTR_FUA;
	kp->basic.logical_bs_shift = (__u8)ilog2_u32(p->logical_block_size);
	kp->basic.physical_bs_shift = (__u8)ilog2_u32(p->physical_block_size);
	kp->basic.io_min_shift = (__u8)(is_pow2(p->io_min) ? ilog2_u32(p->io_min) :
					kp->basic.physical_bs_shift);
	kp->basic.io_opt_shift = (__u8)(is_pow2(p->io_opt) ? ilog2_u32(p->io_opt) :
					kp->basic.io_min_shift);
	kp->basic.max_sectors = max_io >> 9;
	if (is_pow2(p->chunk_size))
		kp->basic.chunk_sectors = p->chunk_size >> 9;
	kp->basic.dev_sectors = p->size >> 9;

	if (p->discard_granularity || p->max_write_zeroes_size) {
		kp->types |= UBLK_PARAM_TYPE_DISCARD;
		kp->discard.discard_granularity = p->discard_granularity ?
						  p->discard_granularity : p->logical_block_size;
		if (p->discard_granularity)
			kp->discard.max_discard_sectors = p->max_discard_size ?
				p->max_discard_size >> 9 : UINT32_MAX >> 9;
		kp->discard.max_write_zeroes_sectors = p->max_write_zeroes_size >> 9;
		kp->discard.max_discard_segments = 1;
	}
	/* One protection interval per logical block, as kublk. */
	if (p->metadata_size) {
		kp->types |= UBLK_PARAM_TYPE_INTEGRITY;
		kp->integrity.flags = p->integrity_flags;
		kp->integrity.interval_exp = kp->basic.logical_bs_shift;
		kp->integrity.metadata_size = (__u8)p->metadata_size;
		kp->integrity.pi_offset = p->pi_offset;
		kp->integrity.csum_type = p->csum_type;
		kp->integrity.tag_size = p->tag_size;
	}
}

/* A feature the user asked for must be one the running kernel has. */
int require_feature(__u64 kernel_features, __u64 flag, const char *what, const char *origin)
{
	unsigned int bit = feature_bit(flag);

	if (kernel_features & flag)
		return 0;
	log_error("%s: %s needs the ublk feature %s (Linux %s or newer); this kernel lacks it",
		  origin, what, feature_name(bit), feature_kernel(bit));
	return -1;
}

/* data_path = auto: the fastest path, or on recovery the one the device has. */
static int choose_auto(const struct dev_config *cfg, __u64 kernel_features, uint32_t caps,
		       const char *zc_refusal, __u64 recovered_flags, struct flag_choice *out)
{
	const char *origin = dev_config_origin(cfg, KEY_DATA_PATH);
	unsigned int allowed = PATHS_ANY;
	struct auto_path ap;

	if (recovered_flags) {
		out->data_path = data_path_from_flags(recovered_flags, &out->fallback);
		if ((out->data_path == DATA_ZERO_COPY || out->data_path == DATA_AUTO_ZC) &&
		    !(caps & (UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA))) {
			log_error("%s: the device runs %s but %s", origin,
				  data_path_word(out->data_path), zc_refusal);
			return -1;
		}
		snprintf(out->why, sizeof(out->why), "auto: kept from the recovered device");
		return 0;
	}
	/* Batch commands carry a buffer address or an auto registration (batch_io.c). */
	if (cfg->batch)
		allowed &= PATH_BIT(DATA_COPY) | PATH_BIT(DATA_AUTO_ZC);
	/*
	 * Zoned: zone reports need user copy anyway, and the zero copy limits
	 * (dma_alignment 4095...) make mkfs.btrfs's unaligned O_DIRECT fail.
	 */
	if (caps & UBLK_CAP_ZONED)
		allowed &= PATH_BIT(DATA_USER_COPY) | PATH_BIT(DATA_COPY);
	/* The kernel gives zero copy and user copy to root's devices only. */
	if (cfg->unprivileged)
		allowed &= PATH_BIT(DATA_COPY);
	if (data_path_auto(kernel_features, caps, allowed, zc_refusal, &ap)) {
		log_error("%s: data_path = auto: %s", origin, ap.why);
		return -1;
	}
	out->data_path = ap.data_path;
	out->fallback = ap.fallback;
	snprintf(out->why, sizeof(out->why), "%s", ap.why);
	return 0;
}

int choose_flags(const struct dev_config *cfg, __u64 kernel_features, uint32_t caps,
		 const char *zc_refusal, __u64 recovered_flags, struct flag_choice *out)
{
	__u64 f = 0;

	memset(out, 0, sizeof(*out));
	out->no_data = !!(caps & UBLK_CAP_NO_DATA);
	out->data_path = DATA_COPY;

	f = recovery_mode_flags(cfg->recovery);
	if ((f & UBLK_F_USER_RECOVERY_FAIL_IO) &&
	    require_feature(kernel_features, UBLK_F_USER_RECOVERY_FAIL_IO, "recovery = fail_io",
			    dev_config_origin(cfg, KEY_RECOVERY)))
		return -1;
	if (f && require_feature(kernel_features, UBLK_F_USER_RECOVERY, "recovery",
				 dev_config_origin(cfg, KEY_RECOVERY)))
		return -1;
	/* Quiesce comes free with recovery where the kernel has it. */
	if (f && (kernel_features & UBLK_F_QUIESCE))
		f |= UBLK_F_QUIESCE;

	/* Batch first: it decides which commands every other mode runs on. */
	if (cfg->batch) {
		const char *origin = dev_config_origin(cfg, KEY_BATCH);

		if (require_feature(kernel_features, UBLK_F_BATCH_IO, "batch", origin))
			return -1;
		/* Batch commands replace FETCH/COMMIT/NEED_GET_DATA entirely. */
		if (cfg->get_data || cfg->per_io_tasks) {
			log_error("%s: batch does not combine with %s", origin,
				  cfg->get_data ? "get_data" : "per_io_tasks");
			return -1;
		}
		f |= UBLK_F_BATCH_IO;
		out->batch = 1;
	}
	if (cfg->integrity.metadata_size) {
		/* Metadata moves only by user copy: it wins over any default data path. */
		const char *origin = cfg->integrity.origin;

		if (!(caps & UBLK_CAP_INTEGRITY)) {
			log_error("%s: the device's layers do not carry integrity metadata", origin);
			return -1;
		}
		f |= UBLK_F_USER_COPY | UBLK_F_INTEGRITY;
		if (require_feature(kernel_features, UBLK_F_INTEGRITY, "metadata_size", origin) ||
		    require_feature(kernel_features, UBLK_F_USER_COPY, "metadata_size", origin))
			return -1;
		out->data_path = DATA_USER_COPY;
		snprintf(out->why, sizeof(out->why),
			 "integrity metadata moves only by user copy");
	} else if (!dev_config_path_forced(cfg)) {
		if (choose_auto(cfg, kernel_features, caps, zc_refusal, recovered_flags, out))
			return -1;
		f |= data_path_flags(out->data_path, out->fallback);
	} else if (cfg->zero_copy) {
		const char *origin = dev_config_origin(cfg, KEY_ZERO_COPY);

		if (!(caps & (UBLK_CAP_ZERO_COPY | UBLK_CAP_NO_DATA))) {
			log_error("%s: %s", origin, zc_refusal);
			return -1;
		}
		if (cfg->zero_copy == ZERO_COPY_ON) {
			f |= UBLK_F_SUPPORT_ZERO_COPY;
			if (require_feature(kernel_features, UBLK_F_SUPPORT_ZERO_COPY, "zero_copy", origin))
				return -1;
			out->data_path = DATA_ZERO_COPY;
		} else {
			f |= UBLK_F_AUTO_BUF_REG;
			if (require_feature(kernel_features, UBLK_F_AUTO_BUF_REG, "zero_copy = auto", origin))
				return -1;
			/* The fallback registers by hand: that is SUPPORT_ZERO_COPY. */
			if (cfg->auto_zc_fallback) {
				f |= UBLK_F_SUPPORT_ZERO_COPY;
				if (require_feature(kernel_features, UBLK_F_SUPPORT_ZERO_COPY,
						    "auto_zc_fallback", origin))
					return -1;
				out->fallback = 1;
			}
			out->data_path = DATA_AUTO_ZC;
		}
	} else if (cfg->user_copy) {
		f |= UBLK_F_USER_COPY;
		if (require_feature(kernel_features, UBLK_F_USER_COPY, "user_copy",
				    dev_config_origin(cfg, KEY_USER_COPY)))
			return -1;
		out->data_path = DATA_USER_COPY;
	} else if (cfg->get_data) {
		f |= UBLK_F_NEED_GET_DATA;
		if (require_feature(kernel_features, UBLK_F_NEED_GET_DATA, "get_data",
				    dev_config_origin(cfg, KEY_GET_DATA)))
			return -1;
		out->data_path = DATA_GET_DATA;
	}
	if (dev_config_path_forced(cfg))
		snprintf(out->why, sizeof(out->why), "set by %s", dev_config_path_origin(cfg));
	if (cfg->per_io_tasks) {
		f |= UBLK_F_PER_IO_DAEMON;
		if (require_feature(kernel_features, UBLK_F_PER_IO_DAEMON, "per_io_tasks",
				    dev_config_origin(cfg, KEY_PER_IO_TASKS)))
			return -1;
	}
	if (cfg->io_desc_size) {
		f |= UBLK_F_IO_DESC_SIZE;
		if (require_feature(kernel_features, UBLK_F_IO_DESC_SIZE, "io_desc_size",
				    dev_config_origin(cfg, KEY_IO_DESC_SIZE)))
			return -1;
	}
	if (cfg->shmem_zc) {
		f |= UBLK_F_SHMEM_ZC;
		if (require_feature(kernel_features, UBLK_F_SHMEM_ZC,
				    cfg->htlb && !cfg->key_origin[KEY_SHMEM_ZC] ? "htlb" : "shmem_zc",
				    dev_config_origin(cfg, cfg->key_origin[KEY_SHMEM_ZC] ?
						      KEY_SHMEM_ZC : KEY_HTLB)))
			return -1;
	}
	if (cfg->unprivileged) {
		f |= UBLK_F_UNPRIVILEGED_DEV;
		if (require_feature(kernel_features, UBLK_F_UNPRIVILEGED_DEV, "unprivileged",
				    dev_config_origin(cfg, KEY_UNPRIVILEGED)))
			return -1;
	}
	out->flags = f;
	return 0;
}

