// SPDX-License-Identifier: MIT
/*
 * Daemon mode's set of devices, one per [device NAME] stanza: prepared
 * (configured and opened) before any is started, started fresh or
 * re-attached to what a previous daemon left, each LIVE one reported as
 * "NAME: /dev/ublkbN[ (recovered)]" on stdout with a state file in the run
 * dir; stopped together so that they drain in parallel, then deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon_state.h"
#include "log.h"
#include "notify.h"
#include "recovery_mode.h"

unsigned int daemon_nr_running(const struct daemon *dm)
{
	unsigned int i, n = 0;

	for (i = 0; i < dm->nr_devs; i++)
		n += dm->devs[i].dev != NULL;
	return n;
}

void daemon_notify_ready(const struct daemon *dm)
{
	notify_sendf("READY=1\nSTATUS=serving %u of %u devices", daemon_nr_running(dm), dm->nr_devs);
}

struct ddev *daemon_find(struct daemon *dm, const char *name)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++)
		if (!strcmp(dev_name(&dm->devs[i]), name))
			return &dm->devs[i];
	return NULL;
}

int daemon_prepare(struct ini_device **inis, unsigned int n, struct device **devs)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		devs[i] = NULL;
	for (i = 0; i < n; i++)
		if (device_configure(&devs[i], &inis[i]->cfg))
			goto err;
	for (i = 0; i < n; i++)
		if (device_open_target(devs[i]))
			goto err;
	return 0;
err:
	for (i = 0; i < n; i++) {
		device_destroy(devs[i], 0);
		devs[i] = NULL;
	}
	return -1;
}

int daemon_start_device(struct daemon *dm, struct ddev *d, struct device *dev)
{
	struct dev_config *cfg = &d->ini->cfg;
	struct daemon_state st;
	int rid, ret;

	d->dev = NULL;
	d->dev_id = -1;
	rid = daemon_find_recoverable(dm, d, dev);
	if (rid >= 0)
		ret = device_start(dev, rid);
	else
		ret = rid == FIND_FAIL ? -1 : device_start(dev, DEVICE_ADD);
	if (ret) {
		if (rid >= 0)
			log_error("%s: [device %s] could not be re-attached to /dev/ublkb%d, which stays as it is; the other devices keep running",
				  cfg->origin, dev_name(d), rid);
		else
			log_error("%s: [device %s] could not be started; the other devices keep running",
				  cfg->origin, dev_name(d));
		device_destroy(dev, 0);
		return -1;
	}
	d->dev = dev;
	d->dev_id = dev->dev_id;
	st.name = dev_name(d);
	st.dev_id = d->dev_id;
	st.pid = getpid();
	st.config = dm->abs_path;
	st.target = cfg->target;
	daemon_state_write(dm->run_dir, &st);
	if (rid >= 0)
		log_info("[device %s]: re-attached to /dev/ublkb%d, left by a previous daemon (recovery = %s)",
			 dev_name(d), d->dev_id, recovery_mode_name(dev->info.flags));
	printf("%s: /dev/ublkb%d%s\n", dev_name(d), d->dev_id, rid >= 0 ? " (recovered)" : "");
	fflush(stdout);
	return 0;
}

void daemon_stop_marked(struct daemon *dm, const char *marked)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++)
		if ((!marked || marked[i]) && dm->devs[i].dev)
			device_stop(dm->devs[i].dev);
}

void daemon_delete_marked(struct daemon *dm, const char *marked)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++) {
		struct ddev *d = &dm->devs[i];

		if ((marked && !marked[i]) || !d->dev)
			continue;
		device_wait(d->dev);
		device_destroy(d->dev, 1);
		d->dev = NULL;
		daemon_state_remove(dm->run_dir, dev_name(d));
		log_info("[device %s]: /dev/ublkb%d stopped and deleted", dev_name(d), d->dev_id);
	}
}

/*
 * Someone ran `del`, who deletes the device, or `quiesce`, which leaves a
 * recovery device waiting for a daemon (its state file stays: a reload or
 * the next daemon re-attaches to it).
 */
void daemon_device_gone(struct daemon *dm, struct ddev *d)
{
	int state;

	device_wait(d->dev);
	device_destroy(d->dev, 0);
	d->dev = NULL;
	if (daemon_device_kept(d, &state)) {
		log_info("[device %s]: /dev/ublkb%d was quiesced from outside and waits for recovery (%s); a reload re-attaches to it",
			 dev_name(d), d->dev_id, ctrl_state_name(state));
		return;
	}
	log_info("[device %s]: /dev/ublkb%d was stopped from outside; serving the other devices",
		 dev_name(d), d->dev_id);
	daemon_state_remove(dm->run_dir, dev_name(d));
}

void daemon_free(struct daemon *dm)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++) {
		dev_config_free(&dm->devs[i].ini->cfg);
		free(dm->devs[i].ini);
	}
	free(dm->devs);
	free(dm->abs_path);
	free(dm->run_dir);
	if (dm->sfd >= 0)
		close(dm->sfd);
}
