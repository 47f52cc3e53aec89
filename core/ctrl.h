/* SPDX-License-Identifier: MIT */
/*
 * The control protocol: one function per command on /dev/ublk-control, each
 * returning 0 (or a positive answer) or -errno from the kernel.
 */
#ifndef UBLK_SERVER_CTRL_H
#define UBLK_SERVER_CTRL_H

#include <sched.h>
#include <liburing.h>

#include "ublk_abi.h"

#define UBLK_CONTROL_PATH	"/dev/ublk-control"

#define CTRL_KNOWN_DEVS		8

struct ctrl {
	int fd;
	struct io_uring ring;
	/*
	 * Devices whose kind was seen (GET_DEV_INFO, ADD_DEV): commands to an
	 * unprivileged device carry its /dev/ublkcN path, the kernel's check
	 * that the caller may open it (ctrl.c).
	 */
	int known_id[CTRL_KNOWN_DEVS];
	unsigned char known_unpriv[CTRL_KNOWN_DEVS];
	unsigned int nr_known;
};

/* Opens /dev/ublk-control; -errno (ENOENT: no ublk_drv). */
int ctrl_open(struct ctrl *ctrl);
void ctrl_close(struct ctrl *ctrl);

int ctrl_get_features(struct ctrl *ctrl, __u64 *features);
/* info->dev_id may be -1 (kernel chooses); the kernel fills info in. */
int ctrl_add_dev(struct ctrl *ctrl, struct ublksrv_ctrl_dev_info *info);
int ctrl_del_dev(struct ctrl *ctrl, int dev_id);
int ctrl_start_dev(struct ctrl *ctrl, int dev_id, int daemon_pid);
int ctrl_stop_dev(struct ctrl *ctrl, int dev_id);
int ctrl_set_params(struct ctrl *ctrl, int dev_id, struct ublk_params *params);
int ctrl_get_params(struct ctrl *ctrl, int dev_id, struct ublk_params *params);
int ctrl_get_dev_info(struct ctrl *ctrl, int dev_id, struct ublksrv_ctrl_dev_info *info);
int ctrl_get_queue_affinity(struct ctrl *ctrl, int dev_id, int q_id, cpu_set_t *set);
int ctrl_start_user_recovery(struct ctrl *ctrl, int dev_id);
int ctrl_end_user_recovery(struct ctrl *ctrl, int dev_id, int daemon_pid);
int ctrl_update_size(struct ctrl *ctrl, int dev_id, __u64 sectors);
int ctrl_quiesce_dev(struct ctrl *ctrl, int dev_id, unsigned int timeout_ms);
/* TRY_STOP_DEV (UBLK_F_SAFE_STOP_DEV): stop only if nobody has the disk open, else -EBUSY. */
int ctrl_try_stop_dev(struct ctrl *ctrl, int dev_id);

/* SHMEM_ZC: pin [addr, addr + len) for the device; returns the buffer index. */
int ctrl_reg_buf(struct ctrl *ctrl, int dev_id, void *addr, __u64 len, __u32 flags);
int ctrl_unreg_buf(struct ctrl *ctrl, int dev_id, unsigned int index);

const char *ctrl_state_name(int state);

#endif
