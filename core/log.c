// SPDX-License-Identifier: MIT
/*
 * One-line messages: "ublk-server: message" on stderr, or syslog once the
 * daemon has detached from its terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "log.h"

int log_level = LOG_LEVEL_INFO;
static int log_to_syslog;

void log_use_syslog(int on)
{
	if (on && !log_to_syslog)
		openlog("ublk-server", LOG_PID, LOG_DAEMON);
	log_to_syslog = on;
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024];
	size_t len;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';

	if (log_to_syslog)
		syslog(syslog_prio[level < 0 ? 0 : level > 3 ? 3 : level], "%s", line);
	else
		fprintf(stderr, "ublk-server: %s\n", line);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int log_level_parse(const char *str)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char *end;
	long v;
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(str, names[i]))
			return i;
	v = strtol(str, &end, 10);
	if (*str && !*end && v >= 0 && v <= 3)
		return (int)v;
	return -1;
}
