// SPDX-License-Identifier: MIT
#include "common/util.h"
#include "stripe_map.h"

int stripe_map(uint64_t offset, uint32_t len, uint32_t chunk_size, uint32_t nfiles,
	       struct stripe_piece *pieces, uint32_t max)
{
	uint32_t done = 0, n = 0;

	if (!nfiles || !is_power_of_2(chunk_size))
		return -1;
	while (done < len) {
		uint64_t pos = offset + done;
		uint64_t chunk = pos / chunk_size;
		uint32_t in_chunk = (uint32_t)(pos % chunk_size);
		uint32_t take = chunk_size - in_chunk;

		if (take > len - done)
			take = len - done;
		if (n == max)
			return -1;
		pieces[n].file = (uint32_t)(chunk % nfiles);
		pieces[n].file_off = (chunk / nfiles) * chunk_size + in_chunk;
		pieces[n].buf_off = done;
		pieces[n].len = take;
		n++;
		done += take;
	}
	return (int)n;
}

void stripe_group_by_file(const struct stripe_piece *pieces, uint32_t n, uint32_t nfiles,
			  struct stripe_piece *out, uint32_t *first, uint32_t *count)
{
	uint32_t f, i, pos = 0;

	for (f = 0; f < nfiles; f++)
		count[f] = 0;
	for (i = 0; i < n; i++)
		count[pieces[i].file]++;
	for (f = 0; f < nfiles; f++) {
		first[f] = pos;
		pos += count[f];
	}
	/* Fill with a running cursor per file; first[] is restored after. */
	for (i = 0; i < n; i++)
		out[first[pieces[i].file]++] = pieces[i];
	for (f = 0; f < nfiles; f++)
		first[f] -= count[f];
}
