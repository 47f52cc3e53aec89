// SPDX-License-Identifier: MIT
/*
 * stop -n ID [--safe]: STOP_DEV, as kublk 7.3's `stop`. The block device
 * goes away, the daemon's IO threads leave, the ublk device stays (DEAD)
 * until `del`. --safe is TRY_STOP_DEV (UBLK_F_SAFE_STOP_DEV, Linux 7.0):
 * the kernel stops the device only if nobody has /dev/ublkbN open (mounted,
 * held by a process), else EBUSY and nothing changes: the device and its
 * daemon go on serving.
 */
#include <errno.h>
#include <string.h>

#include "commands.h"
#include "ctrl.h"
#include "dev_params.h"
#include "log.h"

int cmd_stop(struct cli_args *args)
{
	struct ublksrv_ctrl_dev_info info;
	struct ctrl ctrl;
	__u64 features;
	int ret, status = 1;

	if (args->dev_id < 0) {
		log_error("stop needs -n ID");
		return 1;
	}
	ret = ctrl_open(&ctrl);
	if (ret < 0) {
		log_error("cannot open %s: %s%s", UBLK_CONTROL_PATH, strerror(-ret),
			  ret == -ENOENT ? " (load the ublk_drv kernel module)" : "");
		return 1;
	}
	ret = ctrl_get_dev_info(&ctrl, args->dev_id, &info);
	if (ret < 0) {
		log_error("device %d: %s", args->dev_id,
			  ret == -ENODEV ? "no such device" : strerror(-ret));
		goto out;
	}
	if (args->safe) {
		if (ctrl_get_features(&ctrl, &features) < 0)
			features = 0;
		if (require_feature(features, UBLK_F_SAFE_STOP_DEV, "stop --safe", "--safe"))
			goto out;
		ret = ctrl_try_stop_dev(&ctrl, args->dev_id);
		if (ret == -EBUSY) {
			log_error("device %d: /dev/ublkb%d is in use (open or mounted): not stopped (EBUSY)",
				  args->dev_id, args->dev_id);
			goto out;
		}
	} else {
		ret = ctrl_stop_dev(&ctrl, args->dev_id);
	}
	/* A device never started, or stopped already, has no disk: ENODEV. */
	if (ret < 0 && ret != -ENODEV) {
		log_error("device %d: stop: %s", args->dev_id, strerror(-ret));
		goto out;
	}
	status = 0;
out:
	ctrl_close(&ctrl);
	return status;
}
