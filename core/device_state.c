// SPDX-License-Identifier: MIT
#include <poll.h>
#include <unistd.h>

#include "device_state.h"

/* How often the kernel is asked again while we wait for it. */
#define POLL_INTERVAL_MS	20

int device_state_waits_for_daemon(int state)
{
	return state == UBLK_S_DEV_QUIESCED || state == UBLK_S_DEV_FAIL_IO;
}

int device_state_wait_released(int dev_id, pid_t self, unsigned int timeout_ms,
			       struct ublksrv_ctrl_dev_info *info)
{
	struct ctrl ctrl;
	unsigned int waited;
	int ret, exists;

	ret = ctrl_open(&ctrl);
	if (ret < 0)
		return ret;
	for (waited = 0;; waited += POLL_INTERVAL_MS) {
		exists = ctrl_get_dev_info(&ctrl, dev_id, info) >= 0;
		if (!exists || info->state != UBLK_S_DEV_LIVE || info->ublksrv_pid != self ||
		    waited >= timeout_ms)
			break;
		usleep(POLL_INTERVAL_MS * 1000);
	}
	ctrl_close(&ctrl);
	return exists;
}

int device_state_quiesce(struct device *dev, unsigned int quiesce_ms, unsigned int leave_ms)
{
	struct pollfd pfd = { .fd = dev->done_efd, .events = POLLIN };
	int ret;

	ret = ctrl_quiesce_dev(&dev->ctrl, dev->dev_id, quiesce_ms);
	if (ret < 0)
		return ret;
	return poll(&pfd, 1, (int)leave_ms) > 0 ? 0 : 1;
}
