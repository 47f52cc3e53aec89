// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the size, number and boolean parsers every key goes
 * through. Besides "no crash", it checks what the parsers promise: a size
 * that parses is the number it spells, scaled by a power of 1024 (so
 * parsing its decimal form again gives the same bytes).
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, again[32];
	uint64_t v, w;
	int b;

	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_size(s, &v) == 0) {
		snprintf(again, sizeof(again), "%" PRIu64, v);
		if (parse_size(again, &w) != 0 || w != v)
			abort();
	}
	if (parse_uint(s, &v) == 0 && parse_uint_range(s, 0, v, &w) != 0)
		abort();
	if (parse_bool(s, &b) == 0 && b != 0 && b != 1)
		abort();
	free(s);
	return 0;
}
