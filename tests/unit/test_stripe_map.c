// SPDX-License-Identifier: MIT
/* The stripe target's address mapping, checked against a byte-wise model. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/stripe/stripe_map.h"
#include "unit.h"

#define K 1024U
#define MAXP 600

/* Where device byte pos lives, the slow obvious way. */
static void model(uint64_t pos, uint32_t chunk, uint32_t nfiles, uint32_t *file, uint64_t *foff)
{
	uint64_t c = pos / chunk;

	*file = (uint32_t)(c % nfiles);
	*foff = (c / nfiles) * chunk + pos % chunk;
}

/*
 * Map and check every property: pieces cover the request in order without
 * gaps, never cross a chunk, agree with the model at both ends, and the
 * grouped view keeps each file's pieces contiguous in the file.
 */
static int check_map(uint64_t off, uint32_t len, uint32_t chunk, uint32_t nfiles)
{
	struct stripe_piece p[MAXP], g[MAXP];
	uint32_t first[64], count[64], i, f, buf = 0;
	int n = stripe_map(off, len, chunk, nfiles, p, MAXP);

	CHECK(n >= 0);
	if (n < 0)
		return -1;
	CHECK((uint32_t)n <= stripe_max_pieces(len, chunk));
	for (i = 0; i < (uint32_t)n; i++) {
		uint32_t mf;
		uint64_t mo;

		CHECK(p[i].len > 0);
		CHECK(p[i].buf_off == buf);
		model(off + buf, chunk, nfiles, &mf, &mo);
		CHECK(p[i].file == mf);
		CHECK(p[i].file_off == mo);
		model(off + buf + p[i].len - 1, chunk, nfiles, &mf, &mo);
		CHECK(p[i].file == mf);
		CHECK(p[i].file_off + p[i].len - 1 == mo);
		/* Never crosses a chunk boundary in the device. */
		CHECK((off + buf) / chunk == (off + buf + p[i].len - 1) / chunk);
		buf += p[i].len;
	}
	CHECK(buf == len);

	stripe_group_by_file(p, (uint32_t)n, nfiles, g, first, count);
	buf = 0;
	for (f = 0; f < nfiles; f++) {
		for (i = 0; i < count[f]; i++) {
			const struct stripe_piece *q = &g[first[f] + i];

			CHECK(q->file == f);
			if (i) {
				const struct stripe_piece *prev = q - 1;

				CHECK(prev->file_off + prev->len == q->file_off);
				CHECK(prev->buf_off < q->buf_off);
			}
			buf += q->len;
		}
		if (f + 1 < nfiles)
			CHECK(first[f] + count[f] == first[f + 1]);
	}
	CHECK(buf == len);
	return n;
}

int main(void)
{
	struct stripe_piece p[MAXP];
	uint32_t first[4], count[4];
	struct stripe_piece g[MAXP];
	int n;

	/* Exactly one chunk, aligned: one piece. */
	n = check_map(64 * K, 64 * K, 64 * K, 2);
	CHECK(n == 1);
	n = stripe_map(64 * K, 64 * K, 64 * K, 2, p, MAXP);
	CHECK(n == 1 && p[0].file == 1 && p[0].file_off == 0 && p[0].len == 64 * K);
	n = stripe_map(128 * K, 64 * K, 64 * K, 2, p, MAXP);
	CHECK(n == 1 && p[0].file == 0 && p[0].file_off == 64 * K);

	/* Unaligned start: 4K before a boundary, 8K long -> two files. */
	n = check_map(60 * K, 8 * K, 64 * K, 2);
	CHECK(n == 2);
	n = stripe_map(60 * K, 8 * K, 64 * K, 2, p, MAXP);
	CHECK(n == 2);
	CHECK(p[0].file == 0 && p[0].file_off == 60 * K && p[0].len == 4 * K && p[0].buf_off == 0);
	CHECK(p[1].file == 1 && p[1].file_off == 0 && p[1].len == 4 * K && p[1].buf_off == 4 * K);

	/* Unaligned start and end inside one chunk; a 512-byte request. */
	CHECK(check_map(5 * 512, 512, 4 * K, 3) == 1);
	CHECK(check_map(4 * K + 512, 7 * 512, 4 * K, 3) == 1);

	/* Spanning many chunks: 1 MiB over 4K chunks, unaligned -> 257 pieces. */
	n = check_map(2 * K, 1024 * K, 4 * K, 3);
	CHECK(n == 257);
	CHECK((uint32_t)n <= stripe_max_pieces(1024 * K, 4 * K));
	CHECK(check_map(0, 1024 * K, 4 * K, 16) == 256);

	/* A request touching every file, grouped per file. */
	n = stripe_map(32 * K, 4 * 64 * K, 64 * K, 4, p, MAXP);
	CHECK(n == 5);
	stripe_group_by_file(p, (uint32_t)n, 4, g, first, count);
	CHECK(count[0] == 2 && count[1] == 1 && count[2] == 1 && count[3] == 1);
	CHECK(g[first[0]].file_off == 32 * K && g[first[0]].len == 32 * K);
	CHECK(g[first[0] + 1].file_off == 64 * K && g[first[0] + 1].buf_off == 224 * K);
	CHECK(check_map(32 * K, 4 * 64 * K, 64 * K, 4) == 5);

	/* Last chunk of a 3 x 1 MiB device with 512K chunks. */
	n = check_map(3 * 1024 * K - 512 * K, 512 * K, 512 * K, 3);
	CHECK(n == 1);
	n = stripe_map(3 * 1024 * K - 512 * K, 512 * K, 512 * K, 3, p, MAXP);
	CHECK(p[0].file == 2 && p[0].file_off == 512 * K && p[0].len == 512 * K);
	/* ... and its last sector. */
	n = stripe_map(3 * 1024 * K - 512, 512, 512 * K, 3, p, MAXP);
	CHECK(n == 1 && p[0].file == 2 && p[0].file_off == 1024 * K - 512);

	/* One file: every piece is in file 0 at the device offset. */
	n = check_map(12 * K, 200 * K, 16 * K, 1);
	CHECK(n == 14);

	/* Large offsets (beyond 4 GiB). */
	CHECK(check_map((5ULL << 32) + 4 * K, 300 * K, 128 * K, 5) == 3);

	/* Brute force: many offsets and lengths, small geometry. */
	{
		uint64_t off;
		uint32_t len, nf;

		for (nf = 1; nf <= 5; nf++)
			for (off = 0; off < 40 * K; off += 512 * 3)
				for (len = 512; len <= 48 * K; len += 512 * 5)
					check_map(off, len, 4 * K, nf);
	}

	/* Limits and bad arguments. */
	CHECK(stripe_map(0, 0, 4 * K, 2, p, MAXP) == 0);
	CHECK(stripe_map(0, 64 * K, 4 * K, 2, p, 15) == -1);
	CHECK(stripe_map(0, 64 * K, 4 * K, 2, p, 16) == 16);
	CHECK(stripe_map(0, 4 * K, 3000, 2, p, MAXP) == -1);
	CHECK(stripe_map(0, 4 * K, 4 * K, 0, p, MAXP) == -1);

	return UNIT_RESULT();
}
