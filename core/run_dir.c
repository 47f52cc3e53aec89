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

	snprintf(path, sizeof(path), "%s", run_dir_get());
	for (p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}
