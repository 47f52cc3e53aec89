// SPDX-License-Identifier: MIT
/*
 * Least privilege on disk: the run dir's and the stats files' modes
 * (run_dir.c, [global] stats_mode) and the refusal of a configuration file
 * that others can write (config_ini.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "config_ini.h"
#include "log.h"
#include "run_dir.h"
#include "unit.h"

static char tmp[] = "/tmp/ublk-lp-test.XXXXXX";

static unsigned int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0xffff : (unsigned int)(st.st_mode & 07777);
}

static void test_parse_stats_mode(void)
{
	static const char *const good[] = { "0600", "600", "0640", "0604", "0644" };
	static const char *const bad[] = { "", "0", "0400", "0660", "0666", "0700", "0755",
		"1644", "00644", "0648", "644x", "-644", "+644", " 644", "0x1a4", "420" };
	unsigned int i, m;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(run_dir_parse_stats_mode(good[i], &m) == 0);
	CHECK(run_dir_parse_stats_mode("0640", &m) == 0 && m == 0640);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (run_dir_parse_stats_mode(bad[i], &m) != -1) {
			fprintf(stderr, "stats_mode '%s' accepted\n", bad[i]);
			unit_failures++;
		}
	}
}

static int load_text(struct ini_config *c, const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp, name);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return -2;
	fputs(text, f);
	fclose(f);
	CHECK(chmod(path, mode) == 0);
	return config_ini_load(c, path);
}

static void test_config_file(void)
{
	static const char text[] = "[global]\nstats_mode = 0640\n[device a]\ntarget = null\n";
	struct ini_config c;

	CHECK(load_text(&c, "ok.ini", text, 0644) == 0);
	CHECK(c.stats_mode == 0640 && c.nr_devs == 1);
	config_ini_free(&c);
	/* Group-writable is the admin's choice; others-writable is refused. */
	CHECK(load_text(&c, "g.ini", text, 0664) == 0);
	config_ini_free(&c);
	CHECK(load_text(&c, "o.ini", text, 0646) == -1);
	CHECK(c.nr_devs == 0);
	config_ini_free(&c);
	CHECK(load_text(&c, "w.ini", text, 0666) == -1);
	config_ini_free(&c);
	/* Default: root only. */
	CHECK(load_text(&c, "d.ini", "[device a]\ntarget = null\n", 0600) == 0);
	CHECK(c.stats_mode == 0600);
	config_ini_free(&c);
	CHECK(load_text(&c, "bad.ini", "[global]\nstats_mode = 0666\n", 0600) == -1);
	CHECK(c.error_line == 2);
	config_ini_free(&c);
}

static void test_run_dir_modes(void)
{
	char dir[256], sub[300];

	/* Created 0700 whatever the umask; parents 0755. */
	umask(0);
	snprintf(dir, sizeof(dir), "%s/a/run", tmp);
	run_dir_set(dir);
	run_dir_set_stats_mode(0600);
	CHECK(run_dir_ensure() == 0);
	CHECK(mode_of(dir) == 0700);
	snprintf(sub, sizeof(sub), "%s/a", tmp);
	CHECK(mode_of(sub) == 0755);
	umask(077);
	snprintf(dir, sizeof(dir), "%s/b", tmp);
	run_dir_set(dir);
	CHECK(run_dir_ensure() == 0);
	CHECK(mode_of(dir) == 0700);
	/* Opened as far as stats_mode lets readers in. */
	snprintf(dir, sizeof(dir), "%s/c", tmp);
	run_dir_set(dir);
	run_dir_set_stats_mode(0640);
	CHECK(run_dir_ensure() == 0);
	CHECK(mode_of(dir) == 0750);
	snprintf(dir, sizeof(dir), "%s/d", tmp);
	run_dir_set(dir);
	run_dir_set_stats_mode(0644);
	CHECK(run_dir_ensure() == 0);
	CHECK(mode_of(dir) == 0755);
	/* An existing directory is left as it is. */
	snprintf(dir, sizeof(dir), "%s/e", tmp);
	CHECK(mkdir(dir, 0711) == 0);
	CHECK(chmod(dir, 0711) == 0);
	run_dir_set(dir);
	run_dir_set_stats_mode(0600);
	CHECK(run_dir_ensure() == 0);
	CHECK(mode_of(dir) == 0711);
	run_dir_set(NULL);
}

int main(void)
{
	char cmd[300];
	int ret;

	log_level = getenv("VERBOSE") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR;
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	test_parse_stats_mode();
	test_config_file();
	test_run_dir_modes();
	ret = UNIT_RESULT();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return ret;
}
