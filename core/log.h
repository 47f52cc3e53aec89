/* SPDX-License-Identifier: MIT */
#ifndef UBLK_SERVER_LOG_H
#define UBLK_SERVER_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

extern int log_level;

/* Route messages to syslog instead of stderr (detached daemons). */
void log_use_syslog(int on);

/*
 * "<N>" syslog priority prefixes on stderr lines, which journald (and
 * systemd's stderr capture) turn into the priority of the message.
 */
enum log_prefix_mode {
	LOG_PREFIX_AUTO = 0,	/* on when stderr is journald's stream ($JOURNAL_STREAM) */
	LOG_PREFIX_ON,
	LOG_PREFIX_OFF,
};
void log_set_syslog_prefix(int mode);
/* "auto", "on"/"yes"/"1", "off"/"no"/"0" -> mode; -1 if unknown. */
int log_prefix_mode_parse(const char *str);

/*
 * Lines that concern device dev_id ("dev 3: ...", "device 3: ...") also name
 * it: "[device NAME] dev 3: ...". name NULL forgets it. Thread-safe.
 */
void log_name_device(int dev_id, const char *name);

void log_vmsg(int level, const char *fmt, va_list ap);
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...)	log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)	log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* "error", "warn", "info", "debug" or 0..3 -> level; -1 if unknown. */
int log_level_parse(const char *str);

#endif
