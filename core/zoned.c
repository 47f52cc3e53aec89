// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <string.h>
#include <linux/blkzoned.h>

#include "log.h"
#include "zoned.h"

_Static_assert(sizeof(struct blk_zone) == ZONE_DESC_SIZE, "struct blk_zone is the report's unit");

int zoned_choose_flags(const struct dev_config *cfg, __u64 kernel_features,
		       const struct ublk_device_params *p, uint32_t caps, const char *target,
		       const char *blocker, struct flag_choice *c)
{
	const char *origin = dev_config_origin(cfg, KEY_TARGET);

	if (!p->zone_size)
		return 0;
	if (!(caps & UBLK_CAP_ZONED)) {
		log_error("%s: target %s reports zones but %s does not serve zone operations",
			  origin, target, blocker);
		return -1;
	}
	if (require_feature(kernel_features, UBLK_F_ZONED, "a zoned target", origin))
		return -1;
	if (c->batch) {
		log_error("%s: batch does not serve zoned devices (target %s is zoned)",
			  dev_config_origin(cfg, KEY_BATCH), target);
		return -1;
	}
	/* ZONE_APPEND answers through the commit's addr, which get_data needs for the buffer. */
	if (c->data_path == DATA_GET_DATA) {
		log_error("%s: get_data cannot serve a zoned device (target %s): use user_copy or the default",
			  dev_config_origin(cfg, KEY_GET_DATA), target);
		return -1;
	}
	if (require_feature(kernel_features, UBLK_F_USER_COPY, "a zoned target (user copy)", origin))
		return -1;
	/* The kernel's copy mode cannot return an append's LBA: copy becomes user copy. */
	if (c->data_path == DATA_COPY)
		c->data_path = DATA_USER_COPY;
	/* Every zoned path pwrite()s zone reports: USER_COPY even with zero copy. */
	c->flags |= UBLK_F_ZONED | UBLK_F_USER_COPY;
	return 0;
}

int zoned_check_geometry(const struct ublk_device_params *p, const char *origin,
			 const char *target)
{
	uint64_t nr_zones;

	if (!p->zone_size)
		return 0;
	if (!is_pow2(p->zone_size) || p->zone_size < p->logical_block_size) {
		log_error("%s: target %s: zone size %" PRIu32 " is not a power of two of at least the block size %" PRIu32,
			  origin, target, p->zone_size, p->logical_block_size);
		return -1;
	}
	if (p->size % p->zone_size) {
		log_error("%s: target %s: device size %" PRIu64 " is not a multiple of the zone size %" PRIu32,
			  origin, target, p->size, p->zone_size);
		return -1;
	}
	nr_zones = p->size / p->zone_size;
	if (p->max_open_zones > nr_zones || p->max_active_zones > nr_zones) {
		log_error("%s: target %s: max open/active zones %" PRIu32 "/%" PRIu32 " exceed the %" PRIu64 " zones",
			  origin, target, p->max_open_zones, p->max_active_zones, nr_zones);
		return -1;
	}
	return 0;
}

void zoned_build_params(const struct ublk_device_params *p, uint32_t max_io_buf_bytes,
			struct ublk_params *kp)
{
	uint32_t append = p->max_zone_append_size ? p->max_zone_append_size : p->max_io_size;

	if (!p->zone_size)
		return;
	if (append > max_io_buf_bytes)
		append = max_io_buf_bytes;
	if (append > kp->basic.max_sectors << 9)
		append = kp->basic.max_sectors << 9;
	kp->types |= UBLK_PARAM_TYPE_ZONED;
	/* The zone size is the chunk: no request crosses a zone. */
	kp->basic.chunk_sectors = p->zone_size >> 9;
	kp->zoned.max_open_zones = p->max_open_zones;
	kp->zoned.max_active_zones = p->max_active_zones;
	kp->zoned.max_zone_append_sectors = append >> 9;
}
