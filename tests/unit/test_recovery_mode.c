// SPDX-License-Identifier: MIT
/* Recovery modes <-> UBLK_F_* flags: the one mapping, both ways. */
#include <string.h>

#include "dev_config.h"
#include "recovery_mode.h"
#include "unit.h"

int main(void)
{
	static const struct {
		int mode;
		__u64 flags;
		const char *name;
	} t[] = {
		{ RECOVERY_NONE, 0, "none" },
		{ RECOVERY_ON, UBLK_F_USER_RECOVERY, "on" },
		{ RECOVERY_REISSUE, UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE, "reissue" },
		{ RECOVERY_FAIL_IO, UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_FAIL_IO, "fail_io" },
	};
	unsigned int i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK(recovery_mode_flags(t[i].mode) == t[i].flags);
		CHECK(!(t[i].flags & ~RECOVERY_FLAGS));
		CHECK(!strcmp(recovery_mode_name(t[i].flags), t[i].name));
		/* Other flags of a device do not change its mode. */
		CHECK(!strcmp(recovery_mode_name(t[i].flags | UBLK_F_QUIESCE | UBLK_F_SUPPORT_ZERO_COPY),
			      t[i].name));
	}
	return UNIT_RESULT();
}
