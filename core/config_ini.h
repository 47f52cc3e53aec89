/* SPDX-License-Identifier: MIT */
/*
 * The daemon's configuration file (`ublk-server -c devices.ini`), parsed with
 * libinih:
 *
 *   [global]                      ; optional, at most once
 *   plugin_dir = /usr/lib/ublk-server/plugins
 *   log_level = info              ; error, warn, info, debug
 *   run_dir = /run/ublk-server    ; where per-device state files go
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
/* The same from an open stream; name is the FILE in messages. */
int config_ini_parse_stream(struct ini_config *c, FILE *f, const char *name);
void config_ini_free(struct ini_config *c);

/* A stanza by name, or NULL. */
struct ini_device *config_ini_find(const struct ini_config *c, const char *name);

#endif
