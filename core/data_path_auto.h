/* SPDX-License-Identifier: MIT */
/*
 * data_path = auto (the default): the data path a device runs when the user
 * forces none, chosen from the running kernel's UBLK_F_* features and the
 * stack's combined UBLK_CAP_*, fastest first as bench/ measures them:
 *
 *   stack never touches data (NO_DATA): zero_copy (the server registers
 *       nothing, the kernel copies nothing), else user_copy (nobody copies),
 *       else auto_zc, else copy;
 *   stack does zero copy: auto_zc (with the manual fallback where the
 *       kernel has SUPPORT_ZERO_COPY), else zero_copy, else copy;
 *   else copy.
 *
 * A layer or feature that can run only some paths narrows `allowed` (batch
 * commands: copy and auto_zc; integrity: user_copy); the choice stays inside
 * it. Pure: tests/unit/test_dev_params.c checks every rule.
 */
#ifndef UBLK_SERVER_DATA_PATH_AUTO_H
#define UBLK_SERVER_DATA_PATH_AUTO_H

#include <stdint.h>

#include "dev_params.h"

#define PATH_BIT(p)	(1U << (p))
#define PATHS_ANY	(PATH_BIT(DATA_COPY) | PATH_BIT(DATA_GET_DATA) | \
			 PATH_BIT(DATA_USER_COPY) | PATH_BIT(DATA_ZERO_COPY) | \
			 PATH_BIT(DATA_AUTO_ZC))
#define DATA_PATH_WHY_LEN	160

struct auto_path {
	int data_path;		/* enum data_path */
	int fallback;		/* auto_zc: register by hand when the kernel could not */
	char why[DATA_PATH_WHY_LEN];	/* "auto: kernel has AUTO_BUF_REG, ..." */
};

/*
 * The fastest path in allowed that the kernel has and the stack (caps) can
 * run; zc_refusal says why the stack cannot do zero copy. 0, or -1 when
 * none is (out->why then says what is missing).
 */
int data_path_auto(__u64 kernel_features, uint32_t caps, unsigned int allowed,
		   const char *zc_refusal, struct auto_path *out);

/* The path a kernel device was added with, from its flags (recovery keeps it). */
int data_path_from_flags(__u64 flags, int *fallback);

/* "copy", "zero_copy", ... */
const char *data_path_word(int data_path);
/* The UBLK_F_* flags that select data_path (fallback: AUTO_ZC's fallback). */
__u64 data_path_flags(int data_path, int fallback);

#endif
