/* SPDX-License-Identifier: MIT */
/* The smallest test harness: CHECK() counts failures, main returns them. */
#ifndef UBLK_UNIT_H
#define UBLK_UNIT_H

#include <stdio.h>

static int unit_failures;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		unit_failures++; \
	} \
} while (0)

#define UNIT_RESULT() (unit_failures ? 1 : 0)

#endif
