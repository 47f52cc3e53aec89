// SPDX-License-Identifier: MIT
#include "parse.h"
#include "unit.h"

static void test_sizes(void)
{
	uint64_t v;

	CHECK(!parse_size("4096", &v) && v == 4096);
	CHECK(!parse_size("64K", &v) && v == 65536);
	CHECK(!parse_size("64k", &v) && v == 65536);
	CHECK(!parse_size("1M", &v) && v == 1048576);
	CHECK(!parse_size("2G", &v) && v == 2ULL << 30);
	CHECK(!parse_size("1T", &v) && v == 1ULL << 40);
	CHECK(!parse_size("250GiB", &v) && v == 250ULL << 30);
	CHECK(!parse_size("8MB", &v) && v == 8ULL << 20);
	CHECK(parse_size("", &v));
	CHECK(parse_size("K", &v));
	CHECK(parse_size("12Q", &v));
	CHECK(parse_size("-1", &v));
	CHECK(parse_size("1.5G", &v));
	CHECK(parse_size("99999999999999999999", &v));
	CHECK(parse_size("17179869184T", &v));	/* overflows 64 bits */
}

static void test_bools(void)
{
	int b;

	CHECK(!parse_bool("1", &b) && b == 1);
	CHECK(!parse_bool("on", &b) && b == 1);
	CHECK(!parse_bool("Yes", &b) && b == 1);
	CHECK(!parse_bool("true", &b) && b == 1);
	CHECK(!parse_bool("0", &b) && b == 0);
	CHECK(!parse_bool("off", &b) && b == 0);
	CHECK(!parse_bool("no", &b) && b == 0);
	CHECK(parse_bool("2", &b));
	CHECK(parse_bool("", &b));
	CHECK(parse_bool("maybe", &b));
}

static void test_numbers(void)
{
	uint64_t v;

	CHECK(!parse_uint("0", &v) && v == 0);
	CHECK(!parse_uint("32", &v) && v == 32);
	CHECK(!parse_uint("0x1f", &v) && v == 31);
	CHECK(parse_uint("", &v));
	CHECK(parse_uint("12abc", &v));
	CHECK(parse_uint("-3", &v));
	CHECK(parse_uint(" 3", &v));
	CHECK(!parse_uint_range("32", 1, 32, &v) && v == 32);
	CHECK(parse_uint_range("33", 1, 32, &v));
	CHECK(parse_uint_range("0", 1, 32, &v));
}

int main(void)
{
	test_sizes();
	test_bools();
	test_numbers();
	return UNIT_RESULT();
}
