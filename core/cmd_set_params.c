// SPDX-License-Identifier: MIT
/*
 * set_params, as kublk 7.3's: ADD_DEV, SET_PARAMS, DEL_DEV, never START_DEV,
 * to ask the running kernel whether it takes a set of parameters. One line
 * on stdout and exit 0 when it does; one error line and exit 1 when it does
 * not. The device is deleted in every case, with SIGINT/SIGTERM/SIGHUP held
 * off meanwhile so that no device is ever left behind.
 *
 *   set_params [-n ID] [-q N] [-d N] [-u] [--zoned] [-r/-i/-e 1]
 *       [--no_auto_part_scan] [--param_types basic[,zoned,dma_align,segment]|none]
 *       [--logical_bs_shift N] [--physical_bs_shift N] [--io_min_shift N]
 *       [--io_opt_shift N] [--max_sectors N] [--chunk_sectors N]
 *       [--dev_sectors N] [--max_zone_append_sectors N] [--max_open_zones N]
 *       [--max_active_zones N] [--dma_alignment M] [--seg_boundary_mask M]
 *       [--max_segment_size S] [--max_segments N]
 *
 * Defaults are kublk's: basic parameters of a 1 MiB device with 512-byte
 * logical and 4 KiB physical blocks, chunk (zone) 64 KiB.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "ctrl.h"
#include "dev_params.h"
#include "dev_params7.h"
#include "log.h"
#include "parse.h"
#include "recovery_mode.h"

#define SP_IO_MAX_BYTES		(1U << 20)

enum sp_field {
	SP_LOGICAL_BS_SHIFT, SP_PHYSICAL_BS_SHIFT, SP_IO_MIN_SHIFT, SP_IO_OPT_SHIFT,
	SP_MAX_SECTORS, SP_CHUNK_SECTORS, SP_DEV_SECTORS, SP_MAX_ZONE_APPEND_SECTORS,
	SP_MAX_OPEN_ZONES, SP_MAX_ACTIVE_ZONES, NR_SP_FIELDS
};

static const struct {
	const char *name;
	uint64_t max;
	uint64_t def;
} sp_fields[NR_SP_FIELDS] = {
	[SP_LOGICAL_BS_SHIFT] = { "logical_bs_shift", UINT8_MAX, 9 },
	[SP_PHYSICAL_BS_SHIFT] = { "physical_bs_shift", UINT8_MAX, 12 },
	[SP_IO_MIN_SHIFT] = { "io_min_shift", UINT8_MAX, 9 },
	[SP_IO_OPT_SHIFT] = { "io_opt_shift", UINT8_MAX, 12 },
	[SP_MAX_SECTORS] = { "max_sectors", UINT32_MAX, SP_IO_MAX_BYTES >> 9 },
	[SP_CHUNK_SECTORS] = { "chunk_sectors", UINT32_MAX, 128 },
	[SP_DEV_SECTORS] = { "dev_sectors", UINT64_MAX, 128 * 16 },
	[SP_MAX_ZONE_APPEND_SECTORS] = { "max_zone_append_sectors", UINT32_MAX, 8 },
	[SP_MAX_OPEN_ZONES] = { "max_open_zones", UINT32_MAX, 0 },
	[SP_MAX_ACTIVE_ZONES] = { "max_active_zones", UINT32_MAX, 0 },
};

static int parse_param_types(const char *value, const char *origin, __u32 *types)
{
	static const struct {
		const char *name;
		__u32 type;
	} names[] = {
		{ "basic", UBLK_PARAM_TYPE_BASIC }, { "zoned", UBLK_PARAM_TYPE_ZONED },
		{ "dma_align", UBLK_PARAM_TYPE_DMA_ALIGN }, { "segment", UBLK_PARAM_TYPE_SEGMENT },
	};
	const char *p = value;

	*types = 0;
	if (!strcmp(value, "none"))
		return 0;
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned int i;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && !strncmp(p, names[i].name, len))
				break;
		if (i == sizeof(names) / sizeof(names[0])) {
			log_error("%s: '%.*s' is not a parameter type (basic, zoned, dma_align, segment; or none)",
				  origin, (int)len, p);
			return -1;
		}
		*types |= names[i].type;
		p += len;
		if (*p)
			p++;
	}
	return 0;
}

/* The command line's --KEY VALUE pairs that are not core keys: the parameters. */
static int build(const struct cli_args *args, struct ublk_params *kp)
{
	const struct dev_config *cfg = &args->dev;
	uint64_t v[NR_SP_FIELDS];
	__u32 types = UBLK_PARAM_TYPE_BASIC;
	unsigned int i, f;

	/* Core keys set_params has no use for would be ignored: refuse them. */
	for (i = 0; i < NR_CORE_KEYS; i++) {
		switch (i) {
		case KEY_DEV_ID: case KEY_QUEUES: case KEY_DEPTH: case KEY_USER_COPY:
		case KEY_RECOVERY: case KEY_AUTO_PART_SCAN: case KEY_DMA_ALIGNMENT:
		case KEY_SEG_BOUNDARY_MASK: case KEY_MAX_SEGMENT_SIZE: case KEY_MAX_SEGMENTS:
			continue;
		}
		if (cfg->key_origin[i]) {
			log_error("%s: not a set_params option; try 'ublk-server help'",
				  cfg->key_origin[i]);
			return -1;
		}
	}
	for (f = 0; f < NR_SP_FIELDS; f++)
		v[f] = sp_fields[f].def;
	if (cfg->key_origin[KEY_DMA_ALIGNMENT] || cfg->key_origin[KEY_SEG_BOUNDARY_MASK] ||
	    cfg->key_origin[KEY_MAX_SEGMENT_SIZE] || cfg->key_origin[KEY_MAX_SEGMENTS])
		types |= UBLK_PARAM_TYPE_DMA_ALIGN | UBLK_PARAM_TYPE_SEGMENT;
	for (i = 0; i < cfg->nr_plugin_keys; i++) {
		const struct config_kv *kv = &cfg->plugin_keys[i];

		if (!strcmp(kv->key, "param_types")) {
			if (parse_param_types(kv->value, kv->origin, &types))
				return -1;
			continue;
		}
		for (f = 0; f < NR_SP_FIELDS; f++)
			if (!strcmp(kv->key, sp_fields[f].name))
				break;
		if (f == NR_SP_FIELDS) {
			log_error("%s: not a set_params option; try 'ublk-server help'", kv->origin);
			return -1;
		}
		if (parse_uint_range(kv->value, 0, sp_fields[f].max, &v[f])) {
			log_error("%s: '%s' is not a number from 0 to %llu", kv->origin, kv->value,
				  (unsigned long long)sp_fields[f].max);
			return -1;
		}
	}

	memset(kp, 0, sizeof(*kp));
	kp->types = types;
	kp->basic.logical_bs_shift = (__u8)v[SP_LOGICAL_BS_SHIFT];
	kp->basic.physical_bs_shift = (__u8)v[SP_PHYSICAL_BS_SHIFT];
	kp->basic.io_min_shift = (__u8)v[SP_IO_MIN_SHIFT];
	kp->basic.io_opt_shift = (__u8)v[SP_IO_OPT_SHIFT];
	kp->basic.max_sectors = (__u32)v[SP_MAX_SECTORS];
	kp->basic.chunk_sectors = (__u32)v[SP_CHUNK_SECTORS];
	kp->basic.dev_sectors = v[SP_DEV_SECTORS];
	kp->zoned.max_zone_append_sectors = (__u32)v[SP_MAX_ZONE_APPEND_SECTORS];
	kp->zoned.max_open_zones = (__u32)v[SP_MAX_OPEN_ZONES];
	kp->zoned.max_active_zones = (__u32)v[SP_MAX_ACTIVE_ZONES];
	/* The limits as an add with zero copy would send them (defaults or given). */
	{
		struct ublk_params lim;

		memset(&lim, 0, sizeof(lim));
		dev7_build_params(cfg, DATA_ZERO_COPY, &lim);
		kp->dma = lim.dma;
		kp->seg = lim.seg;
	}
	return 0;
}

/* The device flags asked for, each one the kernel must have. */
static int choose(const struct cli_args *args, __u64 features, __u64 *flags)
{
	const struct dev_config *cfg = &args->dev;
	__u64 f = recovery_mode_flags(cfg->recovery);

	if (f && require_feature(features, f & UBLK_F_USER_RECOVERY_FAIL_IO ?
				 UBLK_F_USER_RECOVERY_FAIL_IO : UBLK_F_USER_RECOVERY, "recovery",
				 dev_config_origin(cfg, KEY_RECOVERY)))
		return -1;
	if (cfg->user_copy) {
		if (require_feature(features, UBLK_F_USER_COPY, "user_copy",
				    dev_config_origin(cfg, KEY_USER_COPY)))
			return -1;
		f |= UBLK_F_USER_COPY;
	}
	if (args->zoned) {
		if (require_feature(features, UBLK_F_ZONED, "--zoned", "--zoned"))
			return -1;
		f |= UBLK_F_ZONED;
	}
	if (!cfg->auto_part_scan) {
		if (require_feature(features, UBLK_F_NO_AUTO_PART_SCAN, "auto_part_scan = off",
				    dev_config_origin(cfg, KEY_AUTO_PART_SCAN)))
			return -1;
		f |= UBLK_F_NO_AUTO_PART_SCAN;
	}
	*flags = f;
	return 0;
}

int cmd_set_params(struct cli_args *args)
{
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params kp, got;
	__u32 dropped = 0;
	sigset_t block, old;
	struct ctrl ctrl;
	__u64 features, flags;
	int ret, del, status = 1;

	if (build(args, &kp))
		return 1;
	ret = ctrl_open(&ctrl);
	if (ret < 0) {
		log_error("cannot open %s: %s%s", UBLK_CONTROL_PATH, strerror(-ret),
			  ret == -ENOENT ? " (load the ublk_drv kernel module)" : "");
		return 1;
	}
	if (ctrl_get_features(&ctrl, &features) < 0 || !(features & UBLK_F_CMD_IOCTL_ENCODE)) {
		log_error("set_params: this kernel's ublk driver is too old (no GET_FEATURES/ioctl encoding)");
		goto out;
	}
	if (choose(args, features, &flags))
		goto out;

	memset(&info, 0, sizeof(info));
	info.dev_id = (__u32)args->dev.dev_id;
	info.nr_hw_queues = (__u16)args->dev.queues;
	info.queue_depth = (__u16)args->dev.depth;
	info.max_io_buf_bytes = SP_IO_MAX_BYTES;
	info.flags = flags;

	/* From ADD_DEV to DEL_DEV, a signal must not leave the device behind. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	ret = ctrl_add_dev(&ctrl, &info);
	if (ret < 0) {
		log_error("set_params: the kernel refuses the device (ADD_DEV): %s", strerror(-ret));
		goto unblock;
	}
	ret = ctrl_set_params(&ctrl, (int)info.dev_id, &kp);
	/* A kernel drops the types it does not know without a word: ask it back. */
	if (ret >= 0) {
		dropped = kp.types;
		if (ctrl_get_params(&ctrl, (int)info.dev_id, &got) >= 0)
			dropped &= ~got.types;
	}
	del = ctrl_del_dev(&ctrl, (int)info.dev_id);
	if (ret < 0)
		log_error("set_params: the kernel refuses the parameters: %s (SET_PARAMS returned %d)",
			  strerror(-ret), ret);
	else if (dropped)
		log_error("set_params: the kernel ignores parameter types 0x%x: it does not know them (dma_align and segment need Linux 6.15)",
			  dropped);
	if (del < 0)
		log_error("set_params: cannot delete device %u: %s", info.dev_id, strerror(-del));
	if (ret >= 0 && !dropped && del >= 0) {
		printf("SET_PARAMS returned 0: the kernel accepts the parameters (dev id %u added and deleted)\n",
		       info.dev_id);
		status = 0;
	}
unblock:
	sigprocmask(SIG_SETMASK, &old, NULL);
out:
	ctrl_close(&ctrl);
	return status;
}
