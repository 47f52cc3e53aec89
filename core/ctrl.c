// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctrl.h"

#define CTRL_RING_DEPTH 4

int ctrl_open(struct ctrl *ctrl)
{
	int ret;

	ctrl->nr_known = 0;
	ctrl->fd = open(UBLK_CONTROL_PATH, O_RDWR | O_CLOEXEC);
	if (ctrl->fd < 0)
		return -errno;

	/* Control commands carry an 80-byte payload: 128-byte SQEs. */
	ret = io_uring_queue_init(CTRL_RING_DEPTH, &ctrl->ring, IORING_SETUP_SQE128);
	if (ret < 0) {
		close(ctrl->fd);
		ctrl->fd = -1;
		return ret;
	}
	return 0;
}

void ctrl_close(struct ctrl *ctrl)
{
	if (ctrl->fd < 0)
		return;
	io_uring_queue_exit(&ctrl->ring);
	close(ctrl->fd);
	ctrl->fd = -1;
}

/*
 * Run one command synchronously: control commands are rare and ordered.
 * path_len > 0: buf starts with the device's char path (unprivileged
 * devices), which the kernel checks and skips.
 */
static int ctrl_cmd_raw(struct ctrl *ctrl, __u32 cmd_op, int dev_id, int q_id,
			void *buf, __u16 len, __u64 data, __u16 path_len)
{
	struct ublksrv_ctrl_cmd *cmd;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int ret;

	sqe = io_uring_get_sqe(&ctrl->ring);
	if (!sqe)
		return -EBUSY;
	memset(sqe, 0, 2 * sizeof(*sqe));
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = ctrl->fd;
	sqe->cmd_op = cmd_op;

	cmd = (struct ublksrv_ctrl_cmd *)sqe->cmd;
	cmd->dev_id = (__u32)dev_id;
	cmd->queue_id = (__u16)q_id;
	cmd->addr = (__u64)(uintptr_t)buf;
	cmd->len = len;
	cmd->data[0] = data;
	cmd->dev_path_len = path_len;

	ret = io_uring_submit(&ctrl->ring);
	if (ret < 0)
		return ret;
	do {
		ret = io_uring_wait_cqe(&ctrl->ring, &cqe);
	} while (ret == -EINTR);
	if (ret < 0)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(&ctrl->ring, cqe);
	return ret;
}

#define CTRL_PATH_MAX		32
#define CTRL_PAYLOAD_MAX	256

/* The same command, its buffer preceded by "/dev/ublkcN\0". */
static int ctrl_cmd_path(struct ctrl *ctrl, __u32 cmd_op, int dev_id, int q_id,
			 void *buf, __u16 len, __u64 data)
{
	char b[CTRL_PATH_MAX + CTRL_PAYLOAD_MAX];
	int plen = snprintf(b, CTRL_PATH_MAX, "/dev/ublkc%d", dev_id) + 1;
	int ret;

	if (len > CTRL_PAYLOAD_MAX)
		return -E2BIG;
	if (len)
		memcpy(b + plen, buf, len);
	ret = ctrl_cmd_raw(ctrl, cmd_op, dev_id, q_id, b, (__u16)(plen + len), data,
			   (__u16)plen);
	if (len)
		memcpy(buf, b + plen, len);	/* what GET commands filled in */
	return ret;
}

/* 1: unprivileged, 0: not, -1: not seen yet. */
static int ctrl_known(const struct ctrl *ctrl, int dev_id)
{
	unsigned int i, n = ctrl->nr_known < CTRL_KNOWN_DEVS ? ctrl->nr_known : CTRL_KNOWN_DEVS;

	for (i = 0; i < n; i++)
		if (ctrl->known_id[i] == dev_id)
			return ctrl->known_unpriv[i];
	return -1;
}

static void ctrl_remember(struct ctrl *ctrl, int dev_id, int unpriv)
{
	unsigned int i, n = ctrl->nr_known < CTRL_KNOWN_DEVS ? ctrl->nr_known : CTRL_KNOWN_DEVS;

	for (i = 0; i < n; i++) {
		if (ctrl->known_id[i] == dev_id) {
			ctrl->known_unpriv[i] = (unsigned char)unpriv;
			return;
		}
	}
	i = ctrl->nr_known++ % CTRL_KNOWN_DEVS;
	ctrl->known_id[i] = dev_id;
	ctrl->known_unpriv[i] = (unsigned char)unpriv;
}

/* Commands without a device (GET_FEATURES, ADD_DEV). */
static int ctrl_cmd(struct ctrl *ctrl, __u32 cmd_op, int dev_id, int q_id,
		    void *buf, __u16 len, __u64 data)
{
	return ctrl_cmd_raw(ctrl, cmd_op, dev_id, q_id, buf, len, data, 0);
}

/* A command to one device: with its path when the device is unprivileged. */
static int ctrl_dev_cmd(struct ctrl *ctrl, __u32 cmd_op, int dev_id, int q_id,
			void *buf, __u16 len, __u64 data)
{
	int unpriv = ctrl_known(ctrl, dev_id);

	if (unpriv < 0) {
		struct ublksrv_ctrl_dev_info info;

		ctrl_get_dev_info(ctrl, dev_id, &info);
		unpriv = ctrl_known(ctrl, dev_id) == 1;
	}
	if (unpriv)
		return ctrl_cmd_path(ctrl, cmd_op, dev_id, q_id, buf, len, data);
	return ctrl_cmd_raw(ctrl, cmd_op, dev_id, q_id, buf, len, data, 0);
}

int ctrl_get_features(struct ctrl *ctrl, __u64 *features)
{
	*features = 0;
	return ctrl_cmd(ctrl, UBLK_U_CMD_GET_FEATURES, 0, -1, features,
			sizeof(*features), 0);
}

int ctrl_add_dev(struct ctrl *ctrl, struct ublksrv_ctrl_dev_info *info)
{
	int ret = ctrl_cmd(ctrl, UBLK_U_CMD_ADD_DEV, (int)info->dev_id, -1, info,
			   sizeof(*info), 0);

	if (ret >= 0)
		ctrl_remember(ctrl, (int)info->dev_id,
			      !!(info->flags & UBLK_F_UNPRIVILEGED_DEV));
	return ret;
}

int ctrl_del_dev(struct ctrl *ctrl, int dev_id)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_DEL_DEV, dev_id, -1, NULL, 0, 0);
}

int ctrl_start_dev(struct ctrl *ctrl, int dev_id, int daemon_pid)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_START_DEV, dev_id, -1, NULL, 0,
			(__u64)daemon_pid);
}

int ctrl_stop_dev(struct ctrl *ctrl, int dev_id)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_STOP_DEV, dev_id, -1, NULL, 0, 0);
}

int ctrl_set_params(struct ctrl *ctrl, int dev_id, struct ublk_params *params)
{
	params->len = sizeof(*params);
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_SET_PARAMS, dev_id, -1, params,
			sizeof(*params), 0);
}

int ctrl_get_params(struct ctrl *ctrl, int dev_id, struct ublk_params *params)
{
	memset(params, 0, sizeof(*params));
	params->len = sizeof(*params);
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_GET_PARAMS, dev_id, -1, params,
			sizeof(*params), 0);
}

/*
 * GET_DEV_INFO; for an unprivileged device (the kernel wants its path:
 * -EINVAL without) or as a user who is not root (-EPERM for a privileged
 * device), GET_DEV_INFO2 with the path. The answer says which kind the
 * device is, for the commands that follow.
 */
int ctrl_get_dev_info(struct ctrl *ctrl, int dev_id, struct ublksrv_ctrl_dev_info *info)
{
	int ret = -EINVAL;

	memset(info, 0, sizeof(*info));
	if (ctrl_known(ctrl, dev_id) != 1)
		ret = ctrl_cmd_raw(ctrl, UBLK_U_CMD_GET_DEV_INFO, dev_id, -1, info,
				   sizeof(*info), 0, 0);
	if (ret == -EINVAL || ret == -EPERM) {
		int ret2;

		memset(info, 0, sizeof(*info));
		ret2 = ctrl_cmd_path(ctrl, UBLK_U_CMD_GET_DEV_INFO2, dev_id, -1, info,
				     sizeof(*info), 0);
		if (ret2 >= 0 || ret == -EINVAL)
			ret = ret2;
	}
	if (ret >= 0)
		ctrl_remember(ctrl, dev_id, !!(info->flags & UBLK_F_UNPRIVILEGED_DEV));
	return ret;
}

int ctrl_get_queue_affinity(struct ctrl *ctrl, int dev_id, int q_id, cpu_set_t *set)
{
	CPU_ZERO(set);
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_GET_QUEUE_AFFINITY, dev_id, -1, set,
			sizeof(*set), (__u64)q_id);
}

int ctrl_start_user_recovery(struct ctrl *ctrl, int dev_id)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_START_USER_RECOVERY, dev_id, -1, NULL, 0, 0);
}

int ctrl_end_user_recovery(struct ctrl *ctrl, int dev_id, int daemon_pid)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_END_USER_RECOVERY, dev_id, -1, NULL, 0,
			(__u64)daemon_pid);
}

int ctrl_update_size(struct ctrl *ctrl, int dev_id, __u64 sectors)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_UPDATE_SIZE, dev_id, -1, NULL, 0, sectors);
}

int ctrl_quiesce_dev(struct ctrl *ctrl, int dev_id, unsigned int timeout_ms)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_QUIESCE_DEV, dev_id, -1, NULL, 0, timeout_ms);
}

int ctrl_reg_buf(struct ctrl *ctrl, int dev_id, void *addr, __u64 len, __u32 flags)
{
	struct ublk_shmem_buf_reg reg = {
		.addr = (__u64)(uintptr_t)addr,
		.len = len,
		.flags = flags,
	};

	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_REG_BUF, dev_id, -1, &reg, sizeof(reg), 0);
}

int ctrl_unreg_buf(struct ctrl *ctrl, int dev_id, unsigned int index)
{
	return ctrl_dev_cmd(ctrl, UBLK_U_CMD_UNREG_BUF, dev_id, -1, NULL, 0, index);
}

int ctrl_try_stop_dev(struct ctrl *ctrl, int dev_id)
{
	return ctrl_cmd(ctrl, UBLK_U_CMD_TRY_STOP_DEV, dev_id, -1, NULL, 0, 0);
}

const char *ctrl_state_name(int state)
{
	switch (state) {
	case UBLK_S_DEV_DEAD:
		return "DEAD";
	case UBLK_S_DEV_LIVE:
		return "LIVE";
	case UBLK_S_DEV_QUIESCED:
		return "QUIESCED";
	case UBLK_S_DEV_FAIL_IO:
		return "FAIL_IO";
	default:
		return "UNKNOWN";
	}
}
