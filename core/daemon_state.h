/* SPDX-License-Identifier: MIT */
/*
 * What a config-file daemon leaves in its run dir (run_dir.h: --run-dir,
 * [global] run_dir, $UBLK_RUN_DIR, /run/ublk-server)
 * while it serves devices: one file per device, RUN_DIR/NAME.state (NAME is
 * the stanza name), written atomically (NAME.state.tmp, then rename) once the
 * device is LIVE and removed when the device is deleted. Simple key=value
 * lines, '#' starts a comment, readers ignore keys they do not know:
 *
 *   # ublk-server daemon state
 *   name=data0                     stanza name: [device data0]
 *   dev_id=3                       the ublk device id (/dev/ublkb3)
 *   pid=1234                       the daemon serving it
 *   config=/etc/ublk/devices.ini   absolute path of the config file
 *   target=loop                    the target plugin
 *
 * A file whose pid is dead describes a device whose daemon died (it may still
 * exist in the kernel, e.g. for recovery). A stanza with `recovery =` other
 * than none keeps its file when the daemon leaves the device for the next one
 * (SIGTERM, or a crash): the next daemon of the same config file reads it back
 * and re-attaches to that dev_id (daemon.c).
 */
#ifndef UBLK_SERVER_DAEMON_STATE_H
#define UBLK_SERVER_DAEMON_STATE_H

#include <sys/types.h>

struct daemon_state {
	const char *name;
	int dev_id;
	pid_t pid;
	const char *config;
	const char *target;
};

/* Write RUN_DIR/NAME.state atomically; 0 or -1 after logging. */
int daemon_state_write(const char *run_dir, const struct daemon_state *st);
void daemon_state_remove(const char *run_dir, const char *name);

/* A state file read back: strings owned, released by daemon_state_file_free(). */
struct daemon_state_file {
	char *name;
	int dev_id;
	pid_t pid;			/* 0: not recorded */
	char *config;
	char *target;
};

/*
 * Read RUN_DIR/NAME.state. 0; -ENOENT when there is none; -EINVAL when it is
 * not one (no valid dev_id). Unknown keys and comments are skipped.
 */
int daemon_state_read(const char *run_dir, const char *name, struct daemon_state_file *st);
void daemon_state_file_free(struct daemon_state_file *st);


/*
 * Is pid a config-file daemon (`ublk-server -c FILE` / `ublk-server daemon`)?
 * Such a daemon outlives its devices (a reload may add more), so `del` must
 * not wait for it to exit.
 */
int pid_is_config_daemon(pid_t pid);

#endif
