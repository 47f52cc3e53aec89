/* SPDX-License-Identifier: MIT */
/*
 * A plugin is code loaded into a root process: when the server runs as root
 * it loads only from a directory and files that nobody but root can change,
 * as sshd and sudo refuse their configuration files. The rule is the same
 * for the compiled-in directory, --plugin-dir and $UBLK_PLUGIN_DIR: a
 * development tree used as root must be owned by root and not group or
 * world writable (a checkout owned by a user is not trusted by root).
 * Parent directories are not checked.
 */
#ifndef UBLK_SERVER_PLUGIN_TRUST_H
#define UBLK_SERVER_PLUGIN_TRUST_H

#include <stddef.h>
#include <sys/types.h>

#define PLUGIN_NAME_MAX	64

/* Target and filter names: [A-Za-z0-9_-]+, at most PLUGIN_NAME_MAX bytes. */
int plugin_name_valid(const char *name);

/*
 * 0 if path (a directory or a plugin file, symlinks followed) may be loaded
 * by a process running as euid; else -1 with why set to "PATH is writable by
 * group"... (one clause, no origin). Only euid 0 is checked: a user can only
 * hurt itself.
 */
int plugin_trust_check(const char *path, uid_t euid, char *why, size_t len);

/*
 * Everything a load of path (dir/NAME.so) relies on, for this process's
 * euid: the directory, the file, and where a symlink really points.
 */
int plugin_trust_load(const char *dir, const char *path, char *why, size_t len);

#endif
