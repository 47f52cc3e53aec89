/* SPDX-License-Identifier: MIT */
/*
 * Daemon mode's shared state, for its files, from the top down:
 *   daemon.c           the command: startup in phases, signals, shutdown
 *   daemon_reload.c    SIGHUP: re-read the file and apply the difference
 *   daemon_devices.c   the set of devices: prepare, start, stop, delete,
 *                      and a device stopped from outside
 *   daemon_recovery.c  what a previous daemon left: re-attach or not, leave
 *                      a device to the next daemon, orphaned state files
 * Each calls only the files below it (and the rest of core/).
 */
#ifndef UBLK_SERVER_DAEMON_H
#define UBLK_SERVER_DAEMON_H

#include "config_ini.h"
#include "device.h"

struct ddev {
	struct ini_device *ini;		/* owned: the stanza, as the device runs it */
	struct device *dev;		/* NULL: not running */
	int dev_id;
	int removing;			/* to stop, but in use: retried (daemon_safe_stop.c) */
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
	int terminating;		/* SIGTERM came; waiting for devices in use */
};

static inline const char *dev_name(const struct ddev *d)
{
	return d->ini->cfg.name;
}

/* daemon_reload.c */
/* [global] keys, at startup or (reload set) on SIGHUP. */
void daemon_apply_globals(struct daemon *dm, const struct ini_config *c, int reload);
void daemon_reload(struct daemon *dm);

/* daemon_devices.c */
unsigned int daemon_nr_running(const struct daemon *dm);
/* READY=1 with a STATUS line, to systemd. */
void daemon_notify_ready(const struct daemon *dm);
struct ddev *daemon_find(struct daemon *dm, const char *name);
/*
 * Configure every stanza, then open every target: nothing touches the
 * kernel. On failure (already logged) nothing is left.
 */
int daemon_prepare(struct ini_device **inis, unsigned int n, struct device **devs);
/* Start a prepared device, or re-attach it; on failure the others keep running. */
int daemon_start_device(struct daemon *dm, struct ddev *d, struct device *dev);
/* STOP_DEV of the marked devices (NULL: all), so that they drain in parallel. */
void daemon_stop_marked(struct daemon *dm, const char *marked);
/* Wait for the marked (stopped) devices, then delete them. */
void daemon_delete_marked(struct daemon *dm, const char *marked);
/* The IO threads of d left without us asking (`del` or `quiesce` from outside). */
void daemon_device_gone(struct daemon *dm, struct ddev *d);
void daemon_free(struct daemon *dm);

/* daemon_safe_stop.c */
#define DAEMON_RETRY_MS		1000
/*
 * Stop the marked devices, with TRY_STOP_DEV where the kernel has it: one in
 * use is unmarked, flagged removing and reported (why: "removed from FILE").
 * Returns how many are in use.
 */
unsigned int daemon_safe_stop_marked(struct daemon *dm, char *marked, const char *why);
/* Try the removing devices again; those released are deleted. How many wait still. */
unsigned int daemon_retry_removals(struct daemon *dm);
/* Drop the marked slots and their stanzas. */
void daemon_forget_marked(struct daemon *dm, const char *marked);
/* SIGTERM: safe-stop the devices without recovery; how many are in use (0: none). */
unsigned int daemon_sigterm_safe_stop(struct daemon *dm);

/* daemon_recovery.c */
#define FIND_ADD	(-1)	/* nothing to re-attach to: add a new device */
#define FIND_FAIL	(-2)	/* there is one, but the stanza must not start */
/*
 * The device a previous daemon left to this stanza (recovery != none): its
 * id, FIND_ADD or FIND_FAIL (logged). dev is the prepared device: its
 * target is open, so the size it gives is known.
 */
int daemon_find_recoverable(const struct daemon *dm, const struct ddev *d,
			    const struct device *dev);
/* SIGTERM: leave a recovery device to the next daemon, its state file kept. */
void daemon_leave_device(struct ddev *d);
/*
 * After d's IO threads left on their own: does the kernel keep the device
 * for a new daemon (quiesced from outside)? 1 with its state in *state.
 */
int daemon_device_kept(const struct ddev *d, int *state);
/* State files of this config file whose stanza is gone. */
void daemon_check_orphans(const struct daemon *dm);

#endif
