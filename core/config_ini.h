/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration file (`ublk-server -c devices.ini`), parsed with
 * libinih:
 *
 *   [global]                      ; optional, at most once
 *   plugin_dir = /usr/lib/ublk-server/plugins
 *   log_level = info              ; error, warn, info, debug
 *   run_dir = /run/ublk-server    ; where per-device state files go
 *   metrics_listen = 127.0.0.1:9650  ; Prometheus /metrics over HTTP (or a
 *                                 ; Unix socket path); off when not set
 *   log_syslog_prefix = auto      ; "<N>" priorities on stderr: auto (under
 *                                 ; journald), on, off
 *   stats_mode = 0640             ; mode of the stats files (default 0600:
 *                                 ; root only); the run dir opens to match
 *
 *   [device data0]                ; one stanza per device; NAME is unique
 *   target = loop                 ; core keys: the same as the command line's
 *   queues = 2
 *   filters = trace, qos          ; filter layers over the target, outermost first
 *   qos.iops = 1000               ; NAME.key: a key for layer NAME
 *   file = /srv/data0.img         ; any other key goes to the one layer that
 *                                 ; lists it (config_keys), else to the target
 *   recovery = reissue            ; the device outlives the daemon: a restart
 *                                 ; re-attaches to it (daemon.c)
 *
 * Lines: `key = value` (or `key: value`), `[section]`, blank, or comments
 * starting with ';' or '#'. A ';' or '#' after whitespace starts an inline
 * comment. Indentation means nothing: there are no multi-line values (an
 * indented line is a line of its own), whatever libinih's build says.
 * A key may repeat where the target allows it (stripe: `file` per member).
 *
 * Every key keeps its origin "FILE:LINE", which is what errors print.
 */
#ifndef UBLK_SERVER_CONFIG_INI_H
#define UBLK_SERVER_CONFIG_INI_H

#include <stdio.h>

#include "dev_config.h"

#define MAX_DEVICE_NAME		64

struct ini_device {
	struct dev_config cfg;		/* cfg.name: stanza name, cfg.origin: "FILE:LINE" of its header */
	unsigned int line;		/* line of the [device NAME] header */
};

struct ini_config {
	char *path;			/* as given: the FILE of "FILE:LINE" */
	/* [global]; NULL / -1 when not set */
	char *plugin_dir;
	char *run_dir;
	int log_level;
	char *metrics_listen;
	unsigned int metrics_line;	/* line of metrics_listen */
	int log_syslog_prefix;		/* enum log_prefix_mode; -1: not set */
	unsigned int stats_mode;	/* RUN_DIR_STATS_MODE when not set */
	unsigned int global_line;	/* 0: no [global] section */
	/* The device stanzas, in file order. Entries may be stolen (set NULL). */
	struct ini_device **devs;
	unsigned int nr_devs;
	/* Line of the first error (0: none, or not tied to a line). */
	unsigned int error_line;
};

/*
 * Parse a file. On any error: one line "FILE:LINE: message" is logged, the
 * configuration is left empty (but freeable) and -1 returned. Besides the
 * syntax, it checks section types, stanza names, [global] keys, every core
 * key (dev_config_set), per-stanza consistency (dev_config_validate) and
 * duplicate names and dev_ids. Target keys are only checked by the plugin.
 */
int config_ini_load(struct ini_config *c, const char *path);
/*
 * The same, opening PATH but naming the file NAME in messages (a reload opens
 * the absolute path: the daemon's working directory is /). Both refuse a
 * file that others can write (one line naming it).
 */
int config_ini_load_named(struct ini_config *c, const char *path, const char *name);
/* The same from an open stream; name is the FILE in messages. */
int config_ini_parse_stream(struct ini_config *c, FILE *f, const char *name);
void config_ini_free(struct ini_config *c);

/* A stanza by name, or NULL. */
struct ini_device *config_ini_find(const struct ini_config *c, const char *name);

#endif
