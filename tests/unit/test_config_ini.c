// SPDX-License-Identifier: MIT
/* The daemon's INI parser (config_ini.c), and its sd_notify fallback. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config_ini.h"
#include "log.h"
#include "notify.h"
#include "ublk_abi.h"
#include "unit.h"

/* Parse text as the file "t.ini"; returns the parser's result. */
static int parse(struct ini_config *c, const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	if (!f) {
		CHECK(!"fmemopen");
		return -2;
	}
	ret = config_ini_parse_stream(c, f, "t.ini");
	fclose(f);
	return ret;
}

/* text must fail, at line `line`, leaving an empty configuration. */
static void expect_error(const char *text, unsigned int line, int test_line)
{
	struct ini_config c;
	int ret = parse(&c, text);

	if (ret != -1 || c.error_line != line || c.nr_devs || c.devs) {
		fprintf(stderr, "%s:%d: expected an error at line %u, got ret %d line %u\n",
			__FILE__, test_line, line, ret, c.error_line);
		unit_failures++;
	}
	config_ini_free(&c);
}
#define EXPECT_ERROR(text, line) expect_error(text, line, __LINE__)

static const char *key_origin(const struct dev_config *cfg, const char *key, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_plugin_keys; i++)
		if (!strcmp(cfg->plugin_keys[i].key, key) && !nth--)
			return cfg->plugin_keys[i].origin;
	return NULL;
}

static void test_good_file(void)
{
	static const char text[] =
		"# a comment\n"					/* 1 */
		"; another\n"					/* 2 */
		"\n"						/* 3 */
		"[global]\n"					/* 4 */
		"log_level = debug   ; inline\n"		/* 5 */
		"plugin_dir = /opt/plugins\n"			/* 6 */
		"run_dir=/tmp/run # inline too\n"		/* 7 */
		"\n"						/* 8 */
		"[device data0]\n"				/* 9 */
		"target = null\n"				/* 10 */
		"  size = 1G\n"					/* 11: indented, not a continuation */
		"queues = 4\n"					/* 12 */
		"depth: 64\n"					/* 13 */
		"dev_id = 7\n"					/* 14 */
		"recovery = reissue\n"				/* 15 */
		"[ device   big-stripe.1 ]\n"			/* 16 */
		"target = stripe\n"				/* 17 */
		"file = /a#b\n"					/* 18: '#' not after a space: data */
		"file = /c ; the second member\n"		/* 19 */
		"chunk_size = 64K\n"				/* 20 */
		"zero_copy = auto\n"				/* 21 */
		"read_only = yes\n"				/* 22 */
		"[device empty]\n"				/* 23 */
		"target=null\n";				/* 24 */
	const struct dev_config *d0, *d1;
	struct ini_config c;

	CHECK(parse(&c, text) == 0);
	CHECK(c.error_line == 0);
	CHECK(c.log_level == LOG_LEVEL_DEBUG);
	CHECK(c.plugin_dir && !strcmp(c.plugin_dir, "/opt/plugins"));
	CHECK(c.run_dir && !strcmp(c.run_dir, "/tmp/run"));
	CHECK(c.global_line == 4);
	CHECK(c.nr_devs == 3);
	if (c.nr_devs != 3)
		goto out;
	d0 = &c.devs[0]->cfg;
	d1 = &c.devs[1]->cfg;
	CHECK(!strcmp(d0->name, "data0") && c.devs[0]->line == 9);
	CHECK(!strcmp(d0->origin, "t.ini:9"));
	CHECK(!strcmp(d0->target, "null"));
	CHECK(d0->queues == 4 && d0->depth == 64 && d0->dev_id == 7);
	CHECK(d0->recovery == RECOVERY_REISSUE);
	CHECK(!strcmp(dev_config_origin(d0, KEY_QUEUES), "t.ini:12"));
	CHECK(!strcmp(dev_config_origin(d0, KEY_DEPTH), "t.ini:13"));
	CHECK(!strcmp(dev_config_origin(d0, KEY_NTHREADS), "t.ini:9"));	/* defaulted */
	CHECK(d0->nr_plugin_keys == 1 && !strcmp(d0->plugin_keys[0].key, "size") &&
	      !strcmp(d0->plugin_keys[0].value, "1G") &&
	      !strcmp(d0->plugin_keys[0].origin, "t.ini:11"));

	CHECK(!strcmp(d1->name, "big-stripe.1") && c.devs[1]->line == 16);
	CHECK(!strcmp(d1->target, "stripe") && d1->dev_id == -1);
	CHECK(d1->zero_copy == ZERO_COPY_AUTO && d1->read_only == 1);
	CHECK(d1->nr_plugin_keys == 3);
	CHECK(!strcmp(d1->plugin_keys[0].value, "/a#b"));
	CHECK(!strcmp(d1->plugin_keys[1].value, "/c"));
	CHECK(key_origin(d1, "file", 1) && !strcmp(key_origin(d1, "file", 1), "t.ini:19"));
	CHECK(key_origin(d1, "chunk_size", 0) && !strcmp(key_origin(d1, "chunk_size", 0), "t.ini:20"));

	CHECK(config_ini_find(&c, "empty") == c.devs[2]);
	CHECK(config_ini_find(&c, "nope") == NULL);
out:
	config_ini_free(&c);
}

/* Integrity keys in a stanza: the same keys as kublk's options, with origins. */
static void test_integrity_keys(void)
{
	static const char text[] =
		"[device pi]\n"				/* 1 */
		"target = loop\n"				/* 2 */
		"file = /a\n"					/* 3 */
		"meta_file = /a.meta\n"			/* 4 */
		"metadata_size = 64\n"				/* 5 */
		"pi_offset = 56\n"				/* 6 */
		"csum_type = t10dif\n"				/* 7 */
		"integrity_reftag = on\n"			/* 8 */
		"integrity_capable = yes\n"			/* 9 */
		"tag_size = 0\n";				/* 10 */
	struct ini_config c;
	const struct dev_config *d;

	CHECK(parse(&c, text) == 0);
	CHECK(c.nr_devs == 1);
	if (c.nr_devs != 1)
		goto out;
	d = &c.devs[0]->cfg;
	CHECK(d->integrity.metadata_size == 64 && d->integrity.pi_offset == 56 &&
	      d->integrity.csum_type == LBMD_PI_CSUM_CRC16_T10DIF &&
	      d->integrity.flags == (LBMD_PI_CAP_INTEGRITY | LBMD_PI_CAP_REFTAG));
	CHECK(d->integrity.origin && !strcmp(d->integrity.origin, "t.ini:5"));
	/* meta_file is loop's: kept for the target. */
	CHECK(key_origin(d, "meta_file", 0) && !strcmp(key_origin(d, "meta_file", 0), "t.ini:4"));
	CHECK(dev_config_validate(d) == 0);
out:
	config_ini_free(&c);
	/* A bad value is an error at its line. */
	EXPECT_ERROR("[device pi]\ntarget = null\ncsum_type = crc32\n", 3);
}

static void test_empty_and_global_only(void)
{
	struct ini_config c;

	CHECK(parse(&c, "") == 0 && c.nr_devs == 0 && c.log_level == -1 && !c.run_dir);
	config_ini_free(&c);
	CHECK(parse(&c, "; nothing\n\n[global]\n") == 0 && c.nr_devs == 0 && c.global_line == 3);
	config_ini_free(&c);
	/* CRLF line ends and a UTF-8 BOM */
	CHECK(parse(&c, "\xEF\xBB\xBF[device a]\r\ntarget = null\r\nsize = 4K\r\n") == 0);
	CHECK(c.nr_devs == 1 && !strcmp(c.devs[0]->cfg.plugin_keys[0].value, "4K"));
	config_ini_free(&c);
}

static void test_errors(void)
{
	char long_line[400];

	/* Syntax */
	EXPECT_ERROR("[device a]\ntarget = null\nsize 1G\n", 3);
	EXPECT_ERROR("[device a\ntarget = null\n", 1);
	EXPECT_ERROR("[device a]x\ntarget = null\n", 1);
	EXPECT_ERROR("[device a]\n= null\n", 2);
	/* An indented line is not a continuation of the previous value. */
	EXPECT_ERROR("[device a]\ntarget = null\nfile = /x\n    /y\n", 4);
	snprintf(long_line, sizeof(long_line), "[device a]\ntarget = null\nfile = /%0300d\n", 0);
	EXPECT_ERROR(long_line, 3);
	/* A key before any section */
	EXPECT_ERROR("\ntarget = null\n[device a]\n", 2);
	/* Sections */
	EXPECT_ERROR("[devices a]\ntarget = null\n", 1);
	EXPECT_ERROR("[global]\n[device]\ntarget = null\n", 2);
	EXPECT_ERROR("[device a/b]\ntarget = null\n", 1);
	EXPECT_ERROR("[device .hidden]\ntarget = null\n", 1);
	EXPECT_ERROR("[global extra]\n", 1);
	EXPECT_ERROR("[global]\n[device a]\ntarget=null\n[global]\n", 4);
	/* Duplicate names, even far apart and even when empty */
	EXPECT_ERROR("[device a]\ntarget = null\n[device b]\ntarget = null\n\n[device a]\n", 6);
	/* [global] keys */
	EXPECT_ERROR("[global]\nlog_level = info\ncolour = red\n", 3);
	EXPECT_ERROR("[global]\nlog_level = loud\n", 2);
	EXPECT_ERROR("[global]\nrun_dir = relative/dir\n", 2);
	EXPECT_ERROR("[global]\ntarget = null\n", 2);
	/* Core keys are checked where they are */
	EXPECT_ERROR("[device a]\ntarget = null\nqueues = 33\n", 3);
	EXPECT_ERROR("[device a]\ntarget = null\ndepth = 0\n", 3);
	EXPECT_ERROR("[device a]\ntarget = null\nrecovery = maybe\n", 3);
	EXPECT_ERROR("[device a]\ntarget = null\nzero_copy = sometimes\n", 3);
	EXPECT_ERROR("[device a]\ntarget = null\ndev_id = -5\n", 3);
	EXPECT_ERROR("[device a]\ntarget = ../evil\n", 2);
	/* Per stanza: no target is the stanza's error */
	EXPECT_ERROR("[device a]\ntarget = null\n[device b]\nsize = 1G\n", 3);
	/* Across stanzas: the same dev_id twice, at the second one */
	EXPECT_ERROR("[device a]\ntarget = null\ndev_id = 3\n[device b]\ntarget = null\n"
		     "queues = 1\ndev_id = 3\n", 7);
}

static void test_missing_file(void)
{
	struct ini_config c;

	CHECK(config_ini_load(&c, "/nonexistent/devices.ini") == -1);
	CHECK(c.nr_devs == 0);
	config_ini_free(&c);
}

/* The libsystemd-free sd_notify: one datagram with the state. */
static void test_notify_datagram(void)
{
	struct sockaddr_un sa;
	char path[64], buf[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/tmp/ublk-notify-test.%d", (int)getpid());
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	CHECK(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	CHECK(notify_send_datagram(path, "READY=1\nSTATUS=serving") == 1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	CHECK(n == (ssize_t)strlen("READY=1\nSTATUS=serving"));
	if (n > 0) {
		buf[n] = '\0';
		CHECK(!strcmp(buf, "READY=1\nSTATUS=serving"));
	}
	CHECK(notify_send_datagram(NULL, "READY=1") == 0);
	CHECK(notify_send_datagram("relative", "READY=1") == -1);
	close(fd);
	unlink(path);
}

int main(void)
{
	log_level = getenv("VERBOSE") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR;
	test_good_file();
	test_empty_and_global_only();
	test_integrity_keys();
	test_errors();
	test_missing_file();
	test_notify_datagram();
	return UNIT_RESULT();
}
