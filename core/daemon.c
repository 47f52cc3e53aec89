// SPDX-License-Identifier: MIT
/*
 * Daemon mode: `ublk-server -c devices.ini [--check] [--foreground]` serves
 * every [device NAME] stanza of the file, in the foreground (systemd style).
 *
 * Startup goes in phases so that a bad file creates nothing: parse all
 * (config_ini.c) -> device_configure every stanza (the plugin sees its keys)
 * -> device_open_target every stanza -> only then device_start each. --check
 * stops before device_start. A device that fails to start is logged and the
 * others are served; each LIVE device is reported as "NAME: /dev/ublkbN" on
 * stdout, and systemd gets READY=1 once every device was tried.
 *
 * Recovery (`recovery = on|reissue|fail_io`): such a device outlives its
 * daemon. At startup (and when a reload starts a stanza) a stanza with
 * recovery looks for the device a previous daemon of the same config file
 * left: RUN_DIR/NAME.state names its dev_id (or the stanza's own `dev_id =`
 * does). When that device exists, was created with recovery and waits for a
 * daemon (QUIESCED, or FAIL_IO with fail_io; LIVE whose daemon is dead or
 * exiting is waited for), the daemon re-attaches to it (START/END_USER_RECOVERY)
 * and reports "NAME: /dev/ublkbN (recovered)": same /dev/ublkbN, open file
 * descriptors keep working. A state file naming a device that is gone, has no
 * recovery, or is LIVE under another process is stale: ignored, a new device
 * is added and the file replaced. A device that is there but does not fit the
 * stanza (size or block size changed) is left alone and the stanza fails.
 *
 * Signals (blocked in every thread, taken through a signalfd):
 *  SIGTERM         (systemctl stop/restart) stanzas without recovery: stop
 *                  (in-flight IO completes) and delete. Stanzas with recovery:
 *                  the device is left for the next daemon, QUIESCE_DEV first
 *                  where the kernel has UBLK_F_QUIESCE (in-flight IO completes,
 *                  new IO waits in the kernel), else just released (the kernel
 *                  sees the daemon gone: in-flight IO is reissued with
 *                  `reissue`, failed with `on`). State files of the devices
 *                  left are kept. Exit 0.
 *  SIGINT          stop and delete every device, recovery or not; exit 0.
 *                  This, or `ublk-server del`, stops recovery devices for good.
 *  SIGHUP          re-read the file: stanzas that are new (or whose device is
 *                  not running) are started, stanzas gone are stopped and
 *                  deleted, unchanged devices are not touched. A stanza that
 *                  changed keeps its device running as it was and is logged
 *                  as needing a restart of that device. A file that does not
 *                  parse, or whose new stanzas fail to configure or open,
 *                  changes nothing.
 * A device deleted from outside (`ublk-server del -n ID`) is released (the
 * deleter deletes it) and the others are served on; a later reload starts it
 * again, as the file still describes it.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "commands.h"
#include "config_ini.h"
#include "daemon_state.h"
#include "device.h"
#include "log.h"
#include "notify.h"
#include "process.h"
#include "loader.h"
#include "run_dir.h"

/* SIGTERM: how long a recovery device may take to drain before it is left as it is. */
#define QUIESCE_TIMEOUT_MS	30000
/* Once quiesced, the IO threads see their commands aborted and leave. */
#define THREADS_LEAVE_MS	5000

/* How long the kernel may take to notice that we released a device. */
#define RELEASE_WAIT_MS		5000

/* What START_USER_RECOVERY accepts: the device waits for a new daemon. */
#define RECOVERY_FLAGS	(UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE | \
			 UBLK_F_USER_RECOVERY_FAIL_IO)

struct ddev {
	struct ini_device *ini;		/* owned: the stanza, as the device runs it */
	struct device *dev;		/* NULL: not running */
	int dev_id;
};

struct daemon {
	const char *path;		/* the config file, as given */
	char *abs_path;			/* for the state files */
	char *run_dir;
	int cli_log_level;		/* the command line chose the log level */
	int cli_plugin_dir;		/* ... the plugin directory */
	int cli_run_dir;		/* ... the run dir */
	struct ddev *devs;
	unsigned int nr_devs;
	int sfd;
};

static const char *dev_name(const struct ddev *d)
{
	return d->ini->cfg.name;
}

static unsigned int nr_running(const struct daemon *dm)
{
	unsigned int i, n = 0;

	for (i = 0; i < dm->nr_devs; i++)
		n += dm->devs[i].dev != NULL;
	return n;
}

static void notify_ready(const struct daemon *dm)
{
	notify_sendf("READY=1\nSTATUS=serving %u of %u devices", nr_running(dm), dm->nr_devs);
}

static unsigned long long monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

/*
 * Configure every stanza, then open every target: nothing touches the
 * kernel. On failure (already logged) nothing is left.
 */
static int prepare_devices(struct ini_device **inis, unsigned int n, struct device **devs)
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

static const char *recovery_of_flags(__u64 flags)
{
	if (flags & UBLK_F_USER_RECOVERY_FAIL_IO)
		return "fail_io";
	if (flags & UBLK_F_USER_RECOVERY_REISSUE)
		return "reissue";
	return flags & UBLK_F_USER_RECOVERY ? "on" : "none";
}

static __u64 recovery_flags(int mode)
{
	switch (mode) {
	case RECOVERY_ON:
		return UBLK_F_USER_RECOVERY;
	case RECOVERY_REISSUE:
		return UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE;
	case RECOVERY_FAIL_IO:
		return UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_FAIL_IO;
	}
	return 0;
}

/* The kernel keeps the device for a new daemon (its old one is gone). */
static int recoverable_state(int state)
{
	return state == UBLK_S_DEV_QUIESCED || state == UBLK_S_DEV_FAIL_IO;
}

#define FIND_ADD	(-1)	/* nothing to re-attach to: add a new device */
#define FIND_FAIL	(-2)	/* there is one, but the stanza must not start */

/*
 * The device a previous daemon left to this stanza (recovery != none): its
 * id, FIND_ADD or FIND_FAIL (logged). dev is the prepared device: its
 * target is open, so the size it gives is known.
 */
static int find_recoverable(const struct daemon *dm, const struct ddev *d,
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
	if (info.state != UBLK_S_DEV_LIVE && !recoverable_state(info.state)) {
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
	if ((info.flags & RECOVERY_FLAGS) != recovery_flags(cfg->recovery) ||
	    info.nr_hw_queues != cfg->queues || info.queue_depth != cfg->depth)
		log_info("%s: [device %s] /dev/ublkb%d keeps what it was created with (queues %u, depth %u, recovery = %s); the stanza's changes apply once it is deleted and created again",
			 where, name, id, info.nr_hw_queues, info.queue_depth,
			 recovery_of_flags(info.flags));
	result = id;
out:
	ctrl_close(&ctrl);
out_st:
	if (have_st)
		daemon_state_file_free(&st);
	return result;
}

/* Start a prepared device, or re-attach it; on failure the others keep running. */
static int start_device(struct daemon *dm, struct ddev *d, struct device *dev)
{
	struct dev_config *cfg = &d->ini->cfg;
	struct daemon_state st;
	int rid, saved, ret;

	d->dev = NULL;
	d->dev_id = -1;
	rid = find_recoverable(dm, d, dev);
	if (rid >= 0) {
		/* device_start(dev, 1) takes cfg->dev_id; the stanza keeps its own. */
		saved = cfg->dev_id;
		cfg->dev_id = rid;
		ret = device_start(dev, 1);
		cfg->dev_id = saved;
	} else {
		ret = rid == FIND_FAIL ? -1 : device_start(dev, 0);
	}
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
			 dev_name(d), d->dev_id, recovery_of_flags(dev->info.flags));
	printf("%s: /dev/ublkb%d%s\n", dev_name(d), d->dev_id, rid >= 0 ? " (recovered)" : "");
	fflush(stdout);
	return 0;
}

/*
 * State files of this config file whose stanza is gone: a device still
 * waiting for recovery is pointed out (nobody will serve it), a stale file
 * removed.
 */
static void check_orphans(const struct daemon *dm)
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
			else if (recoverable_state(info.state) && !process_is_running(info.ublksrv_pid))
				log_warn("%s/%s: [device %s] is no longer in %s: /dev/ublkb%d it left waits for recovery (ublk-server del -n %d deletes it)",
					 dm->run_dir, de->d_name, name, dm->path, st.dev_id, st.dev_id);
		}
		daemon_state_file_free(&st);
	}
	ctrl_close(&ctrl);
	closedir(dir);
}

/* STOP_DEV of the marked devices: they drain in parallel. */
static void stop_marked(struct daemon *dm, const char *marked)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++)
		if ((!marked || marked[i]) && dm->devs[i].dev)
			device_stop(dm->devs[i].dev);
}

/* Wait for the marked (stopped) devices, then delete them. */
static void delete_marked(struct daemon *dm, const char *marked)
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

/* Stop the marked devices together, then delete. */
static void stop_devices(struct daemon *dm, const char *marked)
{
	stop_marked(dm, marked);
	delete_marked(dm, marked);
}

/*
 * SIGTERM: leave a recovery device to the next daemon, its state file kept.
 * QUIESCE_DEV (in-flight IO completes, new IO waits in the kernel) where the
 * device has it; else, or if it does not drain, release it as it is.
 */
static void leave_device(struct ddev *d)
{
	struct device *dev = d->dev;
	const char *how = "released", *mode;
	int ret;

	if (dev->info.flags & UBLK_F_QUIESCE) {
		ret = ctrl_quiesce_dev(&dev->ctrl, d->dev_id, QUIESCE_TIMEOUT_MS);
		if (ret < 0) {
			log_warn("[device %s]: quiesce /dev/ublkb%d: %s; releasing it as it is",
				 dev_name(d), d->dev_id, strerror(-ret));
		} else {
			struct pollfd pfd = { .fd = dev->done_efd, .events = POLLIN };

			/* Our IO commands were aborted: the threads leave. */
			if (poll(&pfd, 1, THREADS_LEAVE_MS) <= 0)
				log_warn("[device %s]: IO threads did not leave after the quiesce",
					 dev_name(d));
			how = "quiesced";
		}
	}
	mode = recovery_of_flags(dev->info.flags);
	device_destroy(dev, 0);
	d->dev = NULL;
	log_info("[device %s]: /dev/ublkb%d %s and left for the next ublk-server (recovery = %s); ublk-server del -n %d deletes it",
		 dev_name(d), d->dev_id, how, mode, d->dev_id);
}

/* The signal that ends serve(), or 0 after an error: every device goes but those left. */
static void stop_all(struct daemon *dm, int signo)
{
	const char *sig = signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : NULL;
	unsigned int i, nr_keep = 0;
	char *del = NULL;

	if (signo == SIGTERM) {
		for (i = 0; i < dm->nr_devs; i++)
			nr_keep += dm->devs[i].dev && dm->devs[i].ini->cfg.recovery != RECOVERY_NONE;
		if (nr_keep)
			del = calloc(dm->nr_devs + 1, 1);
	}
	if (!del) {
		if (sig)
			log_info("signal %s: stopping and deleting every device", sig);
		stop_devices(dm, NULL);
		return;
	}
	log_info("signal SIGTERM: stopping and deleting the devices without recovery, leaving %u recovery device%s to the next ublk-server (SIGINT or ublk-server del deletes them)",
		 nr_keep, nr_keep == 1 ? "" : "s");
	for (i = 0; i < dm->nr_devs; i++)
		del[i] = dm->devs[i].dev && dm->devs[i].ini->cfg.recovery == RECOVERY_NONE;
	stop_marked(dm, del);
	for (i = 0; i < dm->nr_devs; i++)
		if (dm->devs[i].dev && !del[i])
			leave_device(&dm->devs[i]);
	delete_marked(dm, del);
	free(del);
}

/*
 * The IO threads left without us asking: someone ran `del`, who deletes it,
 * or `quiesce`, which leaves a recovery device waiting for a daemon (its state
 * file stays: a reload or the next daemon re-attaches to it).
 */
static void device_gone(struct daemon *dm, struct ddev *d)
{
	struct ublksrv_ctrl_dev_info info;
	struct ctrl ctrl;
	int kept = 0, waited;

	device_wait(d->dev);
	device_destroy(d->dev, 0);
	d->dev = NULL;
	if (d->ini->cfg.recovery != RECOVERY_NONE && ctrl_open(&ctrl) >= 0) {
		/*
		 * The kernel lets go of us once the IO rings are torn down, which
		 * io_uring finishes a little later: until then it says LIVE, ours.
		 */
		for (waited = 0;; waited += 20) {
			kept = ctrl_get_dev_info(&ctrl, d->dev_id, &info) >= 0;
			if (!kept || info.state != UBLK_S_DEV_LIVE || info.ublksrv_pid != getpid() ||
			    waited >= RELEASE_WAIT_MS)
				break;
			usleep(20 * 1000);
		}
		kept = kept && recoverable_state(info.state);
		ctrl_close(&ctrl);
	}
	if (kept) {
		log_info("[device %s]: /dev/ublkb%d was quiesced from outside and waits for recovery (%s); a reload re-attaches to it",
			 dev_name(d), d->dev_id, ctrl_state_name(info.state));
		return;
	}
	log_info("[device %s]: /dev/ublkb%d was stopped from outside; serving the other devices",
		 dev_name(d), d->dev_id);
	daemon_state_remove(dm->run_dir, dev_name(d));
}

static struct ddev *find_ddev(struct daemon *dm, const char *name)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++)
		if (!strcmp(dev_name(&dm->devs[i]), name))
			return &dm->devs[i];
	return NULL;
}

static int str_differs(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b));
}

static void apply_globals(struct daemon *dm, const struct ini_config *c, int reload)
{
	if (!dm->cli_log_level && c->log_level >= 0)
		log_level = c->log_level;
	if (!dm->cli_plugin_dir && c->plugin_dir &&
	    str_differs(c->plugin_dir, plugin_get_dir()))
		plugin_set_dir(c->plugin_dir);
	if (!reload && !dm->cli_run_dir && c->run_dir)
		run_dir_set(c->run_dir);
	if (reload && !dm->cli_run_dir && c->run_dir && strcmp(c->run_dir, dm->run_dir))
		log_warn("%s:%u: run_dir changed; it applies when ublk-server restarts",
			 c->path, c->global_line);
}

/* Steal a stanza from a parsed file (it then belongs to the caller). */
static void steal_stanza(struct ini_config *c, const struct ini_device *ini)
{
	unsigned int i;

	for (i = 0; i < c->nr_devs; i++)
		if (c->devs[i] == ini)
			c->devs[i] = NULL;
}

static void reload(struct daemon *dm)
{
	struct ini_device **add = NULL;
	struct device **prepared = NULL;
	unsigned int i, j, nr_add = 0;
	struct ini_config nc;
	char *gone = NULL;

	log_info("SIGHUP: reloading %s", dm->path);
	notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu", monotonic_usec());
	if (config_ini_load(&nc, dm->path))
		goto failed;
	apply_globals(dm, &nc, 1);

	add = calloc(nc.nr_devs + 1, sizeof(*add));
	prepared = calloc(nc.nr_devs + 1, sizeof(*prepared));
	gone = calloc(dm->nr_devs + 1, 1);
	if (!add || !prepared || !gone) {
		log_error("reload: out of memory");
		goto failed;
	}
	for (i = 0; i < nc.nr_devs; i++) {
		struct ini_device *n = nc.devs[i];
		struct ddev *old = find_ddev(dm, n->cfg.name);

		if (!old || !old->dev) {
			add[nr_add++] = n;
			continue;
		}
		if (!dev_config_equal(&old->ini->cfg, &n->cfg))
			log_warn("%s: [device %s] changed: restart the device to apply it "
				 "(ublk-server del -n %d, then reload); /dev/ublkb%d keeps "
				 "running with its old configuration",
				 n->cfg.origin, n->cfg.name, old->dev_id, old->dev_id);
	}
	/* New stanzas must configure and open before anything changes. */
	if (prepare_devices(add, nr_add, prepared))
		goto failed;

	/* Stanzas gone from the file: stop, delete, forget. */
	for (i = 0; i < dm->nr_devs; i++)
		gone[i] = !config_ini_find(&nc, dev_name(&dm->devs[i]));
	stop_devices(dm, gone);
	for (i = j = 0; i < dm->nr_devs; i++) {
		if (gone[i]) {
			log_info("[device %s]: removed from %s", dev_name(&dm->devs[i]), dm->path);
			dev_config_free(&dm->devs[i].ini->cfg);
			free(dm->devs[i].ini);
			continue;
		}
		dm->devs[j++] = dm->devs[i];
	}
	dm->nr_devs = j;

	/* New stanzas, and those whose device was not running. */
	for (i = 0; i < nr_add; i++) {
		struct ddev *d = find_ddev(dm, add[i]->cfg.name);

		if (d) {
			dev_config_free(&d->ini->cfg);
			free(d->ini);
		} else {
			struct ddev *devs = realloc(dm->devs, (dm->nr_devs + 1) * sizeof(*devs));

			if (!devs) {
				log_error("[device %s]: out of memory", add[i]->cfg.name);
				device_destroy(prepared[i], 0);
				continue;
			}
			dm->devs = devs;
			d = &dm->devs[dm->nr_devs++];
		}
		steal_stanza(&nc, add[i]);
		d->ini = add[i];
		d->dev = NULL;
		/* The device keeps a pointer to the configuration it was given. */
		start_device(dm, d, prepared[i]);
	}
	log_info("reloaded %s: serving %u of %u devices", dm->path, nr_running(dm), dm->nr_devs);
	goto out;

failed:
	log_error("reload of %s failed: every device keeps running as it was", dm->path);
out:
	config_ini_free(&nc);
	free(add);
	free(prepared);
	free(gone);
	notify_ready(dm);
}

/* Serve until SIGTERM or SIGINT, which is returned (0 after an error). */
static int serve(struct daemon *dm)
{
	struct pollfd *pfd = NULL;
	struct ddev **who = NULL;
	int signo = 0;

	for (;;) {
		struct signalfd_siginfo si;
		unsigned int i, n = 1;
		void *p;

		p = realloc(pfd, (dm->nr_devs + 1) * sizeof(*pfd));
		if (p)
			pfd = p;
		p = realloc(who, (dm->nr_devs + 1) * sizeof(*who));
		if (p)
			who = p;
		if (!pfd || !who) {
			log_error("out of memory");
			break;
		}
		pfd[0].fd = dm->sfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < dm->nr_devs; i++) {
			if (!dm->devs[i].dev)
				continue;
			pfd[n].fd = dm->devs[i].dev->done_efd;
			pfd[n].events = POLLIN;
			who[n++] = &dm->devs[i];
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			break;
		}
		for (i = 1; i < n; i++)
			if (pfd[i].revents)
				device_gone(dm, who[i]);
		if (!pfd[0].revents || read(dm->sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(dm);
			continue;
		}
		signo = (int)si.ssi_signo;
		break;
	}
	free(pfd);
	free(who);
	return signo;
}

/* Daemon mode takes its devices from the file only. */
static int refuse_device_options(const struct cli_args *args)
{
	const struct dev_config *cfg = &args->dev;
	int k;

	for (k = 0; k < NR_CORE_KEYS; k++) {
		if (cfg->key_origin[k]) {
			log_error("%s: device options belong in the configuration file, not on the command line",
				  cfg->key_origin[k]);
			return -1;
		}
	}
	if (cfg->nr_plugin_keys) {
		log_error("%s: device options belong in the configuration file, not on the command line",
			  cfg->plugin_keys[0].origin);
		return -1;
	}
	return 0;
}

static void daemon_free(struct daemon *dm)
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

int cmd_daemon(struct cli_args *args)
{
	struct device **prepared = NULL;
	struct daemon dm;
	struct ini_config conf;
	char abs[PATH_MAX];
	sigset_t sigs;
	unsigned int i;
	int ret = 1;

	if (!args->config_file) {
		log_error("daemon mode needs a configuration file: ublk-server -c FILE");
		return 1;
	}
	if (refuse_device_options(args))
		return 1;
	memset(&dm, 0, sizeof(dm));
	dm.sfd = -1;
	dm.path = args->config_file;
	dm.cli_log_level = args->quiet || args->debug_mask;
	dm.cli_plugin_dir = args->plugin_dir != NULL;
	dm.cli_run_dir = args->run_dir != NULL;

	if (config_ini_load(&conf, dm.path))
		return 1;
	apply_globals(&dm, &conf, 0);
	prepared = calloc(conf.nr_devs + 1, sizeof(*prepared));
	if (!prepared || prepare_devices(conf.devs, conf.nr_devs, prepared))
		goto out_conf;
	if (args->check_only) {
		for (i = 0; i < conf.nr_devs; i++)
			device_destroy(prepared[i], 0);
		printf("%s: OK (%u device%s)\n", dm.path, conf.nr_devs,
		       conf.nr_devs == 1 ? "" : "s");
		ret = 0;
		goto out_conf;
	}

	dm.run_dir = strdup(run_dir_get());
	dm.abs_path = strdup(realpath(dm.path, abs) ? abs : dm.path);
	dm.devs = calloc(conf.nr_devs + 1, sizeof(*dm.devs));
	if (!dm.run_dir || !dm.abs_path || !dm.devs) {
		log_error("out of memory");
		ret = -ENOMEM;
	} else {
		ret = run_dir_ensure();
		if (ret < 0)
			log_error("%s: cannot create the run dir %s: %s", dm.path, dm.run_dir,
				  strerror(-ret));
	}
	if (ret < 0) {
		ret = 1;
		for (i = 0; i < conf.nr_devs; i++)
			device_destroy(prepared[i], 0);
		goto out;
	}
	ret = 1;
	/* IO threads inherit the mask: signals are only taken by the signalfd. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	dm.sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (dm.sfd < 0) {
		log_error("signalfd: %s", strerror(errno));
		for (i = 0; i < conf.nr_devs; i++)
			device_destroy(prepared[i], 0);
		goto out;
	}

	for (i = 0; i < conf.nr_devs; i++) {
		struct ddev *d = &dm.devs[dm.nr_devs++];

		d->ini = conf.devs[i];
		conf.devs[i] = NULL;
		start_device(&dm, d, prepared[i]);
	}
	if (dm.nr_devs && !nr_running(&dm)) {
		log_error("%s: no device could be started", dm.path);
		goto out;
	}
	log_info("%s: serving %u of %u devices", dm.path, nr_running(&dm), dm.nr_devs);
	check_orphans(&dm);
	notify_ready(&dm);

	i = (unsigned int)serve(&dm);
	notify_send("STOPPING=1");
	stop_all(&dm, (int)i);
	ret = 0;
out:
	daemon_free(&dm);
out_conf:
	config_ini_free(&conf);
	free(prepared);
	return ret;
}
