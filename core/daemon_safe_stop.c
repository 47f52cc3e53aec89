// SPDX-License-Identifier: MIT
/*
 * Daemon mode never yanks a device that is in use. Where the kernel has
 * UBLK_F_SAFE_STOP_DEV (Linux 7.0), a device the daemon stops on its own
 * (its stanza dropped by a reload, or SIGTERM) is stopped with TRY_STOP_DEV:
 * the kernel stops it only if nobody has /dev/ublkbN open. One that is in
 * use (mounted, held open) keeps serving, flagged `removing`, and is
 * reported once; it is tried again at every reload and every
 * RETRY_MS (serve_loop's tick) until it is released, then stopped and
 * deleted. An older kernel gets the plain STOP_DEV, as before.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "daemon_state.h"
#include "log.h"

/* TRY_STOP_DEV: 0 stopped (or already gone), -EBUSY in use. */
static int try_stop(struct ddev *d)
{
	struct device *dev = d->dev;
	int ret = ctrl_try_stop_dev(&dev->ctrl, dev->dev_id);

	if (ret == -EBUSY)
		return ret;
	if (ret < 0 && ret != -ENODEV)
		log_warn("[device %s]: safe stop of /dev/ublkb%d: %s; stopping it", dev_name(d),
			 d->dev_id, strerror(-ret));
	if (ret < 0)
		device_stop(dev);
	return 0;
}

static int has_safe_stop(const struct ddev *d)
{
	return d->dev && (d->dev->kernel_features & UBLK_F_SAFE_STOP_DEV);
}

unsigned int daemon_safe_stop_marked(struct daemon *dm, char *marked, const char *why)
{
	unsigned int i, busy = 0;

	for (i = 0; i < dm->nr_devs; i++) {
		struct ddev *d = &dm->devs[i];

		if (!marked[i] || !d->dev)
			continue;
		if (!has_safe_stop(d)) {
			device_stop(d->dev);
			continue;
		}
		if (!try_stop(d))
			continue;
		/* In use: it stays, and serves on, until it is released. */
		marked[i] = 0;
		busy++;
		if (!d->removing)
			log_warn("[device %s]: %s, but /dev/ublkb%d is in use (mounted or open): it keeps serving and is stopped and deleted once released (retried every %d s and at each reload)",
				 dev_name(d), why, d->dev_id, DAEMON_RETRY_MS / 1000);
		d->removing = 1;
	}
	return busy;
}

void daemon_forget_marked(struct daemon *dm, const char *marked)
{
	unsigned int i, j;

	for (i = j = 0; i < dm->nr_devs; i++) {
		if (marked[i]) {
			dev_config_free(&dm->devs[i].ini->cfg);
			free(dm->devs[i].ini);
			continue;
		}
		dm->devs[j++] = dm->devs[i];
	}
	dm->nr_devs = j;
}

unsigned int daemon_retry_removals(struct daemon *dm)
{
	unsigned int i, left = 0, done = 0;
	char *marked;

	marked = calloc(dm->nr_devs + 1, 1);
	if (!marked)
		return 1;
	for (i = 0; i < dm->nr_devs; i++) {
		struct ddev *d = &dm->devs[i];

		if (!d->removing)
			continue;
		/* Deleted from outside meanwhile: nothing left to stop. */
		if (!d->dev || !try_stop(d)) {
			if (d->dev)
				log_info("[device %s]: /dev/ublkb%d is no longer in use: stopping it",
					 dev_name(d), d->dev_id);
			marked[i] = 1;
			done++;
			continue;
		}
		left++;
	}
	if (done) {
		daemon_delete_marked(dm, marked);
		/* SIGTERM keeps the stanza (the state file goes with the device); a reload forgets it. */
		if (!dm->terminating)
			daemon_forget_marked(dm, marked);
		else
			for (i = 0; i < dm->nr_devs; i++)
				if (marked[i])
					dm->devs[i].removing = 0;
	}
	free(marked);
	return left;
}

unsigned int daemon_sigterm_safe_stop(struct daemon *dm)
{
	unsigned int i, busy;
	char *marked;

	marked = calloc(dm->nr_devs + 1, 1);
	if (!marked)
		return 0;
	/* Devices with recovery are left to the next daemon, not stopped. */
	for (i = 0; i < dm->nr_devs; i++)
		marked[i] = has_safe_stop(&dm->devs[i]) &&
			    dm->devs[i].ini->cfg.recovery == RECOVERY_NONE;
	busy = daemon_safe_stop_marked(dm, marked, "SIGTERM");
	if (busy) {
		/* The serve loop goes on for the busy ones: the stopped ones go now. */
		dm->terminating = 1;
		daemon_delete_marked(dm, marked);
		log_info("signal SIGTERM: %u device%s in use; exiting once %s released (SIGINT or a second SIGTERM stops %s now)",
			 busy, busy == 1 ? "" : "s", busy == 1 ? "it is" : "they are",
			 busy == 1 ? "it" : "them");
	}
	free(marked);
	return busy;
}
