// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "run_dir.h"

static char *run_dir;
static unsigned int stats_mode = RUN_DIR_STATS_MODE;

void run_dir_set_stats_mode(unsigned int mode)
{
	stats_mode = mode;
}

unsigned int run_dir_stats_mode(void)
{
	return stats_mode;
}

int run_dir_parse_stats_mode(const char *s, unsigned int *mode)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '7')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno || *end || end - s > 4 || (v & ~0644UL) || (v & 0600) != 0600)
		return -1;
	*mode = (unsigned int)v;
	return 0;
}

/* Search (and list) the directory for the classes that may read the stats. */
static mode_t dir_mode(void)
{
	mode_t m = 0700;

	if (stats_mode & 0040)
		m |= 0050;
	if (stats_mode & 0004)
		m |= 0005;
	return m;
}

/* mkdir with exactly MODE, whatever the umask; 0 if it exists already. */
static int make_dir(const char *path, mode_t mode)
{
	if (mkdir(path, mode))
		return errno == EEXIST ? 0 : -errno;
	return chmod(path, mode) ? -errno : 0;
}

void run_dir_set(const char *dir)
{
	free(run_dir);
	run_dir = dir ? strdup(dir) : NULL;
}

const char *run_dir_get(void)
{
	const char *env = getenv("UBLK_RUN_DIR");
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (run_dir)
		return run_dir;
	if (env && *env)
		return env;
	/* A user who is not root (unprivileged devices): the user's own runtime dir. */
	if (geteuid() != 0 && xdg && *xdg) {
		static char user_dir[PATH_MAX];

		if (!user_dir[0])
			snprintf(user_dir, sizeof(user_dir), "%s/ublk-server", xdg);
		return user_dir;
	}
	return DEFAULT_RUN_DIR;
}

int run_dir_ensure(void)
{
	char path[PATH_MAX], *p;
	int ret;

	snprintf(path, sizeof(path), "%s", run_dir_get());
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		ret = make_dir(path, 0755);
		if (ret)
			return ret;
		*p = '/';
	}
	return make_dir(path, dir_mode());
}
