// SPDX-License-Identifier: MIT
/* The configuration model and the kublk-compatible command line. */
#include <string.h>

#include "cli_args.h"
#include "dev_config.h"
#include "log.h"
#include "unit.h"

static int parse(struct cli_args *a, int argc, char **argv)
{
	return cli_parse(a, argc, argv);
}

static void test_core_keys(void)
{
	struct dev_config c;

	dev_config_init(&c);
	CHECK(c.queues == DEFAULT_QUEUES && c.depth == DEFAULT_DEPTH && c.dev_id == -1);
	CHECK(!dev_config_set(&c, "queues", "4", "x:1"));
	CHECK(c.queues == 4);
	CHECK(dev_config_set(&c, "queues", "33", "x:2"));
	CHECK(dev_config_set(&c, "queues", "0", "x:2"));
	CHECK(dev_config_set(&c, "queues", "two", "x:2"));
	CHECK(!dev_config_set(&c, "depth", "1024", "x:3") && c.depth == 1024);
	CHECK(dev_config_set(&c, "depth", "1025", "x:3"));
	CHECK(!dev_config_set(&c, "recovery", "reissue", "x:4") && c.recovery == RECOVERY_REISSUE);
	CHECK(!dev_config_set(&c, "recovery", "fail_io", "x:4") && c.recovery == RECOVERY_FAIL_IO);
	CHECK(!dev_config_set(&c, "recovery", "none", "x:4") && c.recovery == RECOVERY_NONE);
	CHECK(dev_config_set(&c, "recovery", "sometimes", "x:4"));
	CHECK(!dev_config_set(&c, "zero_copy", "auto", "x:5") && c.zero_copy == ZERO_COPY_AUTO);
	CHECK(!dev_config_set(&c, "zero_copy", "on", "x:5") && c.zero_copy == ZERO_COPY_ON);
	CHECK(!dev_config_set(&c, "logical_block_size", "4K", "x:6") &&
	      c.logical_block_size == 4096);
	CHECK(dev_config_set(&c, "logical_block_size", "1000", "x:6"));
	CHECK(dev_config_set(&c, "logical_block_size", "8192", "x:6"));
	CHECK(!strcmp(dev_config_origin(&c, KEY_QUEUES), "x:1"));
	/* Non-core keys are the plugin's, kept in order with their origin. */
	CHECK(!dev_config_set(&c, "file", "a.img", "x:7"));
	CHECK(!dev_config_set(&c, "file", "b.img", "x:8"));
	CHECK(c.nr_plugin_keys == 2);
	CHECK(!strcmp(c.plugin_keys[1].value, "b.img") && !strcmp(c.plugin_keys[1].origin, "x:8"));
	/* Validation across keys. */
	CHECK(dev_config_validate(&c));		/* no target */
	CHECK(!dev_config_set(&c, "target", "loop", "x:9"));
	CHECK(!dev_config_validate(&c));
	CHECK(!dev_config_set(&c, "nthreads", "8", "x:10"));
	CHECK(dev_config_validate(&c));		/* nthreads != queues without per_io_tasks */
	CHECK(!dev_config_set(&c, "per_io_tasks", "on", "x:11"));
	CHECK(!dev_config_validate(&c));
	CHECK(!dev_config_set(&c, "user_copy", "1", "x:12"));
	CHECK(dev_config_validate(&c));		/* zero copy and user copy */
	CHECK(dev_config_set(&c, "target", "../evil", "x:13"));
	dev_config_free(&c);
}

/* Issue 15: batch spreads, rotating auto buffers, descriptor size. */
static void test_kernel7_keys(void)
{
	struct dev_config c;

	dev_config_init(&c);
	CHECK(!dev_config_set(&c, "target", "loop", "x:1"));
	CHECK(!dev_config_set(&c, "queues", "1", "x:2"));
	CHECK(!dev_config_set(&c, "nthreads", "4", "x:3"));
	CHECK(dev_config_validate(&c));		/* nthreads != queues */
	CHECK(!dev_config_set(&c, "batch", "on", "x:4"));
	CHECK(!dev_config_validate(&c));	/* batch takes any spread */
	CHECK(!dev_config_set(&c, "rotate_auto_buf", "on", "x:5") && c.rotate_auto_buf);
	CHECK(dev_config_validate(&c));		/* needs zero_copy = auto */
	CHECK(!dev_config_set(&c, "zero_copy", "auto", "x:6"));
	CHECK(!dev_config_validate(&c));
	CHECK(!dev_config_set(&c, "io_desc_size", "24", "x:7") && c.io_desc_size == 24);
	CHECK(!dev_config_set(&c, "io_desc_size", "256", "x:7") && c.io_desc_size == 256);
	CHECK(!dev_config_set(&c, "io_desc_size", "96", "x:7") && c.io_desc_size == 96);
	CHECK(dev_config_set(&c, "io_desc_size", "16", "x:7"));
	CHECK(dev_config_set(&c, "io_desc_size", "28", "x:7"));
	CHECK(dev_config_set(&c, "io_desc_size", "264", "x:7"));
	CHECK(dev_config_set(&c, "io_desc_size", "64x", "x:7"));
	CHECK(c.io_desc_size == 96);
	dev_config_free(&c);
}

static void test_cli_kublk_style(void)
{
	char *argv[] = { "ublk-server", "add", "-t", "stripe", "-q", "2", "-d", "64",
			 "-n", "3", "--foreground", "--chunk_size", "64K", "-r", "1",
			 "-i", "1", "-z", "--nthreads=4", "--per_io_tasks", "a.img", "b.img" };
	struct cli_args a;

	CHECK(!parse(&a, (int)(sizeof(argv) / sizeof(argv[0])), argv));
	CHECK(!strcmp(a.command, "add"));
	CHECK(!strcmp(a.dev.target, "stripe"));
	CHECK(a.dev.queues == 2 && a.dev.depth == 64 && a.dev.dev_id == 3 && a.dev_id == 3);
	CHECK(a.foreground);
	CHECK(a.dev.recovery == RECOVERY_REISSUE);
	CHECK(a.dev.zero_copy == ZERO_COPY_ON);
	CHECK(a.dev.nthreads == 4 && a.dev.per_io_tasks);
	CHECK(a.dev.nr_plugin_keys == 3);
	CHECK(!strcmp(a.dev.plugin_keys[0].key, "chunk_size") &&
	      !strcmp(a.dev.plugin_keys[0].value, "64K") &&
	      !strcmp(a.dev.plugin_keys[0].origin, "--chunk_size"));
	CHECK(!strcmp(a.dev.plugin_keys[1].key, "file") &&
	      !strcmp(a.dev.plugin_keys[1].value, "a.img"));
	CHECK(!strcmp(a.dev.plugin_keys[2].value, "b.img"));
	CHECK(!strcmp(dev_config_origin(&a.dev, KEY_QUEUES), "-q"));
	cli_free(&a);
}

static void test_cli_errors(void)
{
	char *q33[] = { "ublk-server", "add", "-t", "null", "-q", "33" };
	char *qbad[] = { "ublk-server", "add", "-t", "null", "-q", "1x" };
	char *noval[] = { "ublk-server", "add", "-t", "null", "--chunk_size" };
	char *unknown[] = { "ublk-server", "add", "-t", "null", "-Z" };
	char *r0[] = { "ublk-server", "add", "-t", "null", "-r", "0", "-e", "1" };
	char *ir[] = { "ublk-server", "add", "-t", "null", "-i", "1", "-r", "1" };
	char *del[] = { "ublk-server", "del", "-n", "7" };
	char *size[] = { "ublk-server", "update_size", "-n", "1", "-s", "1G" };
	struct cli_args a;

	CHECK(parse(&a, 6, q33));
	cli_free(&a);
	CHECK(parse(&a, 6, qbad));
	cli_free(&a);
	CHECK(parse(&a, 5, noval));
	cli_free(&a);
	CHECK(parse(&a, 5, unknown));
	cli_free(&a);
	CHECK(!parse(&a, 8, r0) && a.dev.recovery == RECOVERY_FAIL_IO);
	cli_free(&a);
	CHECK(!parse(&a, 8, ir) && a.dev.recovery == RECOVERY_REISSUE);
	cli_free(&a);
	CHECK(!parse(&a, 4, del) && a.dev_id == 7);
	cli_free(&a);
	CHECK(!parse(&a, 6, size) && a.have_size && a.size == 1ULL << 30);
	cli_free(&a);
}

/* Filters: `filters = a, b` (replaces) and `--filter NAME` (appends), outermost first. */
static void test_filters(void)
{
	char *argv[] = { "ublk-server", "add", "-t", "loop", "--filter", "trace", "--filter=qos",
			 "--qos.iops", "500", "a.img" };
	char *dup[] = { "ublk-server", "add", "-t", "null", "--filter", "qos", "--filter", "qos" };
	char *bad[] = { "ublk-server", "add", "-t", "null", "--filter", "../x" };
	struct dev_config c, d;
	struct cli_args a;

	dev_config_init(&c);
	CHECK(!dev_config_set(&c, "filters", " fault_inject ,qos, trace ", "x:1"));
	CHECK(c.nr_filters == 3 && !strcmp(c.filters[0], "fault_inject") &&
	      !strcmp(c.filters[1], "qos") && !strcmp(c.filters[2], "trace"));
	CHECK(!strcmp(c.filter_origin[2], "x:1"));
	CHECK(!dev_config_set(&c, "filters", "trace", "x:2"));
	CHECK(c.nr_filters == 1 && !strcmp(c.filters[0], "trace"));
	CHECK(dev_config_set(&c, "filters", "a, a", "x:3"));
	CHECK(dev_config_set(&c, "filters", "a/b", "x:4"));
	CHECK(!dev_config_set(&c, "filters", "", "x:5") && c.nr_filters == 0);

	/* Reload compares stacks too. */
	dev_config_init(&d);
	CHECK(!dev_config_set(&c, "target", "null", "x:6") && !dev_config_set(&d, "target", "null", "x:6"));
	CHECK(dev_config_equal(&c, &d));
	CHECK(!dev_config_set(&d, "filters", "qos", "x:7"));
	CHECK(!dev_config_equal(&c, &d));
	dev_config_free(&c);
	dev_config_free(&d);

	CHECK(!parse(&a, (int)(sizeof(argv) / sizeof(argv[0])), argv));
	CHECK(a.dev.nr_filters == 2 && !strcmp(a.dev.filters[0], "trace") &&
	      !strcmp(a.dev.filters[1], "qos"));
	CHECK(!strcmp(a.dev.filter_origin[1], "--filter"));
	CHECK(a.dev.nr_plugin_keys == 2 && !strcmp(a.dev.plugin_keys[0].key, "qos.iops"));
	cli_free(&a);
	CHECK(parse(&a, 8, dup));
	cli_free(&a);
	CHECK(parse(&a, 6, bad));
	cli_free(&a);
}

/* kublk 7.3's shared memory options, and unprivileged devices. */
static void test_shmem_unprivileged(void)
{
	char *argv[] = { "ublk-server", "add", "-t", "loop", "--shmem_zc", "--htlb",
			 "/mnt/huge/buf", "--rdonly_shmem_buf", "a.img" };
	char *rel[] = { "ublk-server", "add", "-t", "loop", "--htlb", "buf" };
	char *unpriv[] = { "ublk-server", "add", "-t", "null", "--unprivileged" };
	struct cli_args a;
	struct dev_config c;

	CHECK(!parse(&a, 9, argv));
	CHECK(a.dev.shmem_zc && a.dev.rdonly_shmem_buf && !strcmp(a.dev.htlb, "/mnt/huge/buf"));
	CHECK(a.dev.nr_plugin_keys == 1);
	CHECK(!dev_config_validate(&a.dev));
	cli_free(&a);
	CHECK(parse(&a, 6, rel));		/* htlb must be an absolute path */
	cli_free(&a);
	CHECK(!parse(&a, 5, unpriv) && a.dev.unprivileged && !dev_config_validate(&a.dev));
	cli_free(&a);

	dev_config_init(&c);
	CHECK(!dev_config_set(&c, "target", "null", "x:1"));
	CHECK(!dev_config_set(&c, "htlb", "/dev/hugepages/b", "x:2") && c.shmem_zc);
	CHECK(!dev_config_validate(&c));
	CHECK(!dev_config_set(&c, "unprivileged", "on", "x:3"));
	CHECK(!dev_config_validate(&c));
	CHECK(!dev_config_set(&c, "zero_copy", "on", "x:4"));
	CHECK(dev_config_validate(&c));		/* the kernel: no zero copy when unprivileged */
	CHECK(!dev_config_set(&c, "zero_copy", "off", "x:4"));
	CHECK(!dev_config_set(&c, "recovery", "on", "x:5"));
	CHECK(dev_config_validate(&c));		/* ... nor recovery */
	dev_config_free(&c);

	dev_config_init(&c);
	CHECK(!dev_config_set(&c, "target", "null", "x:1"));
	CHECK(!dev_config_set(&c, "rdonly_shmem_buf", "on", "x:2"));
	CHECK(dev_config_validate(&c));		/* read-only what? no htlb */
	dev_config_free(&c);
}

int main(void)
{
	log_level = LOG_LEVEL_ERROR;
	test_core_keys();
	test_kernel7_keys();
	test_shmem_unprivileged();
	test_cli_kublk_style();
	test_cli_errors();
	test_filters();
	return UNIT_RESULT();
}
