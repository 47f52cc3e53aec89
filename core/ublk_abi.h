/* SPDX-License-Identifier: MIT */
/*
 * The ublk kernel ABI, as ublk-server uses it.
 *
 * Written from the kernel UAPI documentation (include/uapi/linux/ublk_cmd.h
 * of Linux 7.3). We own these definitions because the build host's kernel
 * headers (Debian 12: Linux 6.1) predate most of what we use; every layout
 * is pinned with a static assertion so a typo cannot silently change the
 * wire format.
 */
#ifndef UBLK_SERVER_ABI_H
#define UBLK_SERVER_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>
#include <linux/types.h>

/* Control commands on /dev/ublk-control (uring_cmd in an SQE128 ring). */
#define UBLK_CMD_GET_QUEUE_AFFINITY	0x01
#define UBLK_CMD_GET_DEV_INFO		0x02
#define UBLK_CMD_ADD_DEV		0x04
#define UBLK_CMD_DEL_DEV		0x05
#define UBLK_CMD_START_DEV		0x06
#define UBLK_CMD_STOP_DEV		0x07
#define UBLK_CMD_SET_PARAMS		0x08
#define UBLK_CMD_GET_PARAMS		0x09
#define UBLK_CMD_START_USER_RECOVERY	0x10
#define UBLK_CMD_END_USER_RECOVERY	0x11
#define UBLK_CMD_GET_DEV_INFO2		0x12
#define UBLK_CMD_GET_FEATURES		0x13
#define UBLK_CMD_DEL_DEV_ASYNC		0x14
#define UBLK_CMD_UPDATE_SIZE		0x15
#define UBLK_CMD_QUIESCE_DEV		0x16
#define UBLK_CMD_TRY_STOP_DEV		0x17

struct ublksrv_ctrl_cmd {
	__u32 dev_id;
	__u16 queue_id;		/* -1 when the command is not per queue */
	__u16 len;		/* size of the buffer at addr */
	__u64 addr;		/* user buffer: dev_info, params, cpuset... */
	__u64 data[1];		/* inline argument (pid, size, timeout...) */
	__u16 dev_path_len;	/* unprivileged devices only */
	__u16 pad;
	__u32 reserved;
};

/* The ioctl encoding (UBLK_F_CMD_IOCTL_ENCODE) is what current kernels want. */
#define UBLK_U_CMD_GET_QUEUE_AFFINITY	_IOR('u', UBLK_CMD_GET_QUEUE_AFFINITY, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_DEV_INFO		_IOR('u', UBLK_CMD_GET_DEV_INFO, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_ADD_DEV		_IOWR('u', UBLK_CMD_ADD_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_DEL_DEV		_IOWR('u', UBLK_CMD_DEL_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_DEV		_IOWR('u', UBLK_CMD_START_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_STOP_DEV		_IOWR('u', UBLK_CMD_STOP_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_SET_PARAMS		_IOWR('u', UBLK_CMD_SET_PARAMS, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_PARAMS		_IOR('u', UBLK_CMD_GET_PARAMS, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_START_USER_RECOVERY	_IOWR('u', UBLK_CMD_START_USER_RECOVERY, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_END_USER_RECOVERY	_IOWR('u', UBLK_CMD_END_USER_RECOVERY, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_DEV_INFO2	_IOR('u', UBLK_CMD_GET_DEV_INFO2, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_GET_FEATURES		_IOR('u', UBLK_CMD_GET_FEATURES, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_DEL_DEV_ASYNC	_IOR('u', UBLK_CMD_DEL_DEV_ASYNC, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_UPDATE_SIZE		_IOWR('u', UBLK_CMD_UPDATE_SIZE, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_QUIESCE_DEV		_IOWR('u', UBLK_CMD_QUIESCE_DEV, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_TRY_STOP_DEV		_IOWR('u', UBLK_CMD_TRY_STOP_DEV, struct ublksrv_ctrl_cmd)

/* Per-IO commands on /dev/ublkcN (uring_cmd in each queue thread's ring). */
#define UBLK_IO_FETCH_REQ		0x20
#define UBLK_IO_COMMIT_AND_FETCH_REQ	0x21
#define UBLK_IO_NEED_GET_DATA		0x22
#define UBLK_IO_REGISTER_IO_BUF		0x23
#define UBLK_IO_UNREGISTER_IO_BUF	0x24
#define UBLK_IO_PREP_IO_CMDS		0x25
#define UBLK_IO_COMMIT_IO_CMDS		0x26
#define UBLK_IO_FETCH_IO_CMDS		0x27

struct ublksrv_io_cmd {
	__u16 q_id;
	__u16 tag;
	__s32 result;		/* COMMIT: bytes done or -errno */
	__u64 addr;		/* data buffer, buffer index, or zone append lba */
};

#define UBLK_U_IO_FETCH_REQ		_IOWR('u', UBLK_IO_FETCH_REQ, struct ublksrv_io_cmd)
#define UBLK_U_IO_COMMIT_AND_FETCH_REQ	_IOWR('u', UBLK_IO_COMMIT_AND_FETCH_REQ, struct ublksrv_io_cmd)
#define UBLK_U_IO_NEED_GET_DATA		_IOWR('u', UBLK_IO_NEED_GET_DATA, struct ublksrv_io_cmd)
#define UBLK_U_IO_REGISTER_IO_BUF	_IOWR('u', UBLK_IO_REGISTER_IO_BUF, struct ublksrv_io_cmd)
#define UBLK_U_IO_UNREGISTER_IO_BUF	_IOWR('u', UBLK_IO_UNREGISTER_IO_BUF, struct ublksrv_io_cmd)

/* Batch IO (UBLK_F_BATCH_IO): one command carries many (tag, result) elements. */
struct ublk_elem_header {
	__u16 tag;
	__u16 buf_index;
	__s32 result;
};

#define UBLK_BATCH_F_HAS_ZONE_LBA		(1 << 0)
#define UBLK_BATCH_F_HAS_BUF_ADDR		(1 << 1)
#define UBLK_BATCH_F_AUTO_BUF_REG_FALLBACK	(1 << 2)

struct ublk_batch_io {
	__u16 q_id;
	__u16 flags;
	__u16 nr_elem;
	__u8 elem_bytes;
	__u8 reserved;
	__u64 reserved2;
};

#define UBLK_U_IO_PREP_IO_CMDS		_IOWR('u', UBLK_IO_PREP_IO_CMDS, struct ublk_batch_io)
#define UBLK_U_IO_COMMIT_IO_CMDS	_IOWR('u', UBLK_IO_COMMIT_IO_CMDS, struct ublk_batch_io)
#define UBLK_U_IO_FETCH_IO_CMDS		_IOWR('u', UBLK_IO_FETCH_IO_CMDS, struct ublk_batch_io)

/* Results of FETCH / COMMIT_AND_FETCH completions. */
#define UBLK_IO_RES_OK			0
#define UBLK_IO_RES_NEED_GET_DATA	1
#define UBLK_IO_RES_ABORT		(-19)	/* -ENODEV */

/* mmap offsets of /dev/ublkcN. */
#define UBLKSRV_CMD_BUF_OFFSET		0
#define UBLKSRV_IO_BUF_OFFSET		0x80000000ULL
#define UBLK_MAX_QUEUE_DEPTH		4096

/* USER_COPY: pread/pwrite offset = IO_BUF_OFFSET | qid | tag | byte offset. */
#define UBLK_IO_BUF_BITS		25
#define UBLK_TAG_OFF			UBLK_IO_BUF_BITS
#define UBLK_TAG_BITS			16
#define UBLK_QID_OFF			(UBLK_TAG_OFF + UBLK_TAG_BITS)
#define UBLK_QID_BITS			12
/* INTEGRITY: OR'ed into the user copy offset to reach the request's metadata. */
#define UBLKSRV_IO_INTEGRITY_FLAG	(1ULL << 62)

/* Feature flags: dev_info.flags and the GET_FEATURES answer. */
#define UBLK_F_SUPPORT_ZERO_COPY	(1ULL << 0)
#define UBLK_F_URING_CMD_COMP_IN_TASK	(1ULL << 1)
#define UBLK_F_NEED_GET_DATA		(1ULL << 2)
#define UBLK_F_USER_RECOVERY		(1ULL << 3)
#define UBLK_F_USER_RECOVERY_REISSUE	(1ULL << 4)
#define UBLK_F_UNPRIVILEGED_DEV		(1ULL << 5)
#define UBLK_F_CMD_IOCTL_ENCODE		(1ULL << 6)
#define UBLK_F_USER_COPY		(1ULL << 7)
#define UBLK_F_ZONED			(1ULL << 8)
#define UBLK_F_USER_RECOVERY_FAIL_IO	(1ULL << 9)
#define UBLK_F_UPDATE_SIZE		(1ULL << 10)
#define UBLK_F_AUTO_BUF_REG		(1ULL << 11)
#define UBLK_F_QUIESCE			(1ULL << 12)
#define UBLK_F_PER_IO_DAEMON		(1ULL << 13)
#define UBLK_F_BUF_REG_OFF_DAEMON	(1ULL << 14)
#define UBLK_F_BATCH_IO			(1ULL << 15)
#define UBLK_F_INTEGRITY		(1ULL << 16)
#define UBLK_F_SAFE_STOP_DEV		(1ULL << 17)
#define UBLK_F_NO_AUTO_PART_SCAN	(1ULL << 18)
#define UBLK_F_SHMEM_ZC			(1ULL << 19)
#define UBLK_F_IO_DESC_SIZE		(1ULL << 20)

/* Device states reported in dev_info.state. */
#define UBLK_S_DEV_DEAD			0
#define UBLK_S_DEV_LIVE			1
#define UBLK_S_DEV_QUIESCED		2
#define UBLK_S_DEV_FAIL_IO		3

struct ublksrv_ctrl_dev_info {
	__u16 nr_hw_queues;
	__u16 queue_depth;
	__u16 state;
	__u16 io_desc_size;	/* was pad0 before UBLK_F_IO_DESC_SIZE */
	__u32 max_io_buf_bytes;
	__u32 dev_id;
	__s32 ublksrv_pid;
	__u32 pad1;
	__u64 flags;
	__u64 ublksrv_flags;	/* opaque to the kernel, kept for the server */
	__u32 owner_uid;
	__u32 owner_gid;
	__u64 reserved1;
	__u64 reserved2;
};

/* Request operations (low 8 bits of op_flags) and flags (the rest). */
#define UBLK_IO_OP_READ			0
#define UBLK_IO_OP_WRITE		1
#define UBLK_IO_OP_FLUSH		2
#define UBLK_IO_OP_DISCARD		3
#define UBLK_IO_OP_WRITE_SAME		4
#define UBLK_IO_OP_WRITE_ZEROES		5
/* Zoned devices (UBLK_F_ZONED). REPORT_ZONES reuses nr_sectors as nr_zones. */
#define UBLK_IO_OP_ZONE_OPEN		10
#define UBLK_IO_OP_ZONE_CLOSE		11
#define UBLK_IO_OP_ZONE_FINISH		12
#define UBLK_IO_OP_ZONE_APPEND		13
#define UBLK_IO_OP_ZONE_RESET_ALL	14
#define UBLK_IO_OP_ZONE_RESET		15
#define UBLK_IO_OP_REPORT_ZONES		18

#define UBLK_IO_F_FAILFAST_DEV		(1U << 8)
#define UBLK_IO_F_FAILFAST_TRANSPORT	(1U << 9)
#define UBLK_IO_F_FAILFAST_DRIVER	(1U << 10)
#define UBLK_IO_F_META			(1U << 11)
#define UBLK_IO_F_FUA			(1U << 13)
#define UBLK_IO_F_NOUNMAP		(1U << 15)
#define UBLK_IO_F_SWAP			(1U << 16)
#define UBLK_IO_F_NEED_REG_BUF		(1U << 17)
#define UBLK_IO_F_INTEGRITY		(1U << 18)	/* the request carries metadata */

/* One per tag, in the read-only area mmapped from /dev/ublkcN. */
struct ublksrv_io_desc {
	__u32 op_flags;
	__u32 nr_sectors;	/* nr_zones for REPORT_ZONES */
	__u64 start_sector;
	__u64 addr;		/* the buffer the server gave in FETCH */
};

/* AUTO_BUF_REG: what FETCH/COMMIT carry in sqe->addr. */
#define UBLK_AUTO_BUF_REG_FALLBACK	(1 << 0)

struct ublk_auto_buf_reg {
	__u16 index;
	__u8 flags;
	__u8 reserved0;
	__u32 reserved1;
};

static inline __u64 ublk_auto_buf_reg_encode(__u16 index, __u8 flags)
{
	return (__u64)index | ((__u64)flags << 16);
}

/* Parameters (SET_PARAMS / GET_PARAMS). */
#define UBLK_ATTR_READ_ONLY		(1 << 0)
#define UBLK_ATTR_ROTATIONAL		(1 << 1)
#define UBLK_ATTR_VOLATILE_CACHE	(1 << 2)
#define UBLK_ATTR_FUA			(1 << 3)

struct ublk_param_basic {
	__u32 attrs;
	__u8 logical_bs_shift;
	__u8 physical_bs_shift;
	__u8 io_opt_shift;
	__u8 io_min_shift;
	__u32 max_sectors;
	__u32 chunk_sectors;
	__u64 dev_sectors;
	__u64 virt_boundary_mask;
};

struct ublk_param_discard {
	__u32 discard_alignment;
	__u32 discard_granularity;
	__u32 max_discard_sectors;
	__u32 max_write_zeroes_sectors;
	__u16 max_discard_segments;
	__u16 reserved0;
};

struct ublk_param_devt {
	__u32 char_major;
	__u32 char_minor;
	__u32 disk_major;
	__u32 disk_minor;
};

struct ublk_param_zoned {
	__u32 max_open_zones;
	__u32 max_active_zones;
	__u32 max_zone_append_sectors;
	__u8 reserved[20];
};

struct ublk_param_dma_align {
	__u32 alignment;
	__u8 pad[4];
};

struct ublk_param_segment {
	__u64 seg_boundary_mask;
	__u32 max_segment_size;
	__u16 max_segments;
	__u8 pad[2];
};

struct ublk_param_integrity {
	__u32 flags;
	__u16 max_integrity_segments;
	__u8 interval_exp;
	__u8 metadata_size;
	__u8 pi_offset;
	__u8 csum_type;
	__u8 tag_size;
	__u8 pad[5];
};

/* ublk_param_integrity.flags and csum_type: <linux/fs.h> of Linux 6.16+. */
#ifndef LBMD_PI_CAP_INTEGRITY
#define LBMD_PI_CAP_INTEGRITY		(1 << 0)
#define LBMD_PI_CAP_REFTAG		(1 << 1)
#define LBMD_PI_CSUM_NONE		0
#define LBMD_PI_CSUM_IP			1
#define LBMD_PI_CSUM_CRC16_T10DIF	2
#define LBMD_PI_CSUM_CRC64_NVME		4
#endif

#define UBLK_PARAM_TYPE_BASIC		(1 << 0)
#define UBLK_PARAM_TYPE_DISCARD		(1 << 1)
#define UBLK_PARAM_TYPE_DEVT		(1 << 2)
#define UBLK_PARAM_TYPE_ZONED		(1 << 3)
#define UBLK_PARAM_TYPE_DMA_ALIGN	(1 << 4)
#define UBLK_PARAM_TYPE_SEGMENT		(1 << 5)
#define UBLK_PARAM_TYPE_INTEGRITY	(1 << 6)

/*
 * Older kernels clamp `len` to their own (shorter) struct, so sending the
 * full 7.x layout is safe as long as we only set `types` they know.
 */
struct ublk_params {
	__u32 len;
	__u32 types;
	struct ublk_param_basic basic;
	struct ublk_param_discard discard;
	struct ublk_param_devt devt;
	struct ublk_param_zoned zoned;
	struct ublk_param_dma_align dma;
	struct ublk_param_segment seg;
	struct ublk_param_integrity integrity;
};

/*
 * Shared-memory zero copy (UBLK_F_SHMEM_ZC, Linux 7.1). REG_BUF pins a
 * page-aligned range of the caller's memory (ctrl_cmd.addr points to a
 * struct ublk_shmem_buf_reg) and returns its index; UNREG_BUF takes the
 * index in data[0]. A request whose pages all lie, contiguously, in one
 * registered buffer arrives with UBLK_IO_F_SHMEM_ZC and desc.addr =
 * index << 32 | byte offset; the kernel then copies nothing either way.
 * 7.1 had len as __u32 followed by flags: with len < 4 GiB the 24-byte
 * layout below reads the same on both.
 */
#define UBLK_CMD_REG_BUF		0x18
#define UBLK_CMD_UNREG_BUF		0x19
#define UBLK_U_CMD_REG_BUF		_IOWR('u', UBLK_CMD_REG_BUF, struct ublksrv_ctrl_cmd)
#define UBLK_U_CMD_UNREG_BUF		_IOWR('u', UBLK_CMD_UNREG_BUF, struct ublksrv_ctrl_cmd)

struct ublk_shmem_buf_reg {
	__u64 addr;		/* page aligned */
	__u64 len;		/* page aligned, < 4 GiB */
	__u32 flags;		/* UBLK_SHMEM_BUF_* */
	__u32 reserved;
};

#define UBLK_SHMEM_BUF_READ_ONLY	(1U << 0)	/* matches WRITE requests only */
#define UBLK_IO_F_SHMEM_ZC		(1U << 19)

static inline __u16 ublk_shmem_zc_index(__u64 addr)
{
	return (__u16)(addr >> 32);
}

static inline __u32 ublk_shmem_zc_offset(__u64 addr)
{
	return (__u32)addr;
}

_Static_assert(sizeof(struct ublksrv_ctrl_cmd) == 32, "ublksrv_ctrl_cmd layout");
_Static_assert(sizeof(struct ublksrv_ctrl_dev_info) == 64, "ublksrv_ctrl_dev_info layout");
_Static_assert(offsetof(struct ublksrv_ctrl_dev_info, flags) == 24, "dev_info.flags offset");
_Static_assert(sizeof(struct ublksrv_io_cmd) == 16, "ublksrv_io_cmd layout");
_Static_assert(sizeof(struct ublksrv_io_desc) == 24, "ublksrv_io_desc layout");
_Static_assert(sizeof(struct ublk_auto_buf_reg) == 8, "ublk_auto_buf_reg layout");
_Static_assert(sizeof(struct ublk_elem_header) == 8, "ublk_elem_header layout");
_Static_assert(sizeof(struct ublk_batch_io) == 16, "ublk_batch_io layout");
_Static_assert(sizeof(struct ublk_param_basic) == 32, "ublk_param_basic layout");
_Static_assert(sizeof(struct ublk_param_discard) == 20, "ublk_param_discard layout");
_Static_assert(sizeof(struct ublk_param_devt) == 16, "ublk_param_devt layout");
_Static_assert(sizeof(struct ublk_param_zoned) == 32, "ublk_param_zoned layout");
_Static_assert(sizeof(struct ublk_param_dma_align) == 8, "ublk_param_dma_align layout");
_Static_assert(sizeof(struct ublk_param_segment) == 16, "ublk_param_segment layout");
_Static_assert(sizeof(struct ublk_param_integrity) == 16, "ublk_param_integrity layout");
_Static_assert(offsetof(struct ublk_params, discard) == 40, "ublk_params.discard offset");
_Static_assert(offsetof(struct ublk_params, seg) == 120, "ublk_params.seg offset");
_Static_assert(sizeof(struct ublk_params) == 152, "ublk_params layout");
_Static_assert(sizeof(struct ublk_shmem_buf_reg) == 24, "ublk_shmem_buf_reg layout");

#endif
