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
 * Signals (blocked in every thread, taken through a signalfd):
 *  SIGTERM/SIGINT  stop every device (in-flight IO completes), delete, exit 0.
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
#include "plugin.h"
#include "run_dir.h"

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

/* Start a prepared device; on failure the others keep running. */
static int start_device(struct daemon *dm, struct ddev *d, struct device *dev)
{
	struct daemon_state st;

	d->dev = NULL;
	d->dev_id = -1;
	if (device_start(dev, 0)) {
		log_error("%s: [device %s] could not be started; the other devices keep running",
			  d->ini->cfg.origin, dev_name(d));
		device_destroy(dev, 0);
		return -1;
	}
	d->dev = dev;
	d->dev_id = dev->dev_id;
	st.name = dev_name(d);
	st.dev_id = d->dev_id;
	st.pid = getpid();
	st.config = dm->abs_path;
	st.target = d->ini->cfg.target;
	daemon_state_write(dm->run_dir, &st);
	printf("%s: /dev/ublkb%d\n", dev_name(d), d->dev_id);
	fflush(stdout);
	return 0;
}

/* Stop the marked devices together (they drain in parallel), then delete. */
static void stop_devices(struct daemon *dm, const char *marked)
{
	unsigned int i;

	for (i = 0; i < dm->nr_devs; i++)
		if ((!marked || marked[i]) && dm->devs[i].dev)
			device_stop(dm->devs[i].dev);
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

/* The IO threads left without us asking: someone ran `del`, who deletes it. */
static void device_gone(struct daemon *dm, struct ddev *d)
{
	log_info("[device %s]: /dev/ublkb%d was stopped from outside; serving the other devices",
		 dev_name(d), d->dev_id);
	device_wait(d->dev);
	device_destroy(d->dev, 0);
	d->dev = NULL;
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

static int serve(struct daemon *dm)
{
	struct pollfd *pfd = NULL;
	struct ddev **who = NULL;

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
		log_info("signal %s: stopping and deleting every device",
			 si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	free(pfd);
	free(who);
	return 0;
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
	notify_ready(&dm);

	ret = serve(&dm);
	notify_send("STOPPING=1");
	stop_devices(&dm, NULL);
out:
	daemon_free(&dm);
out_conf:
	config_ini_free(&conf);
	free(prepared);
	return ret;
}
