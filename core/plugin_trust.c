// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin_trust.h"

int plugin_name_valid(const char *name)
{
	size_t n = 0;

	if (!name || !*name)
		return 0;
	for (; name[n]; n++) {
		char c = name[n];

		if (n >= PLUGIN_NAME_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int plugin_trust_check(const char *path, uid_t euid, char *why, size_t len)
{
	struct stat st;

	if (euid != 0)
		return 0;
	if (stat(path, &st)) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0) {
		snprintf(why, len, "%s is owned by uid %u, not root", path,
			 (unsigned int)st.st_uid);
		return -1;
	}
	if (st.st_mode & S_IWOTH) {
		snprintf(why, len, "%s is writable by others (mode %04o)", path,
			 (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_mode & S_IWGRP) {
		snprintf(why, len, "%s is writable by group (mode %04o)", path,
			 (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int plugin_trust_load(const char *dir, const char *path, char *why, size_t len)
{
	uid_t euid = geteuid();
	char real[PATH_MAX];

	if (plugin_trust_check(dir, euid, why, len) || plugin_trust_check(path, euid, why, len))
		return -1;
	if (euid != 0 || !realpath(path, real))
		return 0;
	/* A symlink: the file it names was checked; its directory must be safe too. */
	return plugin_trust_check(dirname(real), euid, why, len);
}
