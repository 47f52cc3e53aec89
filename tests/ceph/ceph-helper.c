// SPDX-License-Identifier: MIT
/*
 * ceph-helper: the few cluster operations tests/ceph/ceph-cluster needs, done
 * through librados/librbd instead of the Python `ceph` CLI, whose interpreter
 * start-up dominates a cluster start under the test VM's emulation.
 *
 *   ceph-helper [-c CONF] [-t SECONDS] COMMAND ARGS [COMMAND ARGS]...
 *     osd-new UUID ID          register an OSD (mon "osd new")
 *     wait-osd-up ID           until the OSD is up
 *     pool-create NAME PG_NUM  an rbd pool (created, application rbd, pool init)
 *     image-create POOL NAME SIZE_MIB
 *     mon JSON                 any mon command; prints its output
 *     run SHELL_COMMAND        run a command (between two steps: the cluster
 *                              connection stays up, saving a librados start)
 *
 * The client identity and keyring come from the configuration (CEPH_CONF or
 * -c). Every step is bounded by -t (default 120 s).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rados/librados.h>
#include <rbd/librbd.h>

static const char *conf;
static const char *timeout_s = "120";

static void usage(void)
{
	fprintf(stderr, "usage: ceph-helper [-c CONF] [-t SECONDS] osd-new UUID ID | wait-osd-up ID |\n"
		"       pool-create NAME PG_NUM | image-create POOL NAME SIZE_MIB | mon JSON |\n"
		"       run SHELL_COMMAND ...\n");
	exit(2);
}

static int fail(const char *what, int ret)
{
	fprintf(stderr, "ceph-helper: %s: %s\n", what, strerror(-ret));
	return 1;
}

static int connect_cluster(rados_t *cluster)
{
	int ret = rados_create(cluster, NULL);

	if (ret < 0)
		return fail("rados_create", ret);
	ret = rados_conf_read_file(*cluster, conf);
	if (ret < 0)
		return fail("reading the configuration", ret);
	rados_conf_set(*cluster, "client_mount_timeout", timeout_s);
	rados_conf_set(*cluster, "rados_mon_op_timeout", timeout_s);
	rados_conf_set(*cluster, "rados_osd_op_timeout", timeout_s);
	ret = rados_connect(*cluster);
	if (ret < 0)
		return fail("connecting to the cluster", ret);
	return 0;
}

/* Send one mon command; the output buffer (if any) goes to *out. */
static int mon_command(rados_t cluster, const char *json, char **out)
{
	const char *cmd[] = { json };
	char *outbuf = NULL, *outs = NULL;
	size_t outbuf_len = 0, outs_len = 0;
	int ret;

	ret = rados_mon_command(cluster, cmd, 1, "", 0, &outbuf, &outbuf_len,
				&outs, &outs_len);
	if (ret < 0)
		fprintf(stderr, "ceph-helper: %s: %.*s (%s)\n", json, (int)outs_len,
			outs ? outs : "", strerror(-ret));
	if (out && ret >= 0)
		*out = strndup(outbuf ? outbuf : "", outbuf_len);
	rados_buffer_free(outbuf);
	rados_buffer_free(outs);
	return ret;
}

static int osd_new(rados_t cluster, const char *uuid, const char *id)
{
	char json[256];

	snprintf(json, sizeof(json), "{\"prefix\": \"osd new\", \"uuid\": \"%s\", \"id\": %s}",
		 uuid, id);
	return mon_command(cluster, json, NULL) < 0;
}

/* "osd dump" in JSON and look for "osd": ID, ... "up": 1. */
static int wait_osd_up(rados_t cluster, const char *id)
{
	int left = atoi(timeout_s) * 10;
	char needle[64];

	snprintf(needle, sizeof(needle), "{\"osd\":%s,", id);
	while (left-- > 0) {
		char *out = NULL, *p;

		if (mon_command(cluster, "{\"prefix\": \"osd dump\", \"format\": \"json\"}",
				&out) < 0)
			return 1;
		p = strstr(out, needle);
		if (p)
			p = strstr(p, "\"up\":");
		if (p && p[5] == '1') {
			free(out);
			return 0;
		}
		free(out);
		usleep(100 * 1000);
	}
	fprintf(stderr, "ceph-helper: osd.%s is not up after %s s\n", id, timeout_s);
	return 1;
}

static int pool_create(rados_t cluster, const char *name, const char *pg_num)
{
	rados_ioctx_t io;
	char json[256];
	int ret;

	snprintf(json, sizeof(json),
		 "{\"prefix\": \"osd pool create\", \"pool\": \"%s\", \"pg_num\": %s, \"pgp_num\": %s}",
		 name, pg_num, pg_num);
	if (mon_command(cluster, json, NULL) < 0)
		return 1;
	ret = rados_ioctx_create(cluster, name, &io);
	if (ret < 0)
		return fail("opening the new pool", ret);
	/* Tags the pool for rbd; waits for its PGs to be active. */
	ret = rbd_pool_init(io, false);
	rados_ioctx_destroy(io);
	if (ret < 0)
		return fail("rbd pool init", ret);
	return 0;
}

static int image_create(rados_t cluster, const char *pool, const char *name,
			const char *size_mib)
{
	rados_ioctx_t io;
	int order = 0;
	int ret;

	ret = rados_ioctx_create(cluster, pool, &io);
	if (ret < 0)
		return fail("opening the pool", ret);
	ret = rbd_create(io, name, strtoull(size_mib, NULL, 0) << 20, &order);
	rados_ioctx_destroy(io);
	if (ret < 0)
		return fail("creating the image", ret);
	return 0;
}

int main(int argc, char **argv)
{
	rados_t cluster;
	int opt, ret;

	while ((opt = getopt(argc, argv, "c:t:")) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 't':
			timeout_s = optarg;
			break;
		default:
			usage();
		}
	}
	argv += optind;
	argc -= optind;
	if (argc < 1)
		usage();
	if (connect_cluster(&cluster))
		return 1;

	/* Several commands in a row share one connection. */
	ret = 0;
	while (argc > 0 && !ret) {
		int n;

		if (!strcmp(argv[0], "osd-new") && argc >= 3) {
			ret = osd_new(cluster, argv[1], argv[2]);
			n = 3;
		} else if (!strcmp(argv[0], "wait-osd-up") && argc >= 2) {
			ret = wait_osd_up(cluster, argv[1]);
			n = 2;
		} else if (!strcmp(argv[0], "pool-create") && argc >= 3) {
			ret = pool_create(cluster, argv[1], argv[2]);
			n = 3;
		} else if (!strcmp(argv[0], "image-create") && argc >= 4) {
			ret = image_create(cluster, argv[1], argv[2], argv[3]);
			n = 4;
		} else if (!strcmp(argv[0], "run") && argc >= 2) {
			int st = system(argv[1]);

			if (st) {
				fprintf(stderr, "ceph-helper: '%s' failed (status %d)\n", argv[1], st);
				ret = 1;
			}
			n = 2;
		} else if (!strcmp(argv[0], "mon") && argc >= 2) {
			char *out = NULL;

			ret = mon_command(cluster, argv[1], &out) < 0;
			if (!ret)
				printf("%s\n", out);
			free(out);
			n = 2;
		} else {
			rados_shutdown(cluster);
			usage();
		}
		argv += n;
		argc -= n;
	}
	rados_shutdown(cluster);
	return ret;
}
