/* SPDX-License-Identifier: MIT */
/*
 * Integrity metadata (UBLK_F_INTEGRITY, Linux 7.0): T10 PI or opaque
 * metadata carried with every READ/WRITE. kublk's options and INI keys:
 *
 *   metadata_size = N       bytes of metadata per logical block (1-255);
 *                           0 (the default) means none, and the other keys
 *                           need it
 *   csum_type = ip|t10dif|nvme|none   the PI guard (none: opaque metadata)
 *   pi_offset = N           where the PI tuple starts in the metadata
 *   tag_size = N            bytes of application tag
 *   integrity_capable = on  the device stores PI (LBMD_PI_CAP_INTEGRITY)
 *   integrity_reftag = on   the reference tag is checked (LBMD_PI_CAP_REFTAG)
 *
 * The kernel moves metadata only by user copy, so an integrity device always
 * uses it, whatever the default data path; zero_copy and get_data are
 * refused. The protection interval is the logical block.
 */
#ifndef UBLK_SERVER_INTEGRITY_H
#define UBLK_SERVER_INTEGRITY_H

#include <stdint.h>

#include <ublk/plugin.h>

struct dev_config;
struct device;

struct integrity_config {
	uint32_t metadata_size;		/* 0: no integrity */
	uint32_t pi_offset;
	uint32_t tag_size;
	uint32_t csum_type;		/* LBMD_PI_CSUM_* */
	uint32_t flags;			/* LBMD_PI_CAP_* */
	char *origin;			/* the first integrity key given, for messages */
};

/* 1: key is an integrity key (set, or -1 after one line); 0: not ours. */
int integrity_config_set(struct integrity_config *ic, const char *key, const char *value,
			 const char *origin);
void integrity_config_free(struct integrity_config *ic);
int integrity_config_equal(const struct integrity_config *a, const struct integrity_config *b);
/* Checks between keys (and against the data path keys): 0, or -1 after one line. */
int integrity_config_validate(const struct dev_config *cfg);
/* The profile the layers see in open(), and again after it (read-only for them). */
void integrity_fill_params(const struct integrity_config *ic, struct ublk_device_params *p);
/* Every layer carries metadata? 0, or -1 after one line naming the one that does not. */
int integrity_check_layers(const struct device *dev);
/* Bytes of metadata for len bytes of data. */
static inline uint32_t integrity_meta_bytes(const struct ublk_device_params *p, uint32_t len)
{
	return len / p->logical_block_size * p->metadata_size;
}

#endif
