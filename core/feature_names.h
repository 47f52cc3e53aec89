/* SPDX-License-Identifier: MIT */
#ifndef UBLK_SERVER_FEATURE_NAMES_H
#define UBLK_SERVER_FEATURE_NAMES_H

#include <stdint.h>

/* Name of a UBLK_F_* bit ("ZERO_COPY"...), NULL for a bit we do not know. */
const char *feature_name(unsigned int bit);
/* First kernel version that has the bit, e.g. "6.16". */
const char *feature_kernel(unsigned int bit);
/* Bit number of a single-bit flag. */
unsigned int feature_bit(uint64_t flag);

#endif
