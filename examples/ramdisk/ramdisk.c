// SPDX-License-Identifier: MIT
/*
 * ramdisk: a memory-backed disk, written against the simple (blocking) API
 * of <ublk/plugin.h>. It is the smallest complete plugin: build it out of
 * tree with the Makefile next to it (pkg-config ublk-plugin), copy ramdisk.so
 * into the plugin directory, then
 *
 *   ublk-server add -t ramdisk --size 256M
 *
 * The callbacks run on the server's worker threads and may block. The plugin
 * declares UBLK_THREAD_MODEL_PARALLEL, so several run at once; a lock per
 * 1 MiB region keeps a read from seeing half of a concurrent write to the
 * same blocks, while requests to other regions go ahead in parallel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <ublk/plugin.h>

#define REGION_SHIFT	20	/* 1 MiB per lock */
#define DEFAULT_SIZE	(64ULL << 20)
#define MAX_SIZE	(64ULL << 30)

struct ramdisk {
	uint64_t size;
	unsigned char *mem;		/* anonymous mapping: pages appear when written */
	pthread_rwlock_t *locks;
	uint64_t nr_locks;
};

static int rd_create(void **handle)
{
	struct ramdisk *rd = calloc(1, sizeof(*rd));

	if (!rd) {
		ublk_error("out of memory");
		return -1;
	}
	rd->size = DEFAULT_SIZE;
	*handle = rd;
	return 0;
}

static int rd_config(void *handle, const char *key, const char *value)
{
	struct ramdisk *rd = handle;

	if (!strcmp(key, "size")) {
		uint64_t v;

		if (ublk_parse_size(value, &v) || !v || v > MAX_SIZE || v % 4096) {
			ublk_error("size must be a multiple of 4K from 4K to 64G, not '%s'", value);
			return -1;
		}
		rd->size = v;
		return 0;
	}
	ublk_error("unknown parameter '%s' (ramdisk takes size)", key);
	return -1;
}

static int rd_open(void *handle, struct ublk_device_params *params)
{
	struct ramdisk *rd = handle;
	uint64_t i;

	rd->mem = mmap(NULL, rd->size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rd->mem == MAP_FAILED) {
		rd->mem = NULL;
		ublk_error("cannot map %llu bytes: %s", (unsigned long long)rd->size,
			   strerror(errno));
		return -1;
	}
	rd->nr_locks = (rd->size + (1ULL << REGION_SHIFT) - 1) >> REGION_SHIFT;
	rd->locks = calloc(rd->nr_locks, sizeof(*rd->locks));
	if (!rd->locks) {
		ublk_error("out of memory");
		return -1;
	}
	for (i = 0; i < rd->nr_locks; i++)
		pthread_rwlock_init(&rd->locks[i], NULL);

	params->size = rd->size;
	params->discard_granularity = 4096;
	params->max_discard_size = 1U << 30;
	params->max_write_zeroes_size = 1U << 30;
	return 0;
}

static void rd_close(void *handle)
{
	struct ramdisk *rd = handle;
	uint64_t i;

	if (rd->locks) {
		for (i = 0; i < rd->nr_locks; i++)
			pthread_rwlock_destroy(&rd->locks[i]);
		free(rd->locks);
	}
	if (rd->mem)
		munmap(rd->mem, rd->size);
	free(rd);
}

/*
 * Lock the regions [off, off + count) touches, always in ascending order so
 * two requests spanning the same regions never deadlock.
 */
static int lock_range(struct ramdisk *rd, uint64_t off, uint32_t count, int write)
{
	uint64_t first, last, i;

	if (off > rd->size || count > rd->size - off)
		return -EIO;
	if (!count)
		return 0;
	first = off >> REGION_SHIFT;
	last = (off + count - 1) >> REGION_SHIFT;
	for (i = first; i <= last; i++) {
		if (write)
			pthread_rwlock_wrlock(&rd->locks[i]);
		else
			pthread_rwlock_rdlock(&rd->locks[i]);
	}
	return 0;
}

static void unlock_range(struct ramdisk *rd, uint64_t off, uint32_t count)
{
	uint64_t first, last, i;

	if (!count)
		return;
	first = off >> REGION_SHIFT;
	last = (off + count - 1) >> REGION_SHIFT;
	for (i = first; i <= last; i++)
		pthread_rwlock_unlock(&rd->locks[i]);
}

static int rd_pread(void *handle, void *buf, uint32_t count, uint64_t offset,
		    uint32_t flags)
{
	struct ramdisk *rd = handle;
	int ret = lock_range(rd, offset, count, 0);

	if (ret)
		return ret;
	memcpy(buf, rd->mem + offset, count);
	unlock_range(rd, offset, count);
	return 0;
}

static int rd_pwrite(void *handle, const void *buf, uint32_t count, uint64_t offset,
		     uint32_t flags)
{
	struct ramdisk *rd = handle;
	int ret = lock_range(rd, offset, count, 1);

	if (ret)
		return ret;
	memcpy(rd->mem + offset, buf, count);
	unlock_range(rd, offset, count);
	return 0;	/* memory: UBLK_REQ_FUA is met on return */
}

static int rd_flush(void *handle, uint32_t flags)
{
	return 0;	/* nothing volatile between us and the memory */
}

/* Trim and write zeroes both leave zeroes; whole pages go back to the kernel. */
static int rd_zero(void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
	struct ramdisk *rd = handle;
	uint64_t start, end;
	int ret = lock_range(rd, offset, count, 1);

	if (ret)
		return ret;
	start = (offset + 4095) & ~4095ULL;
	end = (offset + count) & ~4095ULL;
	if (!(flags & UBLK_REQ_NOUNMAP) && end > start &&
	    !madvise(rd->mem + start, end - start, MADV_DONTNEED)) {
		memset(rd->mem + offset, 0, start - offset);
		memset(rd->mem + end, 0, offset + count - end);
	} else {
		memset(rd->mem + offset, 0, count);
	}
	unlock_range(rd, offset, count);
	return 0;
}

static int rd_trim(void *handle, uint32_t count, uint64_t offset, uint32_t flags)
{
	return rd_zero(handle, count, offset, 0);
}

static const char *const rd_keys[] = { "size", NULL };

static const struct ublk_plugin plugin = {
	UBLK_PLUGIN_HEADER,
	.name = "ramdisk",
	.version = "1.0",
	.description = "memory-backed disk (example, simple API)",
	.config_help = "size=SIZE  device size, multiple of 4K (default 64M)\n",
	.thread_model = UBLK_THREAD_MODEL_PARALLEL,
	.config_keys = rd_keys,
	.create = rd_create,
	.config = rd_config,
	.open = rd_open,
	.close = rd_close,
	.pread = rd_pread,
	.pwrite = rd_pwrite,
	.flush = rd_flush,
	.trim = rd_trim,
	.zero = rd_zero,
};

UBLK_REGISTER_PLUGIN(plugin)
