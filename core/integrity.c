// SPDX-License-Identifier: MIT
/*
 * The integrity profile of a device: its keys, the checks between them (the
 * kernel's own rules, told in one line before any device exists), and what
 * the layers are told. The IO path is in io_loop.c (user copy with
 * UBLKSRV_IO_INTEGRITY_FLAG).
 */
#include <stdlib.h>
#include <string.h>

#include "dev_config.h"
#include "device.h"
#include "integrity.h"
#include "layers.h"
#include "log.h"
#include "parse.h"
#include "ublk_abi.h"

/* The key table, in the form tests/unit/man-pages.sh reads. */
enum integrity_key {
	KEY_METADATA_SIZE, KEY_PI_OFFSET, KEY_TAG_SIZE, KEY_CSUM_TYPE,
	KEY_INTEGRITY_CAPABLE, KEY_INTEGRITY_REFTAG, NR_INTEGRITY_KEYS
};

static const char *const integrity_key_names[NR_INTEGRITY_KEYS] = {
	[KEY_METADATA_SIZE] = "metadata_size",
	[KEY_PI_OFFSET] = "pi_offset",
	[KEY_TAG_SIZE] = "tag_size",
	[KEY_CSUM_TYPE] = "csum_type",
	[KEY_INTEGRITY_CAPABLE] = "integrity_capable",
	[KEY_INTEGRITY_REFTAG] = "integrity_reftag",
};

static const struct {
	const char *name;
	uint32_t csum;
	uint32_t tuple_size;	/* bytes of PI the kernel puts at pi_offset */
} csum_types[] = {
	{ "none", LBMD_PI_CSUM_NONE, 0 },
	{ "ip", LBMD_PI_CSUM_IP, 8 },
	{ "t10dif", LBMD_PI_CSUM_CRC16_T10DIF, 8 },
	{ "nvme", LBMD_PI_CSUM_CRC64_NVME, 16 },
};

#define NR_CSUM_TYPES (sizeof(csum_types) / sizeof(csum_types[0]))

static uint32_t tuple_size(uint32_t csum)
{
	unsigned int i;

	for (i = 0; i < NR_CSUM_TYPES; i++)
		if (csum_types[i].csum == csum)
			return csum_types[i].tuple_size;
	return 0;
}

static const char *csum_name(uint32_t csum)
{
	unsigned int i;

	for (i = 0; i < NR_CSUM_TYPES; i++)
		if (csum_types[i].csum == csum)
			return csum_types[i].name;
	return "?";
}

static int set_flag(struct integrity_config *ic, uint32_t flag, const char *key,
		    const char *value, const char *origin)
{
	int b;

	if (parse_bool(value, &b)) {
		log_error("%s: %s must be on or off, not '%s'", origin, key, value);
		return -1;
	}
	if (b)
		ic->flags |= flag;
	else
		ic->flags &= ~flag;
	return 0;
}

int integrity_config_set(struct integrity_config *ic, const char *key, const char *value,
			 const char *origin)
{
	uint64_t v;
	int k;

	for (k = 0; k < NR_INTEGRITY_KEYS; k++)
		if (!strcmp(key, integrity_key_names[k]))
			break;
	if (k == NR_INTEGRITY_KEYS)
		return 0;

	switch (k) {
	case KEY_METADATA_SIZE:
	case KEY_PI_OFFSET:
	case KEY_TAG_SIZE:
		/* One byte each in struct ublk_param_integrity. */
		if (parse_uint_range(value, k == KEY_METADATA_SIZE, 255, &v)) {
			log_error("%s: %s must be a number from %d to 255, not '%s'", origin, key,
				  k == KEY_METADATA_SIZE, value);
			return -1;
		}
		*(k == KEY_METADATA_SIZE ? &ic->metadata_size :
		  k == KEY_PI_OFFSET ? &ic->pi_offset : &ic->tag_size) = (uint32_t)v;
		break;
	case KEY_CSUM_TYPE: {
		unsigned int i;

		for (i = 0; i < NR_CSUM_TYPES; i++)
			if (!strcmp(value, csum_types[i].name))
				break;
		if (i == NR_CSUM_TYPES) {
			log_error("%s: %s must be ip, t10dif, nvme or none, not '%s'", origin, key,
				  value);
			return -1;
		}
		ic->csum_type = csum_types[i].csum;
		break;
	}
	case KEY_INTEGRITY_CAPABLE:
		if (set_flag(ic, LBMD_PI_CAP_INTEGRITY, key, value, origin))
			return -1;
		break;
	case KEY_INTEGRITY_REFTAG:
		if (set_flag(ic, LBMD_PI_CAP_REFTAG, key, value, origin))
			return -1;
		break;
	}
	if (!ic->origin || k == KEY_METADATA_SIZE) {
		free(ic->origin);
		ic->origin = strdup(origin);
	}
	return 1;
}

void integrity_config_free(struct integrity_config *ic)
{
	free(ic->origin);
	memset(ic, 0, sizeof(*ic));
}

int integrity_config_equal(const struct integrity_config *a, const struct integrity_config *b)
{
	return a->metadata_size == b->metadata_size && a->pi_offset == b->pi_offset &&
	       a->tag_size == b->tag_size && a->csum_type == b->csum_type &&
	       a->flags == b->flags;
}

int integrity_config_validate(const struct dev_config *cfg)
{
	const struct integrity_config *ic = &cfg->integrity;
	uint32_t tuple = tuple_size(ic->csum_type);

	if (!ic->origin)
		return 0;
	if (!ic->metadata_size) {
		log_error("%s: integrity parameters need metadata_size (--metadata_size N)",
			  ic->origin);
		return -1;
	}
	/* The kernel's rules (ublk_validate_params), said before any device exists. */
	if (ic->pi_offset + tuple > ic->metadata_size) {
		log_error("%s: a %s PI tuple of %u bytes at pi_offset %u does not fit in metadata_size %u",
			  ic->origin, csum_name(ic->csum_type), tuple, ic->pi_offset,
			  ic->metadata_size);
		return -1;
	}
	if ((ic->flags & LBMD_PI_CAP_REFTAG) && ic->csum_type == LBMD_PI_CSUM_NONE) {
		log_error("%s: integrity_reftag needs a csum_type (ip, t10dif or nvme)", ic->origin);
		return -1;
	}
	/* Metadata moves only by user copy: the data path that cannot is refused. */
	if (cfg->zero_copy && cfg->key_origin[KEY_ZERO_COPY]) {
		log_error("%s: integrity metadata (metadata_size) moves only by user copy: it does not combine with zero_copy",
			  cfg->key_origin[KEY_ZERO_COPY]);
		return -1;
	}
	if (cfg->get_data) {
		log_error("%s: integrity metadata (metadata_size) moves only by user copy: it does not combine with get_data",
			  dev_config_origin(cfg, KEY_GET_DATA));
		return -1;
	}
	return 0;
}

void integrity_fill_params(const struct integrity_config *ic, struct ublk_device_params *p)
{
	p->metadata_size = ic->metadata_size;
	p->pi_offset = (uint8_t)ic->pi_offset;
	p->csum_type = (uint8_t)ic->csum_type;
	p->tag_size = (uint8_t)ic->tag_size;
	p->integrity_flags = (uint8_t)ic->flags;
}

int integrity_check_layers(const struct device *dev)
{
	const struct integrity_config *ic = &dev->cfg->integrity;
	unsigned int i;

	if (!ic->metadata_size || (dev->caps & UBLK_CAP_INTEGRITY))
		return 0;
	for (i = 0; i < dev->nr_layers; i++) {
		const struct layer *l = &dev->layers[i];

		if (l->kind == LAYER_FILTER && !(l->caps & UBLK_CAP_INTEGRITY)) {
			log_error("%s: filter %s does not pass integrity metadata through (metadata_size)",
				  ic->origin, l->name);
			return -1;
		}
	}
	log_error("%s: target %s does not store integrity metadata (metadata_size)", ic->origin,
		  dev->layers[dev->nr_layers - 1].name);
	return -1;
}
