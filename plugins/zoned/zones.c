// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zones.h"

int zones_init(struct zones *zs, uint32_t nr, uint32_t nr_conv, uint64_t zone_size,
	       uint32_t max_open, uint32_t max_active)
{
	uint32_t i;

	memset(zs, 0, sizeof(*zs));
	zs->z = calloc(nr, sizeof(*zs->z));
	if (!zs->z)
		return -ENOMEM;
	zs->nr = nr;
	zs->nr_conv = nr_conv;
	zs->zone_size = zone_size;
	zs->max_open = max_open;
	zs->max_active = max_active;
	for (i = 0; i < nr; i++) {
		struct zone *z = &zs->z[i];

		z->start = (uint64_t)i * zone_size;
		z->wp = z->start;
		z->conv = i < nr_conv;
		z->cond = z->conv ? BLK_ZONE_COND_NOT_WP : BLK_ZONE_COND_EMPTY;
	}
	return 0;
}

void zones_free(struct zones *zs)
{
	free(zs->z);
	zs->z = NULL;
}

static struct zone *zone_at(struct zones *zs, uint64_t off)
{
	uint64_t i = off / zs->zone_size;

	return i < zs->nr ? &zs->z[i] : NULL;
}

static int is_open(const struct zone *z)
{
	return z->cond == BLK_ZONE_COND_IMP_OPEN || z->cond == BLK_ZONE_COND_EXP_OPEN;
}

/* Leave the open/active sets (the zone becomes empty, closed or full). */
static void zone_release(struct zones *zs, struct zone *z, uint8_t cond)
{
	if (is_open(z))
		zs->nr_open--;
	if (is_open(z) || z->cond == BLK_ZONE_COND_CLOSED)
		zs->nr_active--;
	if (cond == BLK_ZONE_COND_CLOSED)
		zs->nr_active++;
	z->cond = cond;
}

/* Room for one more open zone: closing an implicitly open one if need be. */
static int open_room(struct zones *zs)
{
	uint32_t i;

	if (!zs->max_open || zs->nr_open < zs->max_open)
		return 0;
	for (i = zs->nr_conv; i < zs->nr; i++) {
		struct zone *z = &zs->z[i];

		if (z->cond == BLK_ZONE_COND_IMP_OPEN) {
			zone_release(zs, z, z->wp == z->start ? BLK_ZONE_COND_EMPTY :
					    BLK_ZONE_COND_CLOSED);
			return 0;
		}
	}
	return -ETOOMANYREFS;
}

/* Make z open (cond IMP_OPEN or EXP_OPEN) from empty, closed or the other open state. */
static int zone_open(struct zones *zs, struct zone *z, uint8_t cond)
{
	int ret;

	if (is_open(z)) {
		z->cond = cond == BLK_ZONE_COND_EXP_OPEN ? cond : z->cond;
		return 0;
	}
	if (z->cond == BLK_ZONE_COND_EMPTY && zs->max_active && zs->nr_active >= zs->max_active)
		return -EOVERFLOW;
	ret = open_room(zs);
	if (ret)
		return ret;
	if (z->cond == BLK_ZONE_COND_EMPTY)
		zs->nr_active++;
	zs->nr_open++;
	z->cond = cond;
	return 0;
}

int zones_write(struct zones *zs, uint64_t off, uint32_t len, int append, uint64_t *where)
{
	struct zone *z = zone_at(zs, off);
	uint64_t end;
	int ret;

	if (!z)
		return -EIO;
	end = z->start + zs->zone_size;
	if (z->conv) {
		if (append || off + len > end)
			return -EIO;
		*where = off;
		return 0;
	}
	if (z->cond == BLK_ZONE_COND_FULL || (!append && off != z->wp) || z->wp + len > end)
		return -EIO;
	ret = zone_open(zs, z, BLK_ZONE_COND_IMP_OPEN);
	if (ret)
		return ret;
	*where = z->wp;
	z->wp += len;
	if (z->wp == end)
		zone_release(zs, z, BLK_ZONE_COND_FULL);
	return 0;
}

int zones_mgmt(struct zones *zs, unsigned long op, uint64_t off)
{
	struct zone *z = zone_at(zs, off);

	if (!z || z->conv || off != z->start)
		return -EIO;
	switch (op) {
	case BLKOPENZONE:
		if (z->cond == BLK_ZONE_COND_FULL)
			return -EIO;
		return zone_open(zs, z, BLK_ZONE_COND_EXP_OPEN);
	case BLKCLOSEZONE:
		if (z->cond == BLK_ZONE_COND_FULL)
			return -EIO;
		if (is_open(z))
			zone_release(zs, z, z->wp == z->start ? BLK_ZONE_COND_EMPTY :
					    BLK_ZONE_COND_CLOSED);
		return 0;
	case BLKFINISHZONE:
		/* Empty to full passes through active: it needs the room. */
		if (z->cond == BLK_ZONE_COND_EMPTY && zs->max_active &&
		    zs->nr_active >= zs->max_active)
			return -EOVERFLOW;
		zone_release(zs, z, BLK_ZONE_COND_FULL);
		z->wp = z->start + zs->zone_size;
		return 0;
	case BLKRESETZONE:
		zone_release(zs, z, BLK_ZONE_COND_EMPTY);
		z->wp = z->start;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

void zones_reset_all(struct zones *zs)
{
	uint32_t i;

	for (i = zs->nr_conv; i < zs->nr; i++)
		zones_mgmt(zs, BLKRESETZONE, zs->z[i].start);
}

uint32_t zones_report(const struct zones *zs, uint64_t off, struct blk_zone *out, uint32_t max)
{
	uint64_t first = off / zs->zone_size;
	uint32_t n = 0;

	for (; first + n < zs->nr && n < max; n++) {
		const struct zone *z = &zs->z[first + n];
		struct blk_zone *b = &out[n];

		memset(b, 0, sizeof(*b));
		b->start = z->start >> 9;
		b->len = zs->zone_size >> 9;
		b->capacity = b->len;
		b->wp = z->conv ? b->start + b->len : z->wp >> 9;
		b->type = z->conv ? BLK_ZONE_TYPE_CONVENTIONAL : BLK_ZONE_TYPE_SEQWRITE_REQ;
		b->cond = z->cond;
	}
	return n;
}

int zones_restore_wp(struct zones *zs, uint32_t i, uint64_t wp)
{
	struct zone *z;

	if (i >= zs->nr || zs->z[i].conv)
		return 0;
	z = &zs->z[i];
	if (wp < z->start || wp > z->start + zs->zone_size)
		return -EINVAL;
	zone_release(zs, z, wp == z->start ? BLK_ZONE_COND_EMPTY :
			    wp == z->start + zs->zone_size ? BLK_ZONE_COND_FULL :
			    BLK_ZONE_COND_CLOSED);
	z->wp = wp;
	return 0;
}
