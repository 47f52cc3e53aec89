/* SPDX-License-Identifier: MIT */
/*
 * Recovery modes (-r/-i/-e, `recovery = on|reissue|fail_io`) and the
 * UBLK_F_* flags they stand for: the one place that maps one to the other.
 */
#ifndef UBLK_SERVER_RECOVERY_MODE_H
#define UBLK_SERVER_RECOVERY_MODE_H

#include "ublk_abi.h"

/* Every flag a recovery mode may set (what START_USER_RECOVERY looks at). */
#define RECOVERY_FLAGS	(UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE | \
			 UBLK_F_USER_RECOVERY_FAIL_IO)

/* The UBLK_F_* flags of a mode (enum RECOVERY_*, dev_config.h); 0 for none. */
__u64 recovery_mode_flags(int mode);

/* The mode a device's flags say, as `recovery =` spells it. */
const char *recovery_mode_name(__u64 flags);

#endif
