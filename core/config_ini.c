// SPDX-License-Identifier: MIT
/*
 * devices.ini: libinih splits `key = value`; everything line-related is done
 * here, in the reader we hand to ini_parse_stream():
 *  - line numbers (Debian's libinih is built with INI_HANDLER_LINENO=0, so
 *    the handler never learns them);
 *  - indentation is stripped, so libinih's multi-line continuation (on in
 *    Debian's build: an indented `key = v` would silently become a second
 *    value of the previous key) never happens;
 *  - inline comments: ';' or '#' after whitespace (libinih alone only knows
 *    ';', so `size = 1G # data` would be the value "1G # data");
 *  - section headers are parsed here: libinih truncates section names at 50
 *    characters, accepts `[a]junk`, and never reports an empty section;
 *  - a line longer than libinih's buffer (200 bytes) is an error instead of
 *    being split into two lines.
 * Parsing stops at the first error, which is logged as one line.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ini.h>

#include "config_ini.h"
#include "log.h"
#include "metrics_http.h"
#include "run_dir.h"

enum section_kind { SEC_NONE, SEC_GLOBAL, SEC_DEVICE };

struct parse_state {
	struct ini_config *c;
	FILE *f;
	char *buf;
	size_t cap;
	unsigned int lineno;
	int failed;		/* the first error is logged: stop */
	int eof;
	enum section_kind sec;
	struct ini_device *dev;	/* current [device NAME] */
};

static void __attribute__((format(printf, 3, 4)))
parse_error(struct parse_state *s, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (s->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_error("%s:%u: %s", s->c->path, line, msg);
	s->failed = 1;
	s->c->error_line = line;
}

/* An error dev_config_set() or another callee already logged. */
static void parse_failed(struct parse_state *s, unsigned int line)
{
	if (s->failed)
		return;
	s->failed = 1;
	s->c->error_line = line;
}

static char *trim(char *p)
{
	char *end;

	while (isspace((unsigned char)*p))
		p++;
	end = p + strlen(p);
	while (end > p && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return p;
}

static int valid_name(const char *name)
{
	const char *p;

	if (!*name || *name == '.' || strlen(name) > MAX_DEVICE_NAME)
		return 0;
	for (p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
			return 0;
	return 1;
}

struct ini_device *config_ini_find(const struct ini_config *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->nr_devs; i++)
		if (c->devs[i] && c->devs[i]->cfg.name && !strcmp(c->devs[i]->cfg.name, name))
			return c->devs[i];
	return NULL;
}

static void begin_section(struct parse_state *s, char *header)
{
	struct ini_config *c = s->c;
	struct ini_device *d, **devs;
	char *type = trim(header), *name = type, origin[512];

	while (*name && !isspace((unsigned char)*name))
		name++;
	if (*name)
		*name++ = '\0';
	name = trim(name);

	s->sec = SEC_NONE;
	s->dev = NULL;
	if (!strcmp(type, "global")) {
		if (*name) {
			parse_error(s, s->lineno, "[global] takes no name");
			return;
		}
		if (c->global_line) {
			parse_error(s, s->lineno, "duplicate [global] section (first at line %u)",
				    c->global_line);
			return;
		}
		c->global_line = s->lineno;
		s->sec = SEC_GLOBAL;
		return;
	}
	if (strcmp(type, "device")) {
		parse_error(s, s->lineno,
			    "unknown section type '%s': expected [global] or [device NAME]", type);
		return;
	}
	if (!*name) {
		parse_error(s, s->lineno, "a device section needs a name: [device NAME]");
		return;
	}
	if (!valid_name(name)) {
		parse_error(s, s->lineno,
			    "device name '%.80s' must be 1 to %d letters, digits, '_', '.' or '-', not starting with '.'",
			    name, MAX_DEVICE_NAME);
		return;
	}
	d = config_ini_find(c, name);
	if (d) {
		parse_error(s, s->lineno, "duplicate device name '%s' (first at line %u)",
			    name, d->line);
		return;
	}
	d = calloc(1, sizeof(*d));
	devs = realloc(c->devs, (c->nr_devs + 1) * sizeof(*devs));
	if (!d || !devs) {
		free(d);
		if (devs)
			c->devs = devs;
		parse_error(s, s->lineno, "out of memory");
		return;
	}
	c->devs = devs;
	dev_config_init(&d->cfg);
	snprintf(origin, sizeof(origin), "%s:%u", c->path, s->lineno);
	d->cfg.name = strdup(name);
	d->cfg.origin = strdup(origin);
	d->line = s->lineno;
	c->devs[c->nr_devs++] = d;
	s->sec = SEC_DEVICE;
	s->dev = d;
}

/*
 * libinih's reader: one physical line per call (so libinih's own line count,
 * in its return value, is ours too), cleaned up as described at the top.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parse_state *s = stream;
	char *line, *p;
	ssize_t len;

	if (s->failed || s->eof)
		return NULL;
	len = getline(&s->buf, &s->cap, s->f);
	if (len < 0) {
		s->eof = 1;
		return NULL;
	}
	s->lineno++;
	line = s->buf;
	if (s->lineno == 1 && !strncmp(line, "\xEF\xBB\xBF", 3))
		line += 3;
	if (memchr(line, '\0', (size_t)len - (size_t)(line - s->buf))) {
		parse_error(s, s->lineno, "syntax error: NUL byte in the line");
		return NULL;
	}
	for (p = line; *p; p++) {
		if ((*p == ';' || *p == '#') && (p == line || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	line = trim(line);
	str[0] = '\0';
	if (!*line)
		return str;
	if (*line == '[') {
		size_t n = strlen(line);

		if (line[n - 1] != ']') {
			parse_error(s, s->lineno,
				    "syntax error: a section header is [global] or [device NAME], with a closing ']'");
			return NULL;
		}
		line[n - 1] = '\0';
		begin_section(s, line + 1);
		return s->failed ? NULL : str;
	}
	if (!strpbrk(line, "=:")) {
		parse_error(s, s->lineno, "syntax error: expected 'key = value', not '%.60s'", line);
		return NULL;
	}
	if (strlen(line) + 2 > (size_t)num) {
		parse_error(s, s->lineno, "line too long (at most %d characters)", num - 3);
		return NULL;
	}
	snprintf(str, (size_t)num, "%s\n", line);
	return str;
}

static int set_global(struct parse_state *s, const char *key, const char *value)
{
	struct ini_config *c = s->c;
	char **field;
	int level;

	if (!strcmp(key, "log_level")) {
		level = log_level_parse(value);
		if (level < 0) {
			parse_error(s, s->lineno,
				    "log_level must be error, warn, info or debug, not '%s'", value);
			return 0;
		}
		c->log_level = level;
		return 1;
	}
	if (!strcmp(key, "log_syslog_prefix")) {
		level = log_prefix_mode_parse(value);
		if (level < 0) {
			parse_error(s, s->lineno,
				    "log_syslog_prefix must be auto, on or off, not '%s'", value);
			return 0;
		}
		c->log_syslog_prefix = level;
		return 1;
	}
	if (!strcmp(key, "metrics_listen")) {
		const char *why;

		if (metrics_listen_check(value, &why)) {
			parse_error(s, s->lineno, "metrics_listen = %s: %s", value, why);
			return 0;
		}
		free(c->metrics_listen);
		c->metrics_listen = strdup(value);
		c->metrics_line = s->lineno;
		return 1;
	}
	if (!strcmp(key, "stats_mode")) {
		if (run_dir_parse_stats_mode(value, &c->stats_mode)) {
			parse_error(s, s->lineno,
				    "stats_mode must be an octal mode from 0600 to 0644 (owner rw; group and others r at most), not '%s'",
				    value);
			return 0;
		}
		return 1;
	}
	if (!strcmp(key, "plugin_dir"))
		field = &c->plugin_dir;
	else if (!strcmp(key, "run_dir"))
		field = &c->run_dir;
	else {
		parse_error(s, s->lineno,
			    "unknown key '%s' in [global] (known: plugin_dir, log_level, run_dir, metrics_listen, log_syslog_prefix, stats_mode)",
			    key);
		return 0;
	}
	if (*value != '/') {
		parse_error(s, s->lineno, "%s must be an absolute path, not '%s'", key, value);
		return 0;
	}
	free(*field);
	*field = strdup(value);
	return 1;
}

/* libinih's handler; returns 0 on error. The section is ours, not its. */
static int handle_key(void *user, const char *section, const char *key, const char *value)
{
	struct parse_state *s = user;
	char origin[512];

	(void)section;
	if (s->failed)
		return 0;
	if (!*key) {
		parse_error(s, s->lineno, "syntax error: no key before '='");
		return 0;
	}
	switch (s->sec) {
	case SEC_NONE:
		parse_error(s, s->lineno,
			    "key '%s' is outside any section: put it under [global] or [device NAME]",
			    key);
		return 0;
	case SEC_GLOBAL:
		return set_global(s, key, value);
	case SEC_DEVICE:
		snprintf(origin, sizeof(origin), "%s:%u", s->c->path, s->lineno);
		if (dev_config_set(&s->dev->cfg, key, value, origin)) {
			parse_failed(s, s->lineno);
			return 0;
		}
		return 1;
	}
	return 0;
}

static unsigned int origin_line(const char *origin)
{
	const char *colon = origin ? strrchr(origin, ':') : NULL;

	return colon ? (unsigned int)strtoul(colon + 1, NULL, 10) : 0;
}

/* Checks across keys and stanzas, once the file is read. */
static void check_devices(struct parse_state *s)
{
	struct ini_config *c = s->c;
	unsigned int i, j;

	for (i = 0; i < c->nr_devs && !s->failed; i++) {
		const struct dev_config *cfg = &c->devs[i]->cfg;

		if (dev_config_validate(cfg)) {
			parse_failed(s, c->devs[i]->line);
			break;
		}
		if (cfg->dev_id < 0)
			continue;
		for (j = 0; j < i; j++) {
			const struct dev_config *other = &c->devs[j]->cfg;
			const char *origin = dev_config_origin(cfg, KEY_DEV_ID);

			if (other->dev_id != cfg->dev_id)
				continue;
			log_error("%s: dev_id %d is already used by [device %s] (line %u)",
				  origin, cfg->dev_id, other->name,
				  origin_line(dev_config_origin(other, KEY_DEV_ID)));
			parse_failed(s, origin_line(origin));
			break;
		}
	}
}

static void config_init(struct ini_config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = -1;
	c->log_syslog_prefix = -1;
	c->stats_mode = RUN_DIR_STATS_MODE;
}

int config_ini_parse_stream(struct ini_config *c, FILE *f, const char *name)
{
	struct parse_state s;
	unsigned int error_line;
	int ret;

	config_init(c);
	c->path = strdup(name);
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.f = f;
	ret = ini_parse_stream(read_line, &s, handle_key, &s);
	if (ret == -2)
		parse_error(&s, s.lineno, "out of memory");
	else if (ret > 0 && !s.failed)
		parse_error(&s, (unsigned int)ret, "syntax error");
	if (!s.failed && ferror(f))
		parse_error(&s, s.lineno, "read error: %s", strerror(errno));
	if (!s.failed)
		check_devices(&s);
	free(s.buf);
	if (!s.failed)
		return 0;
	error_line = c->error_line;
	config_ini_free(c);
	c->error_line = error_line;
	return -1;
}

int config_ini_load_named(struct ini_config *c, const char *path, const char *name)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	int ret;

	config_init(c);
	if (!f) {
		log_error("%s: cannot open: %s", name, strerror(errno));
		return -1;
	}
	/* Whoever may write it decides what root runs: not anybody. */
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & S_IWOTH)) {
		log_error("%s: writable by others (mode %04o): refusing it (chmod o-w %s)", name,
			  (unsigned int)(st.st_mode & 07777), name);
		fclose(f);
		return -1;
	}
	ret = config_ini_parse_stream(c, f, name);
	fclose(f);
	return ret;
}

int config_ini_load(struct ini_config *c, const char *path)
{
	return config_ini_load_named(c, path, path);
}

void config_ini_free(struct ini_config *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_devs; i++) {
		if (!c->devs[i])
			continue;
		dev_config_free(&c->devs[i]->cfg);
		free(c->devs[i]);
	}
	free(c->devs);
	free(c->path);
	free(c->plugin_dir);
	free(c->run_dir);
	free(c->metrics_listen);
	config_init(c);
}
