/* SPDX-License-Identifier: MIT */
/*
 * What a device asks of the kernel, decided from its configuration, the
 * capabilities of its layers and the running kernel's features: the UBLK_F_*
 * flags and data path (choose_flags), and the ublk_params the target's
 * geometry becomes (build_params). Pure: no device, no kernel call, so
 * tests/unit/test_dev_params.c checks every rule.
 */
#ifndef UBLK_SERVER_DEV_PARAMS_H
#define UBLK_SERVER_DEV_PARAMS_H

#include <stdint.h>

#include <ublk/plugin.h>

#include "dev_config.h"
#include "ublk_abi.h"

/* How request data moves (decided once from config, layer caps and kernel). */
enum data_path {
	DATA_COPY = 0,		/* kernel copies to/from our buffer */
	DATA_GET_DATA,		/* copy, WRITE data fetched with NEED_GET_DATA */
	DATA_USER_COPY,		/* we pread/pwrite /dev/ublkcN */
	DATA_ZERO_COPY,		/* REGISTER/UNREGISTER_IO_BUF around the layers' IO */
	DATA_AUTO_ZC,		/* kernel registers the buffer (AUTO_BUF_REG) */
};

struct flag_choice {
	__u64 flags;		/* UBLK_F_* to ask for */
	int data_path;		/* enum data_path */
	int batch;		/* UBLK_F_BATCH_IO commands */
	int no_data;		/* no layer touches request data */
	int fallback;		/* auto_zc: register by hand where the kernel could not */
	char why[160];		/* "set by --auto_zc", "auto: kernel has ..." */
};

/*
 * A feature the user asked for (what, from origin) must be one the running
 * kernel has: 0, or -1 after one line naming it and the Linux version.
 */
int require_feature(__u64 kernel_features, __u64 flag, const char *what, const char *origin);
/*
 * The flags and data path of a device; caps are the stack's combined
 * UBLK_CAP_*, zc_refusal what to say when zero copy is asked of a stack
 * without it. Without a forced path, data_path = auto chooses
 * (data_path_auto.h); recovering a device (recovered_flags: its flags, 0
 * when adding), auto keeps the path it was added with. 0, or -1 after one line.
 */
int choose_flags(const struct dev_config *cfg, __u64 kernel_features, uint32_t caps,
		 const char *zc_refusal, __u64 recovered_flags, struct flag_choice *out);
/* The kernel's parameters for geometry p; requests are at most max_io_buf_bytes. */
void build_params(const struct ublk_device_params *p, uint32_t max_io_buf_bytes,
		  struct ublk_params *kp);

static inline int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif
