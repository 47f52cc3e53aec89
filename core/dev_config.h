/* SPDX-License-Identifier: MIT */
/*
 * One configuration model for a device, whether it comes from the command
 * line (`add -q 2 --chunk_size 64K a.img`) or from an INI stanza
 * (`queues = 2`, `chunk_size = 64K`, `file = a.img`): a list of key=value,
 * each with its origin for error messages. Core keys are parsed here; every
 * other key belongs to a layer of the device: the target plugin or one of
 * its filters (`filters = a, b` / `--filter a --filter b`, outermost first);
 * layers.c routes them.
 */
#ifndef UBLK_SERVER_DEV_CONFIG_H
#define UBLK_SERVER_DEV_CONFIG_H

#include <stdint.h>

#include "integrity.h"

#define MAX_QUEUES		32
#define MAX_DEPTH		1024
#define MAX_THREADS		64
/* UBLK_F_IO_DESC_SIZE: descriptor bytes the kernel accepts (a multiple of 8). */
#define MIN_IO_DESC_SIZE	24
#define MAX_IO_DESC_SIZE	256
#define DEFAULT_QUEUES		2
#define DEFAULT_DEPTH		128
#define DEFAULT_MAX_IO_SIZE	(1U << 20)
/* Layers of a device: its filters and the target (user_data has 4 bits). */
#define MAX_LAYERS		16
#define MAX_FILTERS		(MAX_LAYERS - 1)

enum recovery_mode {
	RECOVERY_NONE = 0,
	RECOVERY_ON,		/* USER_RECOVERY: requeue what the dead daemon had not fetched */
	RECOVERY_REISSUE,	/* USER_RECOVERY_REISSUE: reissue everything in flight */
	RECOVERY_FAIL_IO,	/* USER_RECOVERY_FAIL_IO: fail IO while no daemon */
};

enum zero_copy_mode {
	ZERO_COPY_OFF = 0,
	ZERO_COPY_ON,		/* SUPPORT_ZERO_COPY: REGISTER/UNREGISTER_IO_BUF */
	ZERO_COPY_AUTO,		/* AUTO_BUF_REG: the kernel registers the buffer */
};

struct config_kv {
	char *key;
	char *value;
	char *origin;		/* "devices.ini:12" or "--chunk_size" */
};

enum core_key {
	KEY_TARGET, KEY_DEV_ID, KEY_QUEUES, KEY_DEPTH, KEY_NTHREADS,
	KEY_PER_IO_TASKS, KEY_RECOVERY, KEY_ZERO_COPY, KEY_AUTO_ZC_FALLBACK,
	KEY_USER_COPY, KEY_GET_DATA, KEY_BATCH, KEY_READ_ONLY,
	KEY_LOGICAL_BLOCK_SIZE, KEY_PHYSICAL_BLOCK_SIZE, KEY_MAX_IO_SIZE,
	KEY_FILTERS,
	KEY_WORKERS,
	KEY_ROTATE_AUTO_BUF, KEY_IO_DESC_SIZE,
	/* Linux 7.x features (kublk 7.3's options) */
	KEY_AUTO_PART_SCAN, KEY_UBLK_FIXED_FD,
	KEY_DMA_ALIGNMENT, KEY_MAX_SEGMENTS, KEY_MAX_SEGMENT_SIZE, KEY_SEG_BOUNDARY_MASK,
	KEY_SHMEM_ZC, KEY_HTLB, KEY_RDONLY_SHMEM_BUF, KEY_UNPRIVILEGED,
	KEY_DATA_PATH,
	NR_CORE_KEYS
};

struct dev_config {
	char *name;			/* stanza name, NULL from the command line */
	char *origin;			/* where the device was described */
	char *target;
	int dev_id;			/* -1: let the kernel choose */
	unsigned int queues;
	unsigned int depth;
	unsigned int nthreads;		/* 0: one per queue */
	unsigned int workers;		/* simple-API worker threads; 0: default */
	int per_io_tasks;
	int recovery;			/* enum recovery_mode */
	int zero_copy;			/* enum zero_copy_mode */
	int auto_zc_fallback;
	int user_copy;
	int get_data;
	int data_path_copy;		/* data_path = copy; 0: auto unless a path key is set */
	int batch;
	int read_only;
	uint32_t logical_block_size;	/* 0: the plugin's choice */
	uint32_t physical_block_size;
	uint32_t max_io_size;
	int rotate_auto_buf;		/* auto_zc: a new buffer index every commit */
	unsigned int io_desc_size;	/* 0: the kernel's 24 bytes, no IO_DESC_SIZE */
	int auto_part_scan;		/* 0: UBLK_F_NO_AUTO_PART_SCAN */
	int ublk_fixed_fd;		/* 0: IO commands name /dev/ublkcN by its plain fd */
	/* Zero copy limits (UBLK_PARAM_TYPE_DMA_ALIGN / SEGMENT), dev_limits.c; 0: default */
	uint32_t dma_alignment;		/* a mask: 4095 = 4 KiB aligned */
	uint32_t max_segments;
	uint32_t max_segment_size;
	uint64_t seg_boundary_mask;
	char *filters[MAX_FILTERS];	/* outermost first */
	char *filter_origin[MAX_FILTERS];
	unsigned int nr_filters;
	int shmem_zc;			/* UBLK_F_SHMEM_ZC, shmem_zc.c */
	char *htlb;			/* a file to share at start (hugetlbfs, tmpfs) */
	int rdonly_shmem_buf;		/* register htlb read-only: WRITEs only */
	int unprivileged;		/* UBLK_F_UNPRIVILEGED_DEV */
	char *key_origin[NR_CORE_KEYS];	/* NULL: default value */
	struct config_kv *plugin_keys;
	unsigned int nr_plugin_keys;
	struct integrity_config integrity;	/* metadata_size ... (integrity.h) */
};

void dev_config_init(struct dev_config *cfg);
void dev_config_free(struct dev_config *cfg);
/* A core key is parsed; any other key is kept for the plugin. */
int dev_config_set(struct dev_config *cfg, const char *key, const char *value,
		   const char *origin);
/* Append one filter below those already given, directly above the target (`--filter NAME`). */
int dev_config_add_filter(struct dev_config *cfg, const char *name, const char *origin);
/* Checks between keys, once all are set. */
int dev_config_validate(const struct dev_config *cfg);
/* Origin of a core key, or of the device when the key was defaulted. */
const char *dev_config_origin(const struct dev_config *cfg, enum core_key key);
/*
 * Did the user choose the data path (zero_copy, user_copy, get_data or
 * data_path = copy given, even as off)? Else data_path = auto decides.
 */
int dev_config_path_forced(const struct dev_config *cfg);
/* Where the forced data path was given, for `list`. */
const char *dev_config_path_origin(const struct dev_config *cfg);
/* Same device description? (used by SIGHUP reload) */
int dev_config_equal(const struct dev_config *a, const struct dev_config *b);

#endif
