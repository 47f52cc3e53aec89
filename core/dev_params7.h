/* SPDX-License-Identifier: MIT */
/*
 * Device options of the Linux 7.x ublk driver that are not a data path:
 *
 *  auto_part_scan = off (--no_auto_part_scan): UBLK_F_NO_AUTO_PART_SCAN
 *  (7.0), the kernel does not read a partition table at START_DEV.
 *
 *  The limits zero copy needs, UBLK_PARAM_TYPE_DMA_ALIGN and
 *  UBLK_PARAM_TYPE_SEGMENT (6.15): with zero copy the request's pages go
 *  straight to the layers' own IO (O_DIRECT on a backing file), so the
 *  device advertises the memory alignment that IO needs: the logical block
 *  size (dma_alignment 511 for 512-byte blocks, where the ublk default is
 *  3). Segments stay unlimited unless configured: kublk's null advertises
 *  dma_alignment 4095 and 32 segments of 32K, but a 4095 mask makes every
 *  sub-page O_DIRECT or buffer-head IO fail with EINVAL (ext4 cannot read
 *  its 1K superblock; mkfs.btrfs fails) and 32 x 4K segments cap requests
 *  at 128K. Each is configurable (dma_alignment, seg_boundary_mask,
 *  max_segment_size, max_segments); a device without zero copy advertises
 *  them only if one is given.
 *
 * Pure, like dev_params.c: tests/unit/test_dev_params.c checks them.
 */
#ifndef UBLK_SERVER_DEV_PARAMS7_H
#define UBLK_SERVER_DEV_PARAMS7_H

#include "dev_config.h"
#include "ublk_abi.h"

/* Segment defaults when only some segment keys are given: the ublk driver's own. */
#define DEF_SEG_BOUNDARY_MASK	0xffffffffULL
#define DEF_MAX_SEGMENT_SIZE	0xffffffffU
#define DEF_MAX_SEGMENTS	65535
/* The kernel refuses a segment or boundary smaller than this (UBLK_MIN_SEGMENT_SIZE). */
#define MIN_SEGMENT_SIZE	4096

/* Parse one of the limit keys (enum core_key) into cfg; -1 after one line. */
int dev7_set_key(struct dev_config *cfg, int key, const char *value, const char *origin);
/*
 * The UBLK_F_* these options add to a device whose data path is data_path
 * (enum data_path); -1 after one line naming the feature and Linux version
 * when the kernel lacks one.
 */
int dev7_choose_flags(const struct dev_config *cfg, __u64 kernel_features, int data_path,
		      __u64 *flags);
/* Add the limits to the parameters build_params made. */
void dev7_build_params(const struct dev_config *cfg, int data_path, struct ublk_params *kp);

#endif
