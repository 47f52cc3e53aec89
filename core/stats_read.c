// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "process.h"
#include "run_dir.h"
#include "stats_read.h"

static void block_add(struct stats_block *sum, const struct stats_block *b)
{
	unsigned int i, k;
	uint64_t v;

	/* Completed counts first (acquire): what they count is then visible. */
	for (k = 0; k < NR_STATS_OPS; k++)
		sum->requests[k] += __atomic_load_n(&b->requests[k], __ATOMIC_ACQUIRE);
	for (k = 0; k < NR_STATS_OPS; k++) {
		sum->bytes[k] += __atomic_load_n(&b->bytes[k], __ATOMIC_RELAXED);
		sum->errors[k] += __atomic_load_n(&b->errors[k], __ATOMIC_RELAXED);
	}
	sum->backend_errors += __atomic_load_n(&b->backend_errors, __ATOMIC_RELAXED);
	sum->shmem_zc_hits += __atomic_load_n(&b->shmem_zc_hits, __ATOMIC_RELAXED);
	for (k = 0; k < NR_STATS_LAT; k++) {
		sum->lat_sum_ns[k] += __atomic_load_n(&b->lat_sum_ns[k], __ATOMIC_RELAXED);
		for (i = 0; i < NR_STATS_BUCKETS; i++)
			sum->lat[k][i] += __atomic_load_n(&b->lat[k][i], __ATOMIC_RELAXED);
	}
	/* Last: started only grows, so it is never below the completions read above. */
	v = __atomic_load_n(&b->started, __ATOMIC_ACQUIRE);
	sum->started += v;
}

int stats_snapshot_read(int dev_id, struct stats_snapshot *snap)
{
	const struct stats_file *s;
	struct timespec now;
	char path[512];
	struct stat st;
	size_t len;
	uint32_t i;
	int fd, ret = 0;

	memset(snap, 0, sizeof(*snap));
	stats_path(dev_id, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*s)) {
		close(fd);
		return -EINVAL;
	}
	len = (size_t)st.st_size;
	s = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED)
		return -errno;
	if (__atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != STATS_MAGIC ||
	    s->version != STATS_VERSION || s->block_size != sizeof(struct stats_block) ||
	    sizeof(*s) + (size_t)s->nr_blocks * sizeof(struct stats_block) > len ||
	    !s->nr_queues || !s->nr_threads) {
		ret = -EINVAL;
		goto out;
	}
	memcpy(&snap->hdr, s, sizeof(*s));
	snap->hdr.name[STATS_NAME_LEN - 1] = '\0';
	snap->hdr.target[STATS_TARGET_LEN - 1] = '\0';
	snap->hdr.layers[sizeof(snap->hdr.layers) - 1] = '\0';
	snap->hdr.data_path[STATS_WORD_LEN - 1] = '\0';
	snap->hdr.recovery[STATS_WORD_LEN - 1] = '\0';
	snap->hdr.data_path_why[sizeof(snap->hdr.data_path_why) - 1] = '\0';
	snap->hdr.config[STATS_CONFIG_LEN - 1] = '\0';
	snap->queues = calloc(s->nr_queues, sizeof(*snap->queues));
	snap->threads = calloc(s->nr_threads, sizeof(*snap->threads));
	if (!snap->queues || !snap->threads) {
		stats_snapshot_free(snap);
		ret = -ENOMEM;
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	snap->taken_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	for (i = 0; i < s->nr_blocks; i++) {
		const struct stats_block *b = &s->blocks[i];
		struct stats_block one;

		memset(&one, 0, sizeof(one));
		block_add(&one, b);
		block_add(&snap->total, &one);
		if (b->queue < s->nr_queues)
			block_add(&snap->queues[b->queue], &one);
		if (b->thread < s->nr_threads)
			block_add(&snap->threads[b->thread], &one);
	}
	snap->alive = process_is_running(s->pid);
out:
	munmap((void *)s, len);
	return ret;
}

void stats_snapshot_free(struct stats_snapshot *snap)
{
	free(snap->queues);
	free(snap->threads);
	snap->queues = snap->threads = NULL;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int stats_list_ids(int *ids, int max)
{
	DIR *d = opendir(run_dir_get());
	struct dirent *de;
	int n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) && n < max) {
		char *end;
		long id;

		if (strncmp(de->d_name, "dev", 3))
			continue;
		id = strtol(de->d_name + 3, &end, 10);
		if (end != de->d_name + 3 && !strcmp(end, ".stats") && id >= 0)
			ids[n++] = (int)id;
	}
	closedir(d);
	qsort(ids, (size_t)n, sizeof(*ids), cmp_int);
	return n;
}

uint64_t stats_sum_requests(const struct stats_block *b)
{
	uint64_t v = 0;
	unsigned int k;

	for (k = 0; k < NR_STATS_OPS; k++)
		v += b->requests[k];
	return v;
}

uint64_t stats_sum_bytes(const struct stats_block *b)
{
	uint64_t v = 0;
	unsigned int k;

	for (k = 0; k < NR_STATS_OPS; k++)
		v += b->bytes[k];
	return v;
}

uint64_t stats_sum_errors(const struct stats_block *b)
{
	uint64_t v = 0;
	unsigned int k;

	for (k = 0; k < NR_STATS_OPS; k++)
		v += b->errors[k];
	return v;
}

uint64_t stats_in_flight(const struct stats_block *b)
{
	uint64_t done = stats_sum_requests(b);

	return b->started > done ? b->started - done : 0;
}

void stats_device_label(const struct stats_snapshot *s, char *buf, size_t len)
{
	if (s->hdr.name[0])
		snprintf(buf, len, "%s", s->hdr.name);
	else
		snprintf(buf, len, "ublkb%d", s->hdr.dev_id);
}
