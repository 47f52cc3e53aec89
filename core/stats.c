// SPDX-License-Identifier: MIT
/* The daemon's side of the stats file: create it, describe the device, remove it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "data_path_auto.h"
#include "device.h"
#include "layers.h"
#include "log.h"
#include "run_dir.h"
#include "stats.h"

void stats_path(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/dev%d.stats", run_dir_get(), dev_id);
}

/* What the kernel device was created with: on recovery, the flags decide, not the config. */
static const char *recovery_word(__u64 flags)
{
	if (flags & UBLK_F_USER_RECOVERY_FAIL_IO)
		return "fail_io";
	if (flags & UBLK_F_USER_RECOVERY_REISSUE)
		return "reissue";
	return flags & UBLK_F_USER_RECOVERY ? "on" : "none";
}

static void describe(struct stats_file *s, const struct device *dev)
{
	const struct dev_config *cfg = dev->cfg;
	size_t used = 0;
	unsigned int i;

	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "");
	snprintf(s->target, sizeof(s->target), "%s", dev->nr_layers ?
		 dev->layers[dev->nr_layers - 1].name : cfg->target ? cfg->target : "");
	for (i = 0; i < dev->nr_layers; i++) {
		size_t l = strlen(s->layers);

		snprintf(s->layers + l, sizeof(s->layers) - l, "%s%s", i ? "," : "",
			 dev->layers[i].name);
	}
	snprintf(s->data_path, sizeof(s->data_path), "%s", data_path_word(dev->data_path));
	snprintf(s->data_path_why, sizeof(s->data_path_why), "%s", dev->data_path_why);
	snprintf(s->recovery, sizeof(s->recovery), "%s",
		 recovery_word(dev->info.flags | dev->flags));
	for (i = 0; i < cfg->nr_plugin_keys; i++) {
		const struct config_kv *kv = &cfg->plugin_keys[i];
		int n = snprintf(s->config + used, sizeof(s->config) - used, "%s=%s\n",
				 kv->key, kv->value);

		/* Never a half entry: readers split on newlines. */
		if (n < 0 || (size_t)n >= sizeof(s->config) - used) {
			s->config[used] = '\0';
			break;
		}
		used += (size_t)n;
	}
}

/* The recoveries a previous daemon's file of this device counted, or -1. */
static int64_t previous_recoveries(const char *path, int dev_id)
{
	struct stats_file old;
	int64_t ret = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (pread(fd, &old, sizeof(old), 0) == (ssize_t)sizeof(old) &&
	    old.magic == STATS_MAGIC && old.version == STATS_VERSION && old.dev_id == dev_id)
		ret = (int64_t)old.recoveries;
	close(fd);
	return ret;
}

int stats_open(struct device *dev)
{
	unsigned int nq = dev->info.nr_hw_queues, nt = dev->nr_threads, i;
	/* Batch may spread queues over threads unevenly: the full matrix then. */
	unsigned int stride = dev->cfg->per_io_tasks || nt != nq ? nt : 0;
	unsigned int nr_blocks = stride ? nq * nt : nt;
	size_t len = sizeof(struct stats_file) + nr_blocks * sizeof(struct stats_block);
	struct timespec now;
	struct stats_file *s;
	int64_t recoveries = 0;
	char path[512];
	int fd;

	if (run_dir_ensure() < 0)
		return -1;
	stats_path(dev->dev_id, path, sizeof(path));
	/* device_start() sets added for ADD_DEV only: otherwise this is a recovery. */
	if (!dev->added) {
		recoveries = previous_recoveries(path, dev->dev_id);
		recoveries = recoveries < 0 ? 1 : recoveries + 1;
	}
	/* A new file, never the old one rewritten under a reader's mapping. */
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, RUN_DIR_STATS_MODE);
	/* stats_mode exactly, whatever the umask (the daemon's is 077). */
	if (fd < 0 || fchmod(fd, run_dir_stats_mode()) || ftruncate(fd, (off_t)len)) {
		log_warn("dev %d: no statistics: %s: %s", dev->dev_id, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	s = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (s == MAP_FAILED)
		return -1;
	s->version = STATS_VERSION;
	s->block_size = sizeof(struct stats_block);
	s->nr_threads = nt;
	s->nr_queues = nq;
	s->nr_blocks = nr_blocks;
	s->queue_stride = stride;
	s->pid = getpid();
	s->dev_id = dev->dev_id;
	s->recoveries = (uint64_t)recoveries;
	clock_gettime(CLOCK_REALTIME, &now);
	s->start_realtime_ns = (uint64_t)now.tv_sec * 1000000000ULL + (uint64_t)now.tv_nsec;
	describe(s, dev);
	for (i = 0; i < nr_blocks; i++) {
		s->blocks[i].queue = stride ? i / nt : i;
		s->blocks[i].thread = stride ? i % nt : i;
	}
	/* Written last: readers ignore a file without it. */
	__atomic_store_n(&s->magic, STATS_MAGIC, __ATOMIC_RELEASE);
	dev->stats_len = len;
	dev->stats = s;
	log_name_device(dev->dev_id, dev->cfg->name);
	return 0;
}

void stats_close(struct device *dev, int unlink_file)
{
	char path[512];

	if (!dev->stats)
		return;
	log_name_device(dev->dev_id, NULL);
	munmap(dev->stats, dev->stats_len);
	dev->stats = NULL;
	if (unlink_file) {
		stats_path(dev->dev_id, path, sizeof(path));
		unlink(path);
	}
}
