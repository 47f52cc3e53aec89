// SPDX-License-Identifier: MIT
/*
 * SIGHUP in daemon mode: re-read the file. Stanzas that are new (or whose
 * device is not running) are started, stanzas gone are stopped and deleted,
 * unchanged devices are not touched. A stanza that changed keeps its device
 * running as it was and is logged as needing a restart of that device. A
 * file that does not parse, or whose new stanzas fail to configure or open,
 * changes nothing. systemd hears RELOADING=1, then READY=1.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "loader.h"
#include "log.h"
#include "notify.h"
#include "run_dir.h"

static unsigned long long monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

static int str_differs(const char *a, const char *b)
{
	return (a || b) && (!a || !b || strcmp(a, b));
}

void daemon_apply_globals(struct daemon *dm, const struct ini_config *c, int reload)
{
	if (!dm->cli_log_level && c->log_level >= 0)
		log_level = c->log_level;
	log_set_syslog_prefix(c->log_syslog_prefix >= 0 ? c->log_syslog_prefix : LOG_PREFIX_AUTO);
	if (!dm->cli_plugin_dir && c->plugin_dir &&
	    str_differs(c->plugin_dir, plugin_get_dir()))
		plugin_set_dir(c->plugin_dir);
	if (!reload && !dm->cli_run_dir && c->run_dir)
		run_dir_set(c->run_dir);
	/* Like run_dir: the run dir was made for the first one. */
	if (!reload)
		run_dir_set_stats_mode(c->stats_mode);
	else if (c->stats_mode != run_dir_stats_mode())
		log_warn("%s:%u: stats_mode changed; it applies when ublk-server restarts",
			 c->path, c->global_line);
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

void daemon_reload(struct daemon *dm)
{
	struct ini_device **add = NULL;
	struct device **prepared = NULL;
	unsigned int i, nr_add = 0;
	char why[PATH_MAX + 32];
	struct ini_config nc;
	char *gone = NULL;

	log_info("SIGHUP: reloading %s", dm->path);
	notify_sendf("RELOADING=1\nMONOTONIC_USEC=%llu", monotonic_usec());
	if (config_ini_load_named(&nc, dm->abs_path, dm->path))
		goto failed;
	daemon_apply_globals(dm, &nc, 1);

	add = calloc(nc.nr_devs + 1, sizeof(*add));
	prepared = calloc(nc.nr_devs + 1, sizeof(*prepared));
	gone = calloc(dm->nr_devs + 1, 1);
	if (!add || !prepared || !gone) {
		log_error("reload: out of memory");
		goto failed;
	}
	for (i = 0; i < nc.nr_devs; i++) {
		struct ini_device *n = nc.devs[i];
		struct ddev *old = daemon_find(dm, n->cfg.name);

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
	if (daemon_prepare(add, nr_add, prepared))
		goto failed;

	/* Stanzas gone from the file: stop (unless in use), delete, forget. */
	for (i = 0; i < dm->nr_devs; i++) {
		struct ddev *d = &dm->devs[i];

		gone[i] = !config_ini_find(&nc, dev_name(d));
		if (!gone[i] && d->removing) {
			log_info("[device %s]: back in %s: /dev/ublkb%d is no longer to be removed",
				 dev_name(d), dm->path, d->dev_id);
			d->removing = 0;
		}
	}
	snprintf(why, sizeof(why), "removed from %s", dm->path);
	daemon_safe_stop_marked(dm, gone, why);
	daemon_delete_marked(dm, gone);
	for (i = 0; i < dm->nr_devs; i++)
		if (gone[i])
			log_info("[device %s]: removed from %s", dev_name(&dm->devs[i]), dm->path);
	daemon_forget_marked(dm, gone);

	/* New stanzas, and those whose device was not running. */
	for (i = 0; i < nr_add; i++) {
		struct ddev *d = daemon_find(dm, add[i]->cfg.name);

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
		daemon_start_device(dm, d, prepared[i]);
	}
	log_info("reloaded %s: serving %u of %u devices", dm->path, daemon_nr_running(dm), dm->nr_devs);
	goto out;

failed:
	log_error("reload of %s failed: every device keeps running as it was", dm->path);
out:
	config_ini_free(&nc);
	free(add);
	free(prepared);
	free(gone);
	daemon_notify_ready(dm);
}
