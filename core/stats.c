// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "device.h"
#include "log.h"
#include "run_dir.h"
#include "stats.h"

static void stats_path(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dev%d.stats", run_dir_get(), dev_id);
}

int stats_open(struct device *dev)
{
	size_t len = sizeof(struct stats_file) + dev->nr_threads * sizeof(uint64_t);
	struct stats_file *s;
	char path[512];
	unsigned int i;
	int fd;

	if (run_dir_ensure() < 0)
		return -1;
	stats_path(dev->dev_id, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)len)) {
		log_warn("dev %d: no statistics: %s: %s", dev->dev_id, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED)
		return -1;
	s->nr_threads = dev->nr_threads;
	s->pid = getpid();
	for (i = 0; i < dev->nr_threads; i++)
		dev->threads[i].counter = &s->requests[i];
	/* Written last: readers ignore a file without it. */
	__atomic_store_n(&s->magic, STATS_MAGIC, __ATOMIC_RELEASE);
	dev->stats = s;
	dev->stats_len = len;
	return 0;
}

void stats_close(struct device *dev, int unlink_file)
{
	char path[512];
	unsigned int i;

	if (!dev->stats)
		return;
	for (i = 0; i < dev->nr_threads; i++)
		dev->threads[i].counter = &dev->threads[i].nr_handled;
	munmap(dev->stats, dev->stats_len);
	dev->stats = NULL;
	if (unlink_file) {
		stats_path(dev->dev_id, path, sizeof(path));
		unlink(path);
	}
}

int stats_print(int dev_id)
{
	const struct stats_file *s;
	char path[512];
	struct stat st;
	uint32_t i;
	int fd;

	stats_path(dev_id, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (size_t)st.st_size < sizeof(*s)) {
		close(fd);
		return -EINVAL;
	}
	s = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED)
		return -errno;
	if (s->magic != STATS_MAGIC ||
	    sizeof(*s) + s->nr_threads * sizeof(uint64_t) > (size_t)st.st_size) {
		munmap((void *)s, (size_t)st.st_size);
		return -EINVAL;
	}
	printf("dev id %d: daemon pid %d threads %u\n", dev_id, s->pid, s->nr_threads);
	for (i = 0; i < s->nr_threads; i++)
		printf("\tthread %u: requests %llu\n", i,
		       (unsigned long long)__atomic_load_n(&s->requests[i], __ATOMIC_RELAXED));
	munmap((void *)s, (size_t)st.st_size);
	return 0;
}
