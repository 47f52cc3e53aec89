/* SPDX-License-Identifier: MIT */
/*
 * Small helpers every plugin may want: header only, no host calls.
 */
#ifndef UBLK_PLUGINS_COMMON_UTIL_H
#define UBLK_PLUGINS_COMMON_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 0 is not a power of two. */
static inline bool is_power_of_2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/*
 * xorshift64*: fast and good enough for fault rates, not for secrets. The
 * state must start non-zero (rng_seed makes it so) and belongs to one thread.
 */
static inline uint64_t rng_seed(uint64_t seed)
{
	return seed ? seed : 0x9E3779B97F4A7C15ULL;
}

static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* A uniform double in [0, 1): the top 53 bits of the next value. */
static inline double rng_double(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) / (double)(1ULL << 53);
}

#endif
