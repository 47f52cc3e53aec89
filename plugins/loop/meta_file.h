/* SPDX-License-Identifier: MIT */
/*
 * loop's integrity sidecar: a second file holding metadata_size bytes per
 * logical block of the device, block N's at N * metadata_size, so a tag is
 * found (and can be inspected or damaged) with dd. kublk keeps its
 * integrity data the same way, in the second backing file.
 */
#ifndef UBLK_LOOP_META_FILE_H
#define UBLK_LOOP_META_FILE_H

#include <stdint.h>

struct meta_file {
	char *path;
	int fd;			/* -1 until meta_file_open */
	uint32_t lbs;		/* the device's logical block size */
	uint32_t metadata_size;	/* bytes per block */
};

void meta_file_init(struct meta_file *mf);
/* `meta_file=PATH` (or the second positional file). 0, or -1 after ublk_error(). */
int meta_file_set_path(struct meta_file *mf, const char *path);
/*
 * Open (creating it if needed) for a device of dev_size bytes. A file
 * shorter than the metadata of the whole device is extended, the new part
 * filled with 0xff bytes: the T10 PI escape, so blocks never written read
 * back as "no protection information" and pass the block layer's checks.
 * 0, or -1 after ublk_error().
 */
int meta_file_open(struct meta_file *mf, uint64_t dev_size, uint32_t lbs,
		   uint32_t metadata_size, int read_only);
/* Where the metadata of the data at device offset off lives in the file. */
static inline uint64_t meta_file_offset(const struct meta_file *mf, uint64_t off)
{
	return off / mf->lbs * mf->metadata_size;
}
void meta_file_close(struct meta_file *mf);

#endif
