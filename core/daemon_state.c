// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_state.h"
#include "process.h"
#include "log.h"
#include "run_dir.h"

int daemon_state_write(const char *run_dir, const struct daemon_state *st)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *f;
	int fd, bad;

	snprintf(path, sizeof(path), "%s/%s.state", run_dir, st->name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, RUN_DIR_STATE_MODE);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		log_error("%s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fprintf(f, "# ublk-server daemon state\n");
	fprintf(f, "name=%s\n", st->name);
	fprintf(f, "dev_id=%d\n", st->dev_id);
	fprintf(f, "pid=%d\n", (int)st->pid);
	fprintf(f, "config=%s\n", st->config ? st->config : "");
	fprintf(f, "target=%s\n", st->target ? st->target : "");
	bad = fflush(f) || fsync(fileno(f));
	bad |= fclose(f);
	if (bad || rename(tmp, path)) {
		log_error("%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

void daemon_state_remove(const char *run_dir, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.state", run_dir, name);
	if (unlink(path) && errno != ENOENT)
		log_warn("%s: %s", path, strerror(errno));
}

static char *dup_value(char **field, const char *value)
{
	free(*field);
	*field = strdup(value);
	return *field;
}

int daemon_state_read(const char *run_dir, const char *name, struct daemon_state_file *st)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	int have_id = 0, ok = 1;
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->dev_id = -1;
	snprintf(path, sizeof(path), "%s/%s.state", run_dir, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (ok && getline(&line, &cap, f) >= 0) {
		char *eq, *val, *end;
		long v;

		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || !(eq = strchr(line, '=')))
			continue;
		*eq = '\0';
		val = eq + 1;
		if (!strcmp(line, "dev_id") || !strcmp(line, "pid")) {
			errno = 0;
			v = strtol(val, &end, 10);
			if (!isdigit((unsigned char)*val) || *end || errno || v > INT_MAX)
				continue;
			if (line[0] == 'd') {
				st->dev_id = (int)v;
				have_id = 1;
			} else {
				st->pid = (pid_t)v;
			}
		} else if (!strcmp(line, "name")) {
			ok = dup_value(&st->name, val) != NULL;
		} else if (!strcmp(line, "config")) {
			ok = dup_value(&st->config, val) != NULL;
		} else if (!strcmp(line, "target")) {
			ok = dup_value(&st->target, val) != NULL;
		}
	}
	free(line);
	fclose(f);
	if (!ok || !have_id) {
		daemon_state_file_free(st);
		return ok ? -EINVAL : -ENOMEM;
	}
	return 0;
}

void daemon_state_file_free(struct daemon_state_file *st)
{
	free(st->name);
	free(st->config);
	free(st->target);
	memset(st, 0, sizeof(*st));
	st->dev_id = -1;
}


/*
 * main() makes daemon mode out of `ublk-server daemon ...` and of any first
 * argument that is an option (`ublk-server -c FILE`, except -h/--help).
 */
int pid_is_config_daemon(pid_t pid)
{
	char path[64], buf[4096];
	const char *arg1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	arg1 = memchr(buf, '\0', (size_t)n);
	if (!arg1 || arg1 + 1 >= buf + n)
		return 0;
	arg1++;
	if (!strcmp(arg1, "daemon"))
		return 1;
	return arg1[0] == '-' && strcmp(arg1, "-h") && strcmp(arg1, "--help");
}
