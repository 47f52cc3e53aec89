// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "process.h"

#define PF_EXITING 0x4	/* include/linux/sched.h */

int process_is_running(pid_t pid)
{
	char path[64], buf[512], *p, state;
	unsigned int flags;
	FILE *f;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* The command name may hold spaces and parentheses: skip past the last ')'. */
	p = p ? strrchr(buf, ')') : NULL;
	/* State is field 3, flags field 9. */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %u", &state, &flags) != 2)
		return 0;
	return state != 'Z' && state != 'X' && !(flags & PF_EXITING);
}
