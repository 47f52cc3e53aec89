// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

int parse_uint(const char *str, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (!str || !*str || !isdigit((unsigned char)*str))
		return -1;
	errno = 0;
	v = strtoull(str, &end, 0);
	if (errno || *end)
		return -1;
	*value = v;
	return 0;
}

int parse_uint_range(const char *str, uint64_t min, uint64_t max, uint64_t *value)
{
	uint64_t v;

	if (parse_uint(str, &v) || v < min || v > max)
		return -1;
	*value = v;
	return 0;
}

int parse_size(const char *str, uint64_t *bytes)
{
	static const char units[] = "KMGTPE";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (!str || !isdigit((unsigned char)*str))
		return -1;
	errno = 0;
	v = strtoull(str, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return -1;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -1;
	}
	if (shift && v > (~0ULL >> shift))
		return -1;
	*bytes = v << shift;
	return 0;
}

int parse_bool(const char *str, int *value)
{
	static const char *const yes[] = { "1", "on", "yes", "true" };
	static const char *const no[] = { "0", "off", "no", "false" };
	unsigned int i;

	if (!str)
		return -1;
	for (i = 0; i < 4; i++) {
		if (!strcasecmp(str, yes[i])) {
			*value = 1;
			return 0;
		}
		if (!strcasecmp(str, no[i])) {
			*value = 0;
			return 0;
		}
	}
	return -1;
}
