/* SPDX-License-Identifier: MIT */
/*
 * The spellings every option, INI key and plugin key accepts; shared so that
 * `64K` means the same thing everywhere.
 */
#ifndef UBLK_SERVER_PARSE_H
#define UBLK_SERVER_PARSE_H

#include <stdint.h>

/* "4096", "64K", "1M", "2G", "1T" (powers of 1024, optional "iB"/"B"). */
int parse_size(const char *str, uint64_t *bytes);
/* 1/0, on/off, yes/no, true/false. */
int parse_bool(const char *str, int *value);
/* Decimal or 0x-prefixed hexadecimal, no sign, no trailing garbage. */
int parse_uint(const char *str, uint64_t *value);
/* parse_uint bounded to [min, max]. */
int parse_uint_range(const char *str, uint64_t min, uint64_t max, uint64_t *value);

#endif
