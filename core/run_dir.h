/* SPDX-License-Identifier: MIT */
/*
 * Where the server keeps runtime state that other invocations read:
 * per-device statistics (stats.c) and daemon state files.
 */
#ifndef UBLK_SERVER_RUN_DIR_H
#define UBLK_SERVER_RUN_DIR_H

#define DEFAULT_RUN_DIR "/run/ublk-server"

/*
 * --run-dir / [global] run_dir; else $UBLK_RUN_DIR; else, for a user who is
 * not root, $XDG_RUNTIME_DIR/ublk-server; else the default.
 */
void run_dir_set(const char *dir);
const char *run_dir_get(void);
/*
 * Create the directory (and parents) if needed; -errno on failure. A
 * directory created here gets mode 0700, widened only to let those whom
 * stats_mode lets read the statistics reach them (0750 for 0640, 0755 for
 * 0644); parents it creates get 0755. An existing directory is left as it is.
 */
int run_dir_ensure(void);

/*
 * The mode of the statistics files: 0600 (root only) unless [global]
 * stats_mode says otherwise. State files are always 0600.
 */
#define RUN_DIR_STATE_MODE	0600
#define RUN_DIR_STATS_MODE	0600
void run_dir_set_stats_mode(unsigned int mode);
unsigned int run_dir_stats_mode(void);
/* A stats_mode value: octal, owner rw, nothing beyond 0644; -1 if not. */
int run_dir_parse_stats_mode(const char *s, unsigned int *mode);

#endif
