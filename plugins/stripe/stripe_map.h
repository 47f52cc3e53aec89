/* SPDX-License-Identifier: MIT */
/*
 * RAID-0 address mapping, free of ublk and io_uring: a device range cut at
 * chunk boundaries into pieces, each naming its backing file, the offset in
 * that file and the offset in the request buffer.
 *
 * Chunk c of the device (c = offset / chunk_size) lives in file c % nfiles,
 * at file offset (c / nfiles) * chunk_size. Within one request, the pieces
 * of one file are contiguous in that file (they are consecutive rows).
 */
#ifndef UBLK_STRIPE_MAP_H
#define UBLK_STRIPE_MAP_H

#include <stdint.h>

struct stripe_piece {
	uint32_t file;		/* backing file index, < nfiles */
	uint32_t buf_off;	/* offset in the request buffer */
	uint32_t len;		/* bytes, > 0 */
	uint64_t file_off;	/* offset in the backing file */
};

/* Most pieces a request of len bytes can need (any alignment). */
static inline uint32_t stripe_max_pieces(uint32_t len, uint32_t chunk_size)
{
	return len / chunk_size + 2;
}

/*
 * Cut [offset, offset + len) into pieces in device order (buffer offsets
 * ascending). chunk_size: a power of two; nfiles >= 1. Returns the number of
 * pieces, 0 for len 0, or -1 when more than max would be needed or the
 * arguments are invalid.
 */
int stripe_map(uint64_t offset, uint32_t len, uint32_t chunk_size, uint32_t nfiles,
	       struct stripe_piece *pieces, uint32_t max);

/*
 * Reorder pieces (as stripe_map returned them) grouped by file, ascending file
 * index, each file's pieces in buffer order (= file order), into out (n
 * pieces, not overlapping pieces). first[f] and count[f] (arrays of nfiles)
 * give each file's range in out. Stable; O(n + nfiles).
 */
void stripe_group_by_file(const struct stripe_piece *pieces, uint32_t n, uint32_t nfiles,
			  struct stripe_piece *out, uint32_t *first, uint32_t *count);

#endif
