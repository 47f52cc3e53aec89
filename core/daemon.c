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
 * Recovery (`recovery = on|reissue|fail_io`, daemon_recovery.c): such a
 * device outlives its daemon; the next daemon of the same file re-attaches
 * to it and reports "NAME: /dev/ublkbN (recovered)".
 *
 * Signals (blocked in every thread, taken through a signalfd; serve_loop.c):
 *  SIGTERM         (systemctl stop/restart) stanzas without recovery: stop
 *                  (in-flight IO completes) and delete. Stanzas with recovery:
 *                  the device is left for the next daemon, QUIESCE_DEV first
 *                  where the kernel has UBLK_F_QUIESCE (in-flight IO completes,
 *                  new IO waits in the kernel), else just released (the kernel
 *                  sees the daemon gone: in-flight IO is reissued with
 *                  `reissue`, failed with `on`). State files of the devices
 *                  left are kept. Exit 0.
 *                  Where the kernel has UBLK_F_SAFE_STOP_DEV, a device without
 *                  recovery that is in use (mounted, open) is not stopped: the
 *                  daemon serves on until it is released (daemon_safe_stop.c),
 *                  unless SIGINT or a second SIGTERM comes.
 *  SIGINT          stop and delete every device, recovery or not; exit 0.
 *                  This, or `ublk-server del`, stops recovery devices for good.
 *  SIGHUP          re-read the file and apply what changed (daemon_reload.c).
 * A device deleted from outside (`ublk-server del -n ID`) is released (the
 * deleter deletes it) and the others are served on; a later reload starts it
 * again, as the file still describes it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "commands.h"
#include "config_ini.h"
#include "daemon.h"
#include "log.h"
#include "metrics_http.h"
#include "notify.h"
#include "run_dir.h"
#include "serve_loop.h"

/* The signal that ended the serve loop, or 0 after an error: every device goes but those left. */
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
		daemon_stop_marked(dm, NULL);
		daemon_delete_marked(dm, NULL);
		return;
	}
	log_info("signal SIGTERM: stopping and deleting the devices without recovery, leaving %u recovery device%s to the next ublk-server (SIGINT or ublk-server del deletes them)",
		 nr_keep, nr_keep == 1 ? "" : "s");
	for (i = 0; i < dm->nr_devs; i++)
		del[i] = dm->devs[i].dev && dm->devs[i].ini->cfg.recovery == RECOVERY_NONE;
	daemon_stop_marked(dm, del);
	for (i = 0; i < dm->nr_devs; i++)
		if (dm->devs[i].dev && !del[i])
			daemon_leave_device(&dm->devs[i]);
	daemon_delete_marked(dm, del);
	free(del);
}

/* The serve loop's view of the daemon: a slot per stanza. */
static unsigned int serve_nr_devices(void *ctx)
{
	return ((struct daemon *)ctx)->nr_devs;
}

static struct device *serve_device(void *ctx, unsigned int i)
{
	return ((struct daemon *)ctx)->devs[i].dev;
}

static int serve_device_gone(void *ctx, unsigned int i)
{
	struct daemon *dm = ctx;

	daemon_device_gone(dm, &dm->devs[i]);
	return 0;	/* the other devices are served on */
}

static void serve_reload(void *ctx)
{
	daemon_reload(ctx);
}

/* Devices in use that are to go are retried every DAEMON_RETRY_MS. */
static int serve_wait_ms(void *ctx)
{
	struct daemon *dm = ctx;
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++)
		if (dm->devs[i].removing)
			return DAEMON_RETRY_MS;
	return -1;
}

/* After SIGTERM, the loop ends once the last device in use was released. */
static int serve_tick(void *ctx)
{
	struct daemon *dm = ctx;

	return !daemon_retry_removals(dm) && dm->terminating;
}

static const struct serve_ops daemon_serve_ops = {
	.nr_devices = serve_nr_devices,
	.device = serve_device,
	.device_gone = serve_device_gone,
	.reload = serve_reload,
	.wait_ms = serve_wait_ms,
	.tick = serve_tick,
};

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

int cmd_daemon(struct cli_args *args)
{
	struct device **prepared = NULL;
	struct daemon dm;
	struct ini_config conf;
	char abs[PATH_MAX];
	unsigned int i;
	int ret = 1, signo;

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

	/* What the daemon creates (state, stats, sockets) is its own unless said otherwise. */
	umask(077);
	if (config_ini_load(&conf, dm.path))
		return 1;
	daemon_apply_globals(&dm, &conf, 0);
	prepared = calloc(conf.nr_devs + 1, sizeof(*prepared));
	if (!prepared || daemon_prepare(conf.devs, conf.nr_devs, prepared))
		goto out_conf;
	if (args->check_only) {
		for (i = 0; i < conf.nr_devs; i++)
			device_destroy(prepared[i], 0);
		printf("%s: OK (%u device%s)\n", dm.path, conf.nr_devs,
		       conf.nr_devs == 1 ? "" : "s");
		ret = 0;
		goto out_conf;
	}

	/* A relative --run-dir or $UBLK_RUN_DIR: from here, before the chdir below. */
	if (run_dir_get()[0] != '/' && getcwd(abs, sizeof(abs))) {
		size_t n = strlen(abs);

		snprintf(abs + n, sizeof(abs) - n, "/%s", run_dir_get());
		run_dir_set(abs);
	}
	dm.run_dir = strdup(run_dir_get());
	dm.abs_path = strdup(realpath(dm.path, abs) ? abs : dm.path);
	/* Hold no directory busy; reloads open abs_path. */
	if (chdir("/"))
		log_warn("chdir /: %s", strerror(errno));
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
	signal(SIGPIPE, SIG_IGN);
	dm.sfd = serve_signals();
	if (dm.sfd < 0) {
		log_error("signalfd: %s", strerror(-dm.sfd));
		for (i = 0; i < conf.nr_devs; i++)
			device_destroy(prepared[i], 0);
		goto out;
	}

	if (conf.metrics_listen) {
		char origin[PATH_MAX + 16];

		snprintf(origin, sizeof(origin), "%s:%u", dm.path, conf.metrics_line);
		if (metrics_http_start(conf.metrics_listen, origin)) {
			for (i = 0; i < conf.nr_devs; i++)
				device_destroy(prepared[i], 0);
			goto out;
		}
	}
	for (i = 0; i < conf.nr_devs; i++) {
		struct ddev *d = &dm.devs[dm.nr_devs++];

		d->ini = conf.devs[i];
		conf.devs[i] = NULL;
		daemon_start_device(&dm, d, prepared[i]);
	}
	if (dm.nr_devs && !daemon_nr_running(&dm)) {
		log_error("%s: no device could be started", dm.path);
		goto out;
	}
	log_info("%s: serving %u of %u devices", dm.path, daemon_nr_running(&dm), dm.nr_devs);
	daemon_check_orphans(&dm);
	daemon_notify_ready(&dm);

	signo = serve_loop(dm.sfd, &daemon_serve_ops, &dm);
	notify_send("STOPPING=1");
	/* SIGTERM never yanks a device in use where the kernel can tell (SAFE_STOP_DEV). */
	if (signo == SIGTERM && daemon_sigterm_safe_stop(&dm)) {
		signo = serve_loop(dm.sfd, &daemon_serve_ops, &dm);
		if (!signo)
			signo = SIGTERM;
	}
	stop_all(&dm, signo > 0 ? signo : 0);
	ret = 0;
out:
	metrics_http_stop();
	daemon_free(&dm);
out_conf:
	config_ini_free(&conf);
	free(prepared);
	return ret;
}
