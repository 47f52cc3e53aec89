// SPDX-License-Identifier: MIT
#include <stddef.h>

#include "feature_names.h"

static const struct {
	const char *name;
	const char *kernel;
} features[] = {
	{ "ZERO_COPY", "6.15" },
	{ "COMP_IN_TASK", "5.19" },
	{ "NEED_GET_DATA", "6.0" },
	{ "USER_RECOVERY", "6.0" },
	{ "USER_RECOVERY_REISSUE", "6.0" },
	{ "UNPRIVILEGED_DEV", "6.2" },
	{ "CMD_IOCTL_ENCODE", "6.3" },
	{ "USER_COPY", "6.5" },
	{ "ZONED", "6.6" },
	{ "USER_RECOVERY_FAIL_IO", "6.13" },
	{ "UPDATE_SIZE", "6.15" },
	{ "AUTO_BUF_REG", "6.16" },
	{ "QUIESCE", "6.16" },
	{ "PER_IO_DAEMON", "6.16" },
	{ "BUF_REG_OFF_DAEMON", "6.17" },
	{ "BATCH_IO", "7.0" },
	{ "INTEGRITY", "7.0" },
	{ "SAFE_STOP_DEV", "7.0" },
	{ "NO_AUTO_PART_SCAN", "7.0" },
	{ "SHMEM_ZC", "7.1" },
	{ "IO_DESC_SIZE", "7.3" },
};

#define NR_FEATURES (sizeof(features) / sizeof(features[0]))

const char *feature_name(unsigned int bit)
{
	return bit < NR_FEATURES ? features[bit].name : NULL;
}

const char *feature_kernel(unsigned int bit)
{
	return bit < NR_FEATURES ? features[bit].kernel : "a newer kernel";
}

unsigned int feature_bit(uint64_t flag)
{
	return flag ? (unsigned int)__builtin_ctzll(flag) : 64;
}
