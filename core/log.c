// SPDX-License-Identifier: MIT
/*
 * One-line messages: "ublk-server: message" on stderr, "<N>message" on
 * stderr under journald, or syslog once the daemon has detached from its
 * terminal.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>

#include "log.h"

int log_level = LOG_LEVEL_INFO;
static int log_to_syslog;
static int log_prefix;

/* dev_id -> stanza name, for the devices this process serves. */
#define LOG_MAX_NAMED	256
static struct {
	int dev_id;
	char name[64];
} named[LOG_MAX_NAMED];
static unsigned int nr_named;
static pthread_mutex_t named_lock = PTHREAD_MUTEX_INITIALIZER;

void log_name_device(int dev_id, const char *name)
{
	unsigned int i;

	pthread_mutex_lock(&named_lock);
	for (i = 0; i < nr_named && named[i].dev_id != dev_id; i++)
		;
	if (!name || !*name) {
		if (i < nr_named)
			named[i] = named[--nr_named];
	} else if (i < LOG_MAX_NAMED) {
		named[i].dev_id = dev_id;
		snprintf(named[i].name, sizeof(named[i].name), "%s", name);
		if (i == nr_named)
			nr_named++;
	}
	pthread_mutex_unlock(&named_lock);
}

/* The name of the device a line is about ("dev 3:", "device 3 ..."), into buf. */
static int line_device_name(const char *line, char *buf, size_t len)
{
	const char *p = line;
	unsigned int i;
	int found = 0;
	long id;

	if (!nr_named || strstr(line, "[device "))
		return 0;
	if (!strncmp(p, "device ", 7))
		p += 7;
	else if (!strncmp(p, "dev ", 4))
		p += 4;
	else
		return 0;
	if (!isdigit((unsigned char)*p))
		return 0;
	id = strtol(p, NULL, 10);
	pthread_mutex_lock(&named_lock);
	for (i = 0; i < nr_named; i++) {
		if (named[i].dev_id == id) {
			snprintf(buf, len, "%s", named[i].name);
			found = 1;
			break;
		}
	}
	pthread_mutex_unlock(&named_lock);
	return found;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE of the stream it gave us as stderr. */
static int stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long d, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &d, &ino) != 2 || fstat(2, &st))
		return 0;
	return (unsigned long long)st.st_dev == d && (unsigned long long)st.st_ino == ino;
}

void log_set_syslog_prefix(int mode)
{
	log_prefix = mode == LOG_PREFIX_ON || (mode == LOG_PREFIX_AUTO && stderr_is_journal());
}

int log_prefix_mode_parse(const char *str)
{
	if (!strcmp(str, "auto"))
		return LOG_PREFIX_AUTO;
	if (!strcmp(str, "on") || !strcmp(str, "yes") || !strcmp(str, "1"))
		return LOG_PREFIX_ON;
	if (!strcmp(str, "off") || !strcmp(str, "no") || !strcmp(str, "0"))
		return LOG_PREFIX_OFF;
	return -1;
}

void log_use_syslog(int on)
{
	if (on && !log_to_syslog)
		openlog("ublk-server", LOG_PID, LOG_DAEMON);
	log_to_syslog = on;
}

void log_vmsg(int level, const char *fmt, va_list ap)
{
	static const int syslog_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char line[1024], name[64];
	const char *sep = "";
	size_t len;
	int prio;

	if (level > log_level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	while (len && line[len - 1] == '\n')
		line[--len] = '\0';

	prio = syslog_prio[level < 0 ? 0 : level > 3 ? 3 : level];
	if (line_device_name(line, name, sizeof(name)))
		sep = " ";
	else
		name[0] = '\0';
	if (log_to_syslog)
		syslog(prio, "%s%s%s%s%s", *sep ? "[device " : "", name, *sep ? "]" : "", sep, line);
	else if (log_prefix)
		fprintf(stderr, "<%d>%s%s%s%s%s\n", prio, *sep ? "[device " : "", name,
			*sep ? "]" : "", sep, line);
	else
		fprintf(stderr, "ublk-server: %s%s%s%s%s\n", *sep ? "[device " : "", name,
			*sep ? "]" : "", sep, line);
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
