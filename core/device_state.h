/* SPDX-License-Identifier: MIT */
/*
 * Waiting on the kernel's view of a device: the polling that recovery in
 * daemon mode needs, kept out of the daemon's logic. Only ctrl.c and the
 * device's own fds are used; nothing here calls back into daemon code.
 */
#ifndef UBLK_SERVER_DEVICE_STATE_H
#define UBLK_SERVER_DEVICE_STATE_H

#include <sys/types.h>

#include "device.h"

/* The kernel keeps the device for a new daemon (its old one is gone). */
int device_state_waits_for_daemon(int state);

/*
 * Our IO threads left a device we served (pid self): wait up to timeout_ms
 * until the kernel no longer shows it LIVE under us (io_uring tears the
 * rings down a little after the threads leave). 1 with its info when the
 * device still exists, 0 when it is gone, -errno when the control device
 * cannot be opened.
 */
int device_state_wait_released(int dev_id, pid_t self, unsigned int timeout_ms,
			       struct ublksrv_ctrl_dev_info *info);

/*
 * QUIESCE_DEV (in-flight IO completes, new IO waits in the kernel), waiting
 * up to quiesce_ms, then up to leave_ms for the IO threads, whose commands
 * the kernel aborted, to leave. 0 quiesced; 1 quiesced but the threads are
 * still there; -errno when the quiesce failed (the device is as it was).
 */
int device_state_quiesce(struct device *dev, unsigned int quiesce_ms, unsigned int leave_ms);

#endif
