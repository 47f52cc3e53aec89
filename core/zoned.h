/* SPDX-License-Identifier: MIT */
/*
 * Zoned devices (UBLK_F_ZONED, Linux 6.6): what a target that reports zones
 * (ublk_device_params.zone_size != 0, UBLK_CAP_ZONED) changes in the flags,
 * the kernel parameters and the request path. Everything here is off the
 * path of a device that is not zoned.
 *
 * What the kernel requires, and why the data path bends:
 *  - ZONE_APPEND returns the LBA it wrote at through the commit's addr
 *    field, which the copy modes use for the buffer: the kernel refuses
 *    UBLK_F_ZONED without USER_COPY (or, from 6.15, SUPPORT_ZERO_COPY).
 *  - REPORT_ZONES is a driver-private request whose data is a kernel
 *    buffer of struct blk_zone; in USER_COPY the server pwrite()s it. A
 *    char device pwrite needs UBLK_F_USER_COPY even with zero copy, so a
 *    zoned zero-copy device asks for USER_COPY too and keeps a plain
 *    buffer per slot for the reports.
 */
#ifndef UBLK_SERVER_ZONED_H
#define UBLK_SERVER_ZONED_H

#include <stdint.h>

#include <ublk/plugin.h>

#include "dev_config.h"
#include "dev_params.h"
#include "ublk_abi.h"

/* Bytes of one zone descriptor in a report (struct blk_zone). */
#define ZONE_DESC_SIZE	64

/*
 * A zoned device's flags and data path, after choose_flags(): copy becomes
 * user copy, zero copy gains USER_COPY, get_data and batch are refused.
 * Nothing for a device that is not zoned. blocker names the layer that does
 * not pass zone operations, for the refusal. 0, or -1 after one line.
 */
int zoned_choose_flags(const struct dev_config *cfg, __u64 kernel_features,
		       const struct ublk_device_params *p, uint32_t caps, const char *target,
		       const char *blocker, struct flag_choice *c);

/*
 * The geometry a zoned target reported must be one the kernel takes: zone
 * size a power of two, at least a block, dividing the device size; limits
 * within the number of zones. 0, or -1 after one line naming the target.
 */
int zoned_check_geometry(const struct ublk_device_params *p, const char *origin,
			 const char *target);

/* UBLK_PARAM_TYPE_ZONED and the zone size as chunk_sectors. */
void zoned_build_params(const struct ublk_device_params *p, uint32_t max_io_buf_bytes,
			struct ublk_params *kp);

#endif
