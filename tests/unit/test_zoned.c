// SPDX-License-Identifier: MIT
/*
 * Zoned devices: the host's flag and parameter rules (core/zoned.c) and the
 * zoned target's zone state machine (plugins/zoned/zones.c).
 */
#include <errno.h>
#include <string.h>

#include "dev_params.h"
#include "log.h"
#include "unit.h"
#include "zoned.h"
#include "zoned/zones.h"

#define FEATURES (UBLK_F_SUPPORT_ZERO_COPY | UBLK_F_AUTO_BUF_REG | UBLK_F_USER_COPY | \
		  UBLK_F_NEED_GET_DATA | UBLK_F_BATCH_IO | UBLK_F_ZONED)
#define ZCAPS (UBLK_CAP_ZONED | UBLK_CAP_ZERO_COPY)

static struct dev_config cfg;

static int choose(const char *key, __u64 features, uint32_t caps, uint32_t zone_size,
		  struct flag_choice *c)
{
	struct ublk_device_params p = { .zone_size = zone_size };

	dev_config_free(&cfg);
	dev_config_init(&cfg);
	if (key)
		CHECK(dev_config_set(&cfg, key, "on", "test") == 0);
	/* As device.c: for choose_flags, UBLK_CAP_ZONED means "this device is zoned". */
	if (choose_flags(&cfg, features, zone_size ? caps : caps & ~UBLK_CAP_ZONED,
			 "no zero copy", 0, c))
		return -1;
	return zoned_choose_flags(&cfg, features, &p, caps, "t", "f", c);
}

static void test_flags(void)
{
	struct flag_choice c;

	/* Not zoned: nothing zoned is added to data_path = auto's choice. */
	CHECK(choose(NULL, FEATURES, ZCAPS, 0, &c) == 0);
	CHECK(!(c.flags & (UBLK_F_ZONED | UBLK_F_USER_COPY)) && c.data_path == DATA_AUTO_ZC);
	/* Zoned, nothing asked: auto picks a copy path, which becomes user copy + ZONED. */
	CHECK(choose(NULL, FEATURES, ZCAPS, 4 << 20, &c) == 0);
	CHECK(c.flags == (UBLK_F_ZONED | UBLK_F_USER_COPY) && c.data_path == DATA_USER_COPY);
	/* Zero copy keeps its path and gains USER_COPY for the zone reports. */
	CHECK(choose("zero_copy", FEATURES, ZCAPS, 4 << 20, &c) == 0);
	CHECK(c.flags == (UBLK_F_ZONED | UBLK_F_USER_COPY | UBLK_F_SUPPORT_ZERO_COPY));
	CHECK(c.data_path == DATA_ZERO_COPY);
	/* get_data and batch cannot return an append's sector: refused. */
	CHECK(choose("get_data", FEATURES, ZCAPS, 4 << 20, &c) == -1);
	CHECK(choose("batch", FEATURES, ZCAPS, 4 << 20, &c) == -1);
	/* A kernel without ZONED, a stack without the capability: refused. */
	CHECK(choose(NULL, FEATURES & ~UBLK_F_ZONED, ZCAPS, 4 << 20, &c) == -1);
	CHECK(choose(NULL, FEATURES, UBLK_CAP_ZERO_COPY, 4 << 20, &c) == -1);
}

static void test_geometry_params(void)
{
	struct ublk_device_params p = {
		.size = 64 << 20, .logical_block_size = 512, .physical_block_size = 512,
		.max_io_size = 1 << 20, .zone_size = 4 << 20, .max_open_zones = 4,
		.max_active_zones = 6,
	};
	struct ublk_params kp;

	CHECK(zoned_check_geometry(&p, "test", "t") == 0);
	build_params(&p, 512 << 10, &kp);
	zoned_build_params(&p, 512 << 10, &kp);
	CHECK(kp.types == (UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_ZONED));
	CHECK(kp.basic.chunk_sectors == 8192);
	CHECK(kp.zoned.max_open_zones == 4 && kp.zoned.max_active_zones == 6);
	/* Appends are capped by the buffer the kernel gives a request. */
	CHECK(kp.zoned.max_zone_append_sectors == (512 << 10) >> 9);

	p.zone_size = 3 << 20;
	CHECK(zoned_check_geometry(&p, "test", "t") == -1);
	p.zone_size = 4 << 20;
	p.size = 66 << 20;
	CHECK(zoned_check_geometry(&p, "test", "t") == -1);
	p.size = 64 << 20;
	p.max_open_zones = 17;
	CHECK(zoned_check_geometry(&p, "test", "t") == -1);
}

#define ZS (1 << 20)

static void test_zones(void)
{
	struct zones zs;
	struct blk_zone rep[8];
	uint64_t where;

	/* 8 zones of 1M, 1 conventional, at most 2 open and 3 active. */
	CHECK(zones_init(&zs, 8, 1, ZS, 2, 3) == 0);
	/* Conventional: anywhere; sequential: only at the write pointer. */
	CHECK(zones_write(&zs, 4096, 4096, 0, &where) == 0 && where == 4096);
	CHECK(zones_write(&zs, ZS + 4096, 4096, 0, &where) == -EIO);
	CHECK(zones_write(&zs, ZS, 4096, 0, &where) == 0 && where == ZS);
	CHECK(zs.z[1].cond == BLK_ZONE_COND_IMP_OPEN && zs.z[1].wp == ZS + 4096);
	/* Append lands at the write pointer, wherever it was aimed in the zone. */
	CHECK(zones_write(&zs, ZS, 4096, 1, &where) == 0 && where == ZS + 4096);
	/* Crossing the zone's end: refused. */
	CHECK(zones_write(&zs, ZS + 8192, ZS, 0, &where) == -EIO);

	/* Open limit: zones 2 and 3 explicitly open closes the implicit zone 1. */
	CHECK(zones_mgmt(&zs, BLKOPENZONE, 2 * ZS) == 0);
	CHECK(zones_mgmt(&zs, BLKOPENZONE, 3 * ZS) == 0);
	CHECK(zs.z[1].cond == BLK_ZONE_COND_CLOSED && zs.nr_open == 2 && zs.nr_active == 3);
	/* Both open explicitly: a fourth zone cannot open, nor become active. */
	CHECK(zones_mgmt(&zs, BLKOPENZONE, 4 * ZS) == -EOVERFLOW);
	CHECK(zones_mgmt(&zs, BLKOPENZONE, ZS) == -ETOOMANYREFS);
	CHECK(zones_write(&zs, ZS + 8192, 4096, 0, &where) == -ETOOMANYREFS);
	/* Closing an empty open zone makes it empty and frees both. */
	CHECK(zones_mgmt(&zs, BLKCLOSEZONE, 3 * ZS) == 0);
	CHECK(zs.z[3].cond == BLK_ZONE_COND_EMPTY && zs.nr_open == 1 && zs.nr_active == 2);
	/* Finish: full; reset: empty at the start. */
	CHECK(zones_mgmt(&zs, BLKFINISHZONE, ZS) == 0);
	CHECK(zs.z[1].cond == BLK_ZONE_COND_FULL && zs.z[1].wp == 2 * ZS);
	CHECK(zones_write(&zs, 2 * ZS - 4096, 4096, 0, &where) == -EIO);
	CHECK(zones_mgmt(&zs, BLKRESETZONE, ZS) == 0);
	CHECK(zs.z[1].cond == BLK_ZONE_COND_EMPTY && zs.z[1].wp == ZS);
	/* Conventional zones take no zone management. */
	CHECK(zones_mgmt(&zs, BLKRESETZONE, 0) == -EIO);
	/* Filling a zone makes it full and leaves the open set. */
	CHECK(zones_write(&zs, 2 * ZS, ZS, 0, &where) == 0);
	CHECK(zs.z[2].cond == BLK_ZONE_COND_FULL && zs.nr_open == 0 && zs.nr_active == 0);

	/* Report from zone 1: sectors, types, conditions. */
	CHECK(zones_report(&zs, ZS, rep, 8) == 7);
	CHECK(rep[0].start == ZS >> 9 && rep[0].len == ZS >> 9 && rep[0].capacity == rep[0].len);
	CHECK(rep[0].type == BLK_ZONE_TYPE_SEQWRITE_REQ && rep[1].cond == BLK_ZONE_COND_FULL);
	CHECK(zones_report(&zs, 0, rep, 2) == 2 && rep[0].type == BLK_ZONE_TYPE_CONVENTIONAL);

	/* Persisted pointers come back empty, closed or full. */
	zones_reset_all(&zs);
	CHECK(zones_restore_wp(&zs, 1, ZS + 8192) == 0 && zs.z[1].cond == BLK_ZONE_COND_CLOSED);
	CHECK(zones_restore_wp(&zs, 2, 3 * ZS) == 0 && zs.z[2].cond == BLK_ZONE_COND_FULL);
	CHECK(zones_restore_wp(&zs, 3, 5 * ZS) == -EINVAL);
	CHECK(zs.nr_active == 1 && zs.nr_open == 0);
	zones_free(&zs);
}

int main(void)
{
	log_level = LOG_LEVEL_ERROR - 1;
	test_flags();
	test_geometry_params();
	test_zones();
	dev_config_free(&cfg);
	return UNIT_RESULT();
}
