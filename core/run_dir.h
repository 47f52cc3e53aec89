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
/* Create the directory (and parents) if needed; -errno on failure. */
int run_dir_ensure(void);

#endif
