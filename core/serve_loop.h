/* SPDX-License-Identifier: MIT */
/*
 * The loop a serving process sits in, for `add` (one device) and daemon
 * mode (a changing set): it waits for a signal or for a device whose IO
 * threads left on their own (stopped or quiesced from outside), and hands
 * each event to the caller's ops.
 */
#ifndef UBLK_SERVER_SERVE_LOOP_H
#define UBLK_SERVER_SERVE_LOOP_H

#include "device.h"

/*
 * Block SIGTERM, SIGINT and SIGHUP in this thread and every thread it
 * starts after (IO threads inherit the mask) and return a signalfd that
 * takes them, or -errno. Call before device_start.
 */
int serve_signals(void);

struct serve_ops {
	/* How many device slots there are now, and the device in slot i (NULL: none). */
	unsigned int (*nr_devices)(void *ctx);
	struct device *(*device)(void *ctx, unsigned int i);
	/* Slot i's IO threads left without being asked; non-zero ends the loop. */
	int (*device_gone)(void *ctx, unsigned int i);
	/* SIGHUP; NULL: ignored. */
	void (*reload)(void *ctx);
	/*
	 * Optional: how long to wait for an event (ms, -1: for ever); when that
	 * passes with none, tick runs, and non-zero from it ends the loop (0).
	 */
	int (*wait_ms)(void *ctx);
	int (*tick)(void *ctx);
};

/*
 * Serve until SIGTERM or SIGINT (returned), until device_gone asks to end
 * (0), or an error (-1, logged).
 */
int serve_loop(int sfd, const struct serve_ops *ops, void *ctx);

#endif
