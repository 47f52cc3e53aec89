// SPDX-License-Identifier: MIT
/* plugins/common: the helpers and backing-file opening loop and stripe share. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ublk/plugin.h>

#include "common/backing.h"
#include "common/util.h"
#include "unit.h"

/* No host: ublk_error() and ublk_log() say nothing. */
const struct ublk_host *ublk_host;

static void test_util(void)
{
	int a[7];
	uint64_t s1 = rng_seed(42), s2 = rng_seed(42), s0 = rng_seed(0);
	int i;

	CHECK(ARRAY_SIZE(a) == 7);
	CHECK(!is_power_of_2(0));
	CHECK(is_power_of_2(1));
	CHECK(is_power_of_2(4096));
	CHECK(is_power_of_2(1ULL << 63));
	CHECK(!is_power_of_2(4097));
	CHECK(!is_power_of_2(3ULL << 20));

	CHECK(s0 != 0);		/* xorshift never leaves 0 */
	for (i = 0; i < 1000; i++) {
		double d = rng_double(&s1);

		CHECK(d >= 0.0 && d < 1.0);
		CHECK(d == rng_double(&s2));	/* same seed, same sequence */
	}
	CHECK(rng_next(&s0) != rng_next(&s0));
}

static void test_backing(void)
{
	char path[] = "/tmp/ublk-unit-backing-XXXXXX";
	struct backing_file bf;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK(ftruncate(fd, 3 << 20) == 0);
	close(fd);

	backing_init(&bf);
	CHECK(bf.fd == -1 && !bf.path);
	CHECK(backing_set_path(&bf, "/nonexistent/ublk-unit") == -1);
	CHECK(backing_set_path(&bf, "/tmp") == -1);	/* a directory */
	CHECK(!bf.path);
	CHECK(backing_set_path(&bf, path) == 0);
	CHECK(bf.path && !strcmp(bf.path, path));

	/* O_DIRECT or its buffered fallback: either way an fd and the size. */
	CHECK(backing_open(&bf, "unit", 0, 1) == 0);
	CHECK(bf.fd >= 0);
	CHECK(!bf.is_bdev);
	CHECK(bf.size == 3 << 20);
	CHECK((fcntl(bf.fd, F_GETFL) & O_ACCMODE) == O_RDWR);
	CHECK(!!(fcntl(bf.fd, F_GETFL) & O_DIRECT) == bf.direct_io);
	backing_close(&bf);
	CHECK(bf.fd == -1 && !bf.path);

	CHECK(backing_set_path(&bf, path) == 0);
	CHECK(backing_open(&bf, "unit", 1, 0) == 0);
	CHECK((fcntl(bf.fd, F_GETFL) & O_ACCMODE) == O_RDONLY);
	CHECK(!bf.direct_io);
	backing_close(&bf);

	/* Gone between config and open: an error, nothing left open. */
	CHECK(backing_set_path(&bf, path) == 0);
	unlink(path);
	CHECK(backing_open(&bf, "unit", 0, 0) == -1);
	CHECK(bf.fd == -1);
	backing_close(&bf);
}

int main(void)
{
	test_util();
	test_backing();
	return UNIT_RESULT();
}
