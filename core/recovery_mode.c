// SPDX-License-Identifier: MIT
#include "dev_config.h"
#include "recovery_mode.h"

__u64 recovery_mode_flags(int mode)
{
	switch (mode) {
	case RECOVERY_ON:
		return UBLK_F_USER_RECOVERY;
	case RECOVERY_REISSUE:
		return UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE;
	case RECOVERY_FAIL_IO:
		return UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_FAIL_IO;
	}
	return 0;
}

const char *recovery_mode_name(__u64 flags)
{
	if (flags & UBLK_F_USER_RECOVERY_FAIL_IO)
		return "fail_io";
	if (flags & UBLK_F_USER_RECOVERY_REISSUE)
		return "reissue";
	return flags & UBLK_F_USER_RECOVERY ? "on" : "none";
}
