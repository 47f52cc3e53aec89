// SPDX-License-Identifier: MIT
/*
 * Flag and parameter negotiation (core/dev_params.c): which UBLK_F_* flags
 * and data path a configuration, a stack's capabilities and a kernel's
 * features give, what is refused, and the kernel parameters of a geometry.
 */
#include <string.h>

#include "data_path_auto.h"
#include "dev_params.h"
#include "dev_params7.h"
#include "log.h"
#include "unit.h"

#define ALL_FEATURES (UBLK_F_SUPPORT_ZERO_COPY | UBLK_F_AUTO_BUF_REG | UBLK_F_USER_COPY | \
		      UBLK_F_NEED_GET_DATA | UBLK_F_BATCH_IO | UBLK_F_USER_RECOVERY | \
		      UBLK_F_USER_RECOVERY_REISSUE | UBLK_F_USER_RECOVERY_FAIL_IO | \
		      UBLK_F_QUIESCE | UBLK_F_PER_IO_DAEMON)

static struct dev_config cfg;

/* A configuration from key=value pairs, NULL-terminated. */
static void make_cfg(const char *const *kv)
{
	dev_config_free(&cfg);
	dev_config_init(&cfg);
	for (; kv && kv[0]; kv += 2)
		CHECK(dev_config_set(&cfg, kv[0], kv[1], "test") == 0);
}

static int choose(const char *const *kv, __u64 features, uint32_t caps, struct flag_choice *c)
{
	make_cfg(kv);
	return choose_flags(&cfg, features, caps, "target t cannot do zero copy", 0, c);
}

/* The auto choice alone, every path allowed. */
static int pick(__u64 features, uint32_t caps, unsigned int allowed, struct auto_path *ap)
{
	return data_path_auto(features, caps, allowed, "target t cannot do zero copy", ap);
}

#define KERNEL_6_12 (UBLK_F_USER_COPY | UBLK_F_NEED_GET_DATA | UBLK_F_USER_RECOVERY | \
		     UBLK_F_USER_RECOVERY_REISSUE)

static void test_auto(void)
{
	struct flag_choice c;
	struct auto_path ap;

	/* Zero-copy stacks: auto buffer registration with the manual fallback. */
	CHECK(pick(ALL_FEATURES, UBLK_CAP_ZERO_COPY, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_AUTO_ZC && ap.fallback);
	CHECK(!strcmp(ap.why, "auto: kernel has AUTO_BUF_REG (fallback: ZERO_COPY), target supports zero copy"));
	/* ... without the fallback where the kernel has no manual registration ... */
	CHECK(pick(ALL_FEATURES & ~UBLK_F_SUPPORT_ZERO_COPY, UBLK_CAP_ZERO_COPY, PATHS_ANY,
		   &ap) == 0);
	CHECK(ap.data_path == DATA_AUTO_ZC && !ap.fallback);
	/* ... zero copy where only that exists (6.15) ... */
	CHECK(pick(ALL_FEATURES & ~UBLK_F_AUTO_BUF_REG, UBLK_CAP_ZERO_COPY, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_ZERO_COPY);
	/* ... and copy on 6.12, which has neither. */
	CHECK(pick(KERNEL_6_12, UBLK_CAP_ZERO_COPY, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_COPY);
	CHECK(!strcmp(ap.why, "auto: kernel has neither AUTO_BUF_REG nor ZERO_COPY"));

	/* Stacks that touch data: copy, saying which layer stops zero copy. */
	CHECK(pick(ALL_FEATURES, 0, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_COPY && !strcmp(ap.why, "auto: target t cannot do zero copy"));

	/* NO_DATA (null): a path that moves no bytes. */
	CHECK(pick(ALL_FEATURES, UBLK_CAP_NO_DATA, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_ZERO_COPY);
	CHECK(pick(KERNEL_6_12, UBLK_CAP_NO_DATA, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_USER_COPY);
	CHECK(pick(0, UBLK_CAP_NO_DATA, PATHS_ANY, &ap) == 0);
	CHECK(ap.data_path == DATA_COPY);

	/* A feature's requirement narrows the choice (integrity: user copy only). */
	CHECK(pick(ALL_FEATURES, UBLK_CAP_ZERO_COPY, PATH_BIT(DATA_USER_COPY), &ap) == 0);
	CHECK(ap.data_path == DATA_USER_COPY);
	CHECK(!strcmp(ap.why, "auto: user_copy, the fastest path the device's options allow"));
	CHECK(pick(0, UBLK_CAP_ZERO_COPY, PATH_BIT(DATA_USER_COPY), &ap) == -1);

	/* Through choose_flags: the flags follow the path. */
	CHECK(choose(NULL, ALL_FEATURES, UBLK_CAP_ZERO_COPY, &c) == 0);
	CHECK(c.flags == (UBLK_F_AUTO_BUF_REG | UBLK_F_SUPPORT_ZERO_COPY));
	CHECK(c.data_path == DATA_AUTO_ZC && c.fallback);
	CHECK(choose(NULL, KERNEL_6_12, UBLK_CAP_ZERO_COPY, &c) == 0);
	CHECK(c.flags == 0 && c.data_path == DATA_COPY);
	CHECK(choose(NULL, KERNEL_6_12, UBLK_CAP_NO_DATA, &c) == 0);
	CHECK(c.flags == UBLK_F_USER_COPY && c.data_path == DATA_USER_COPY);
	{
		/* Batch runs copy and auto_zc only. */
		static const char *const kv[] = { "batch", "1", NULL };

		CHECK(choose(kv, ALL_FEATURES, UBLK_CAP_NO_DATA, &c) == 0);
		CHECK(c.flags == (UBLK_F_BATCH_IO | UBLK_F_AUTO_BUF_REG | UBLK_F_SUPPORT_ZERO_COPY));
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_AUTO_BUF_REG, UBLK_CAP_ZERO_COPY, &c) == 0);
		CHECK(c.flags == UBLK_F_BATCH_IO && c.data_path == DATA_COPY);
	}
	{
		/* Any path key given, even off, or data_path = copy: the user's choice. */
		static const char *const off[] = { "zero_copy", "off", NULL };
		static const char *const copy[] = { "data_path", "copy", NULL };
		static const char *const bad[] = { "data_path", "copy", "user_copy", "1", NULL };

		CHECK(choose(off, ALL_FEATURES, UBLK_CAP_ZERO_COPY, &c) == 0);
		CHECK(c.flags == 0 && c.data_path == DATA_COPY && !strcmp(c.why, "set by test"));
		CHECK(choose(copy, ALL_FEATURES, UBLK_CAP_NO_DATA, &c) == 0);
		CHECK(c.flags == 0 && c.data_path == DATA_COPY);
		make_cfg(bad);
		CHECK(dev_config_validate(&cfg) == -1);
		make_cfg(NULL);
		CHECK(dev_config_set(&cfg, "data_path", "fast", "test") == -1);
	}
	/* Recovery keeps the path the device was added with. */
	CHECK(choose_flags(&cfg, ALL_FEATURES, UBLK_CAP_ZERO_COPY, "t",
			   UBLK_F_USER_RECOVERY | UBLK_F_SUPPORT_ZERO_COPY, &c) == 0);
	CHECK(c.data_path == DATA_ZERO_COPY && c.flags == UBLK_F_SUPPORT_ZERO_COPY);
	CHECK(choose_flags(&cfg, ALL_FEATURES, UBLK_CAP_ZERO_COPY, "t", UBLK_F_USER_RECOVERY, &c) == 0);
	CHECK(c.data_path == DATA_COPY && c.flags == 0);
	/* ... and refuses a stack that can no longer run it. */
	CHECK(choose_flags(&cfg, ALL_FEATURES, 0, "t",
			   UBLK_F_USER_RECOVERY | UBLK_F_AUTO_BUF_REG, &c) == -1);
}

static void test_flags(void)
{
	struct flag_choice c;

	/* Nothing asked, nothing to copy: auto takes zero copy; NO_DATA passes through. */
	CHECK(choose(NULL, ALL_FEATURES, UBLK_CAP_NO_DATA, &c) == 0);
	CHECK(c.flags == UBLK_F_SUPPORT_ZERO_COPY && c.data_path == DATA_ZERO_COPY &&
	      !c.batch && c.no_data);

	{
		static const char *const kv[] = { "zero_copy", "on", NULL };

		CHECK(choose(kv, ALL_FEATURES, UBLK_CAP_ZERO_COPY, &c) == 0);
		CHECK(c.flags == UBLK_F_SUPPORT_ZERO_COPY && c.data_path == DATA_ZERO_COPY);
		/* A stack whose caps lost zero copy (a data-touching filter): refused. */
		CHECK(choose(kv, ALL_FEATURES, 0, &c) == -1);
		/* A kernel without the feature: refused. */
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_SUPPORT_ZERO_COPY, UBLK_CAP_ZERO_COPY,
			     &c) == -1);
		/* NO_DATA targets take zero copy too (nothing to copy). */
		CHECK(choose(kv, ALL_FEATURES, UBLK_CAP_NO_DATA, &c) == 0);
	}
	{
		static const char *const kv[] = { "zero_copy", "auto", "auto_zc_fallback", "1",
						  NULL };

		CHECK(choose(kv, ALL_FEATURES, UBLK_CAP_ZERO_COPY, &c) == 0);
		CHECK(c.flags == (UBLK_F_AUTO_BUF_REG | UBLK_F_SUPPORT_ZERO_COPY));
		CHECK(c.data_path == DATA_AUTO_ZC);
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_SUPPORT_ZERO_COPY, UBLK_CAP_ZERO_COPY,
			     &c) == -1);
	}
	{
		static const char *const kv[] = { "batch", "1", "zero_copy", "auto", NULL };

		CHECK(choose(kv, ALL_FEATURES, UBLK_CAP_ZERO_COPY, &c) == 0);
		CHECK(c.batch && c.flags == (UBLK_F_BATCH_IO | UBLK_F_AUTO_BUF_REG));
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_BATCH_IO, UBLK_CAP_ZERO_COPY, &c) == -1);
	}
	{
		static const char *const kv[] = { "io_desc_size", "64", NULL };

		CHECK(choose(kv, ALL_FEATURES | UBLK_F_IO_DESC_SIZE, 0, &c) == 0);
		CHECK(c.flags == UBLK_F_IO_DESC_SIZE && c.data_path == DATA_COPY);
		CHECK(choose(kv, ALL_FEATURES, 0, &c) == -1);
	}
	{
		static const char *const kv[] = { "batch", "1", "get_data", "1", NULL };

		CHECK(choose(kv, ALL_FEATURES, 0, &c) == -1);
	}
	{
		static const char *const kv[] = { "user_copy", "1", NULL };

		CHECK(choose(kv, ALL_FEATURES, 0, &c) == 0);
		CHECK(c.flags == UBLK_F_USER_COPY && c.data_path == DATA_USER_COPY);
	}
	{
		static const char *const kv[] = { "get_data", "1", NULL };

		CHECK(choose(kv, ALL_FEATURES, 0, &c) == 0);
		CHECK(c.flags == UBLK_F_NEED_GET_DATA && c.data_path == DATA_GET_DATA);
	}
	{
		static const char *const kv[] = { "recovery", "reissue", NULL };

		/* Quiesce comes with recovery where the kernel has it. */
		CHECK(choose(kv, ALL_FEATURES, 0, &c) == 0);
		CHECK(c.flags == (UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE |
				  UBLK_F_QUIESCE));
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_QUIESCE, 0, &c) == 0);
		CHECK(c.flags == (UBLK_F_USER_RECOVERY | UBLK_F_USER_RECOVERY_REISSUE));
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_USER_RECOVERY, 0, &c) == -1);
	}
	{
		static const char *const kv[] = { "recovery", "fail_io", NULL };

		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_USER_RECOVERY_FAIL_IO, 0, &c) == -1);
	}
	{
		static const char *const kv[] = { "per_io_tasks", "1", NULL };

		CHECK(choose(kv, ALL_FEATURES, 0, &c) == 0);
		CHECK(c.flags == UBLK_F_PER_IO_DAEMON);
		CHECK(choose(kv, ALL_FEATURES & ~UBLK_F_PER_IO_DAEMON, 0, &c) == -1);
	}
}

/* Integrity: keys, the kernel's rules said early, user copy whatever else. */
static void test_integrity(void)
{
	struct flag_choice c;
	struct ublk_device_params p;
	struct ublk_params kp;
	static const char *const pi[] = { "metadata_size", "64", "pi_offset", "56",
					  "csum_type", "t10dif", "integrity_reftag", "1",
					  "integrity_capable", "on", "tag_size", "2", NULL };

	make_cfg(pi);
	CHECK(cfg.integrity.metadata_size == 64 && cfg.integrity.pi_offset == 56 &&
	      cfg.integrity.csum_type == LBMD_PI_CSUM_CRC16_T10DIF && cfg.integrity.tag_size == 2 &&
	      cfg.integrity.flags == (LBMD_PI_CAP_INTEGRITY | LBMD_PI_CAP_REFTAG));
	cfg.target = strdup("null");
	CHECK(dev_config_validate(&cfg) == 0);
	/* User copy and INTEGRITY, never asked for. */
	CHECK(choose(pi, ALL_FEATURES | UBLK_F_INTEGRITY, UBLK_CAP_INTEGRITY, &c) == 0);
	CHECK(c.flags == (UBLK_F_USER_COPY | UBLK_F_INTEGRITY) && c.data_path == DATA_USER_COPY);
	/* A kernel without INTEGRITY, a stack without the capability: refused. */
	CHECK(choose(pi, ALL_FEATURES, UBLK_CAP_INTEGRITY, &c) == -1);
	CHECK(choose(pi, ALL_FEATURES | UBLK_F_INTEGRITY, UBLK_CAP_NO_DATA, &c) == -1);
	{
		static const char *const bad[][5] = {
			{ "csum_type", "ip", NULL },			/* no metadata_size */
			{ "metadata_size", "8", "pi_offset", "1", NULL },	/* tuple does not fit */
			{ "metadata_size", "8", "integrity_reftag", "1", NULL },	/* no csum */
			{ "metadata_size", "8", "zero_copy", "on", NULL },
			{ "metadata_size", "8", "get_data", "1", NULL },
		};
		unsigned int i;

		/* pi_offset 1 with t10dif: 1 + 8 > 8. */
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			make_cfg(bad[i]);
			if (i == 1)
				CHECK(dev_config_set(&cfg, "csum_type", "t10dif", "test") == 0);
			cfg.target = strdup("null");
			CHECK(dev_config_validate(&cfg) == -1);
		}
	}
	CHECK(dev_config_set(&cfg, "metadata_size", "256", "test") == -1);
	CHECK(dev_config_set(&cfg, "csum_type", "crc32", "test") == -1);

	/* The kernel's parameter block: one interval per logical block. */
	memset(&p, 0, sizeof(p));
	p.size = 1ULL << 30;
	p.logical_block_size = 4096;
	p.physical_block_size = 4096;
	p.max_io_size = 1U << 20;
	p.metadata_size = 16;
	p.csum_type = LBMD_PI_CSUM_CRC64_NVME;
	p.tag_size = 8;
	p.integrity_flags = LBMD_PI_CAP_INTEGRITY;
	build_params(&p, 1U << 20, &kp);
	CHECK(kp.types == (UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_INTEGRITY));
	CHECK(kp.integrity.interval_exp == 12 && kp.integrity.metadata_size == 16 &&
	      kp.integrity.csum_type == LBMD_PI_CSUM_CRC64_NVME && kp.integrity.tag_size == 8 &&
	      kp.integrity.flags == LBMD_PI_CAP_INTEGRITY && kp.integrity.pi_offset == 0);
}

static void test_params(void)
{
	struct ublk_device_params p;
	struct ublk_params kp;

	memset(&p, 0, sizeof(p));
	p.size = 1ULL << 30;
	p.logical_block_size = 512;
	p.physical_block_size = 4096;
	p.max_io_size = 1U << 20;
	p.attrs = UBLK_DEV_READ_ONLY | UBLK_DEV_VOLATILE_CACHE | UBLK_DEV_FUA;
	p.io_opt = 128 << 10;
	p.chunk_size = 64 << 10;

	/* Requests never exceed the buffer the kernel was given. */
	build_params(&p, 512 << 10, &kp);
	CHECK(kp.types == UBLK_PARAM_TYPE_BASIC);
	CHECK(kp.basic.attrs == (UBLK_ATTR_READ_ONLY | UBLK_ATTR_VOLATILE_CACHE | UBLK_ATTR_FUA));
	CHECK(kp.basic.logical_bs_shift == 9 && kp.basic.physical_bs_shift == 12);
	/* io_min defaults to the physical block, io_opt as given. */
	CHECK(kp.basic.io_min_shift == 12 && kp.basic.io_opt_shift == 17);
	CHECK(kp.basic.max_sectors == (512 << 10) >> 9);
	CHECK(kp.basic.chunk_sectors == (64 << 10) >> 9);
	CHECK(kp.basic.dev_sectors == (1ULL << 30) >> 9);

	/* Discard and write zeroes: the discard parameter block. */
	p.discard_granularity = 4096;
	p.max_write_zeroes_size = 1U << 20;
	build_params(&p, 1U << 20, &kp);
	CHECK(kp.types == (UBLK_PARAM_TYPE_BASIC | UBLK_PARAM_TYPE_DISCARD));
	CHECK(kp.discard.discard_granularity == 4096);
	CHECK(kp.discard.max_discard_sectors == UINT32_MAX >> 9);
	CHECK(kp.discard.max_write_zeroes_sectors == (1U << 20) >> 9);
	CHECK(kp.basic.max_sectors == (1U << 20) >> 9);

	/* Write zeroes without discard: granularity from the block size, no discard size. */
	p.discard_granularity = 0;
	build_params(&p, 1U << 20, &kp);
	CHECK(kp.discard.discard_granularity == 512 && kp.discard.max_discard_sectors == 0);
}

/* Linux 7.x options (dev_params7.c): no partition scan, zero copy limits. */
static void test_params7(void)
{
	static const char *const noscan[] = { "auto_part_scan", "off", NULL };
	static const char *const lim[] = { "max_segments", "16", "dma_alignment", "511", NULL };
	struct ublk_params kp;
	__u64 f = 0;

	make_cfg(noscan);
	CHECK(dev7_choose_flags(&cfg, UBLK_F_NO_AUTO_PART_SCAN, DATA_COPY, &f) == 0);
	CHECK(f == UBLK_F_NO_AUTO_PART_SCAN);
	f = 0;
	CHECK(dev7_choose_flags(&cfg, ALL_FEATURES, DATA_COPY, &f) == -1);

	/* Zero copy: block-aligned memory (512-byte and 4K blocks), no segment limit. */
	make_cfg(NULL);
	memset(&kp, 0, sizeof(kp));
	kp.basic.logical_bs_shift = 9;
	dev7_build_params(&cfg, DATA_ZERO_COPY, &kp);
	CHECK(kp.types == UBLK_PARAM_TYPE_DMA_ALIGN && kp.dma.alignment == 511);
	memset(&kp, 0, sizeof(kp));
	kp.basic.logical_bs_shift = 12;
	dev7_build_params(&cfg, DATA_AUTO_ZC, &kp);
	CHECK(kp.types == UBLK_PARAM_TYPE_DMA_ALIGN && kp.dma.alignment == 4095);
	/* Copy mode: none, unless given. */
	memset(&kp, 0, sizeof(kp));
	dev7_build_params(&cfg, DATA_COPY, &kp);
	CHECK(kp.types == 0);
	make_cfg(lim);
	memset(&kp, 0, sizeof(kp));
	dev7_build_params(&cfg, DATA_COPY, &kp);
	CHECK(kp.types == (UBLK_PARAM_TYPE_DMA_ALIGN | UBLK_PARAM_TYPE_SEGMENT));
	CHECK(kp.dma.alignment == 511 && kp.seg.max_segments == 16 &&
	      kp.seg.max_segment_size == 0xffffffffU && kp.seg.seg_boundary_mask == 0xffffffffULL);
	f = 0;
	CHECK(dev7_choose_flags(&cfg, UBLK_F_NO_AUTO_PART_SCAN, DATA_COPY, &f) == -1);
	CHECK(dev7_choose_flags(&cfg, ALL_FEATURES, DATA_COPY, &f) == 0);

	/* What the kernel would refuse never gets that far. */
	CHECK(dev_config_set(&cfg, "dma_alignment", "4096", "t") == -1);
	CHECK(dev_config_set(&cfg, "dma_alignment", "500", "t") == -1);
	CHECK(dev_config_set(&cfg, "seg_boundary_mask", "2047", "t") == -1);
	CHECK(dev_config_set(&cfg, "max_segment_size", "2K", "t") == -1);
	CHECK(dev_config_set(&cfg, "max_segments", "65536", "t") == -1);
	CHECK(dev_config_set(&cfg, "seg_boundary_mask", "0xffffffff", "t") == 0);
}

int main(void)
{
	/* The refusals log one line each; keep the output for failures only. */
	log_level = LOG_LEVEL_ERROR - 1;
	test_flags();
	test_auto();
	test_params();
	test_integrity();
	test_params7();
	dev_config_free(&cfg);
	return UNIT_RESULT();
}
