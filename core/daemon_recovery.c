// SPDX-License-Identifier: MIT
/*
 * Daemon mode and recovery (`recovery = on|reissue|fail_io`): such a device
 * outlives its daemon. At startup (and when a reload starts a stanza) a
 * stanza with recovery looks for the device a previous daemon of the same
 * config file left: RUN_DIR/NAME.state names its dev_id (or the stanza's own
 * `dev_id =` does). When that device exists, was created with recovery and
 * waits for a daemon (QUIESCED, or FAIL_IO with fail_io; LIVE whose daemon
 * is dead or exiting is waited for), the daemon re-attaches to it. A state
 * file naming a device that is gone, has no recovery, or is LIVE under
 * another process is stale: ignored, a new device is added and the file
 * replaced. A device that is there but does not fit the stanza (size or
 * block size changed) is left alone and the stanza fails.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "daemon_state.h"
#include "device_state.h"
#include "log.h"
#include "process.h"
#include "recovery_mode.h"

/* SIGTERM: how long a recovery device may take to drain before it is left as it is. */
#define QUIESCE_TIMEOUT_MS	30000
/* Once quiesced, the IO threads see their commands aborted and leave. */
#define THREADS_LEAVE_MS	5000
/* How long the kernel may take to notice that we released a device. */
#define RELEASE_WAIT_MS		5000

int daemon_find_recoverable(const struct daemon *dm, const struct ddev *d,
			    const struct device *dev)
{
	const struct dev_config *cfg = &d->ini->cfg;
	const char *where = cfg->origin, *name = dev_name(d);
	struct daemon_state_file st;
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params p;
	struct ctrl ctrl;
	int have_st, from_state, id, ret, result = FIND_ADD;

	if (cfg->recovery == RECOVERY_NONE)
		return FIND_ADD;
	have_st = !daemon_state_read(dm->run_dir, name, &st);
	if (have_st && (!st.config || strcmp(st.config, dm->abs_path))) {
		log_info("%s: [device %s] %s/%s.state belongs to %s, not %s: ignored", where, name,
			 dm->run_dir, name, st.config && *st.config ? st.config : "another file",
			 dm->abs_path);
		daemon_state_file_free(&st);
		have_st = 0;
	}
	if (cfg->dev_id >= 0) {
		id = cfg->dev_id;
		from_state = have_st && st.dev_id == id;
		if (have_st && !from_state)
			log_warn("%s: [device %s] the state file names /dev/ublkb%d, the stanza dev_id = %d: /dev/ublkb%d is left alone",
				 where, name, st.dev_id, id, st.dev_id);
	} else if (have_st) {
		id = st.dev_id;
		from_state = 1;
	} else {
		return FIND_ADD;
	}
	if (ctrl_open(&ctrl) < 0)	/* device_start says why */
		goto out_st;
	ret = ctrl_get_dev_info(&ctrl, id, &info);
	if (ret < 0) {
		if (from_state)
			log_info("%s: [device %s] /dev/ublkb%d of the state file is gone: adding a new device",
				 where, name, id);
		goto out;
	}
	if (!(info.flags & UBLK_F_USER_RECOVERY)) {
		if (from_state)
			log_warn("%s: [device %s] /dev/ublkb%d of the state file has no recovery (another device now has the id): adding a new device",
				 where, name, id);
		goto out;
	}
	if (info.state == UBLK_S_DEV_LIVE && process_is_running(info.ublksrv_pid)) {
		if (from_state && info.ublksrv_pid == st.pid && pid_is_config_daemon(st.pid)) {
			log_error("%s: [device %s] /dev/ublkb%d is served by another ublk-server (pid %d) of the same file",
				  where, name, id, (int)st.pid);
			result = FIND_FAIL;
		} else if (from_state) {
			log_warn("%s: [device %s] /dev/ublkb%d of the state file is LIVE, served by pid %d: not ours, adding a new device",
				 where, name, id, (int)info.ublksrv_pid);
		}
		goto out;
	}
	/* LIVE with a dead daemon: the kernel catches up, device_start retries. */
	if (info.state != UBLK_S_DEV_LIVE && !device_state_waits_for_daemon(info.state)) {
		if (from_state)
			log_warn("%s: [device %s] /dev/ublkb%d of the state file is %s, which cannot be recovered: adding a new device (ublk-server del -n %d removes it)",
				 where, name, id, ctrl_state_name(info.state), id);
		goto out;
	}
	ret = ctrl_get_params(&ctrl, id, &p);
	if (ret < 0) {
		log_error("%s: [device %s] /dev/ublkb%d: parameters: %s", where, name, id,
			  strerror(-ret));
		result = FIND_FAIL;
		goto out;
	}
	/* Never serve a target on a device whose users expect another geometry. */
	if (p.basic.dev_sectors != dev->params.size >> 9 ||
	    (1U << p.basic.logical_bs_shift) != dev->params.logical_block_size) {
		log_error("%s: [device %s] /dev/ublkb%d left by a previous daemon has %llu bytes in blocks of %u, the target now gives %llu in blocks of %u: not re-attaching (ublk-server del -n %d, then reload)",
			  where, name, id, (unsigned long long)p.basic.dev_sectors << 9,
			  1U << p.basic.logical_bs_shift, (unsigned long long)dev->params.size,
			  dev->params.logical_block_size, id);
		result = FIND_FAIL;
		goto out;
	}
	/* The kernel keeps the device's own geometry and recovery mode. */
	if ((info.flags & RECOVERY_FLAGS) != recovery_mode_flags(cfg->recovery) ||
	    info.nr_hw_queues != cfg->queues || info.queue_depth != cfg->depth)
		log_info("%s: [device %s] /dev/ublkb%d keeps what it was created with (queues %u, depth %u, recovery = %s); the stanza's changes apply once it is deleted and created again",
			 where, name, id, info.nr_hw_queues, info.queue_depth,
			 recovery_mode_name(info.flags));
	result = id;
out:
	ctrl_close(&ctrl);
out_st:
	if (have_st)
		daemon_state_file_free(&st);
	return result;
}

/*
 * QUIESCE_DEV (in-flight IO completes, new IO waits in the kernel) where the
 * device has it; else, or if it does not drain, release it as it is.
 */
void daemon_leave_device(struct ddev *d)
{
	struct device *dev = d->dev;
	const char *how = "released", *mode;
	int ret;

	if (dev->info.flags & UBLK_F_QUIESCE) {
		ret = device_state_quiesce(dev, QUIESCE_TIMEOUT_MS, THREADS_LEAVE_MS);
		if (ret < 0) {
			log_warn("[device %s]: quiesce /dev/ublkb%d: %s; releasing it as it is",
				 dev_name(d), d->dev_id, strerror(-ret));
		} else {
			if (ret)
				log_warn("[device %s]: IO threads did not leave after the quiesce",
					 dev_name(d));
			how = "quiesced";
		}
	}
	mode = recovery_mode_name(dev->info.flags);
	device_destroy(dev, 0);
	d->dev = NULL;
	log_info("[device %s]: /dev/ublkb%d %s and left for the next ublk-server (recovery = %s); ublk-server del -n %d deletes it",
		 dev_name(d), d->dev_id, how, mode, d->dev_id);
}

int daemon_device_kept(const struct ddev *d, int *state)
{
	struct ublksrv_ctrl_dev_info info;

	if (d->ini->cfg.recovery == RECOVERY_NONE)
		return 0;
	/* The kernel lets go of us once the IO rings are torn down. */
	if (device_state_wait_released(d->dev_id, getpid(), RELEASE_WAIT_MS, &info) <= 0)
		return 0;
	*state = info.state;
	return device_state_waits_for_daemon(info.state);
}

/*
 * A device still waiting for recovery is pointed out (nobody will serve it),
 * a stale file removed.
 */
void daemon_check_orphans(const struct daemon *dm)
{
	struct dirent *de;
	struct ctrl ctrl;
	DIR *dir;

	dir = opendir(dm->run_dir);
	if (!dir)
		return;
	if (ctrl_open(&ctrl) < 0) {
		closedir(dir);
		return;
	}
	while ((de = readdir(dir))) {
		struct ublksrv_ctrl_dev_info info;
		struct daemon_state_file st;
		size_t len = strlen(de->d_name);
		char name[MAX_DEVICE_NAME + 1];
		unsigned int i;
		int known = 0;

		if (len <= 6 || len - 6 > MAX_DEVICE_NAME || strcmp(de->d_name + len - 6, ".state"))
			continue;
		memcpy(name, de->d_name, len - 6);
		name[len - 6] = '\0';
		for (i = 0; i < dm->nr_devs; i++)
			known |= !strcmp(dev_name(&dm->devs[i]), name);
		if (known || daemon_state_read(dm->run_dir, name, &st))
			continue;
		if (st.config && !strcmp(st.config, dm->abs_path) && !process_is_running(st.pid)) {
			if (ctrl_get_dev_info(&ctrl, st.dev_id, &info) < 0)
				daemon_state_remove(dm->run_dir, name);
			else if (device_state_waits_for_daemon(info.state) && !process_is_running(info.ublksrv_pid))
				log_warn("%s/%s: [device %s] is no longer in %s: /dev/ublkb%d it left waits for recovery (ublk-server del -n %d deletes it)",
					 dm->run_dir, de->d_name, name, dm->path, st.dev_id, st.dev_id);
		}
		daemon_state_file_free(&st);
	}
	ctrl_close(&ctrl);
	closedir(dir);
}
