/* SPDX-License-Identifier: MIT */
/*
 * The zone state machine of the zoned target, without IO: write pointers,
 * conditions and the open/active limits, as null_blk's zoned mode keeps
 * them (host-managed: a sequential zone is written only at its write
 * pointer). Byte offsets throughout. Not thread safe: the caller locks.
 */
#ifndef UBLK_PLUGINS_ZONED_ZONES_H
#define UBLK_PLUGINS_ZONED_ZONES_H

#include <stdint.h>
#include <linux/blkzoned.h>

struct zone {
	uint64_t start;
	uint64_t wp;		/* sequential zones only */
	uint8_t cond;		/* enum blk_zone_cond */
	uint8_t conv;		/* conventional: written anywhere, no write pointer */
};

struct zones {
	struct zone *z;
	uint32_t nr;
	uint32_t nr_conv;	/* the first nr_conv zones */
	uint64_t zone_size;
	uint32_t max_open;	/* 0: no limit */
	uint32_t max_active;
	uint32_t nr_open;	/* implicitly + explicitly open */
	uint32_t nr_active;	/* open + closed */
};

/* nr zones of zone_size bytes, the first nr_conv conventional, all empty. 0 or -ENOMEM. */
int zones_init(struct zones *zs, uint32_t nr, uint32_t nr_conv, uint64_t zone_size,
	       uint32_t max_open, uint32_t max_active);
void zones_free(struct zones *zs);

/*
 * A write (append: at the write pointer) of len bytes at off. On success the
 * write pointer has moved past it and *where is the offset to write at.
 * -EIO (not at the write pointer, crosses the zone, zone full),
 * -ETOOMANYREFS (open limit), -EOVERFLOW (active limit).
 */
int zones_write(struct zones *zs, uint64_t off, uint32_t len, int append, uint64_t *where);

/* op: BLKOPENZONE, BLKCLOSEZONE, BLKFINISHZONE, BLKRESETZONE on the zone at off. */
int zones_mgmt(struct zones *zs, unsigned long op, uint64_t off);

/* Reset every sequential zone. */
void zones_reset_all(struct zones *zs);

/* Up to max descriptors from the zone at off on; how many were filled. */
uint32_t zones_report(const struct zones *zs, uint64_t off, struct blk_zone *out, uint32_t max);

/*
 * Restore a sequential zone's write pointer (persisted state): its condition
 * follows (empty, closed or full). -EINVAL if wp is not inside the zone.
 */
int zones_restore_wp(struct zones *zs, uint32_t i, uint64_t wp);

#endif
