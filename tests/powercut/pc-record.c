// SPDX-License-Identifier: MIT
/*
 * pc-record: writer and checker of the power-cut test (tests/powercut).
 *
 *   pc-record write DEV GEN MODE      numbered records on a block device
 *   pc-record check DEV GEN MODE ACKED
 *   pc-record fswrite DIR GEN         fsync'd files in a directory
 *   pc-record fscheck DIR GEN ACKED
 *
 * MODE is "fua" (O_DIRECT|O_DSYNC pwrite of one record at a time: each write
 * is a FUA write, acknowledged when it returns) or "syncN" (N O_DIRECT
 * pwrites of one record each, then fdatasync, a FLUSH: the N records are
 * acknowledged when fdatasync returns; before it, the device's volatile
 * cache may hold any of them).
 *
 * Every acknowledged record is announced as "ack GEN N\n" with one write(2)
 * on stdout (the VM's serial port: nothing is buffered in this process), so
 * the host knows which records were durable before it cut the power.
 *
 * Layout: record N is RECORD_SIZE bytes at offset N * RECORD_SIZE. Each
 * 512-byte sector of it is self-describing (generation, record, sector
 * index, CRC32C over the rest), so a checker can tell, sector by sector,
 * "never written" (all zero), "a complete sector of generation g", or
 * "garbage" (a torn or misplaced sector: always a failure, since disks
 * promise sector atomicity).
 *
 * The check, for the generation GEN that was cut and ACKED (the last
 * acknowledged record the host saw, -1 for none):
 *  1. no sector is garbage, and none is of a generation above GEN;
 *  2. records 0..ACKED are entirely of generation GEN (nothing lost);
 *  3. writes are ordered by their acknowledgements: with M the highest
 *     record holding any sector of GEN, every record below the first one of
 *     M's batch (batch = 1 for fua, N for syncN) is entirely of GEN. Records
 *     after the last acknowledgement may be old, new or (within the one
 *     batch in flight) a mix of old and new sectors, never anything else.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define SECTOR 512
#define RECORD_SIZE 4096
#define SECTORS (RECORD_SIZE / SECTOR)
#define MAGIC 0x7063726563303031ULL	/* "pcrec001" */
#define MAX_BATCH 64
#define CHECK_CHUNK 256		/* records per read of the checker */

struct sector_hdr {
	uint64_t magic;
	uint32_t gen;
	uint32_t record;
	uint32_t sector;
	uint32_t crc;		/* CRC32C of the sector with this field zero */
};

static uint32_t crc_table[256];

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78 : c >> 1;
		crc_table[i] = c;
	}
}

static uint32_t crc32c(const uint8_t *p, size_t n)
{
	uint32_t c = ~0U;

	while (n--)
		c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
	return ~c;
}

static void die(const char *what)
{
	fprintf(stderr, "pc-record: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Deterministic payload: anything but a constant, so misplaced data shows. */
static void fill_sector(uint8_t *s, uint32_t gen, uint32_t record, uint32_t sector)
{
	struct sector_hdr h = { MAGIC, gen, record, sector, 0 };
	uint64_t x = ((uint64_t)gen << 40) ^ ((uint64_t)record << 8) ^ sector ^ 0x9e3779b97f4a7c15ULL;

	for (size_t i = sizeof(h); i < SECTOR; i += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(s + i, &x, SECTOR - i < 8 ? SECTOR - i : 8);
	}
	memcpy(s, &h, sizeof(h));
	h.crc = crc32c(s, SECTOR);
	memcpy(s, &h, sizeof(h));
}

static void fill_record(uint8_t *buf, uint32_t gen, uint32_t record)
{
	for (uint32_t i = 0; i < SECTORS; i++)
		fill_sector(buf + i * SECTOR, gen, record, i);
}

/* Sector state: -1 zero, -2 garbage, else its generation. */
static long sector_gen(const uint8_t *s, uint32_t record, uint32_t sector)
{
	struct sector_hdr h;
	uint8_t copy[SECTOR];
	size_t i;

	for (i = 0; i < SECTOR && !s[i]; i++)
		;
	if (i == SECTOR)
		return -1;
	memcpy(&h, s, sizeof(h));
	if (h.magic != MAGIC || h.record != record || h.sector != sector)
		return -2;
	memcpy(copy, s, SECTOR);
	memset(copy + offsetof(struct sector_hdr, crc), 0, sizeof(h.crc));
	return crc32c(copy, SECTOR) == h.crc ? (long)h.gen : -2;
}

static void ack(uint32_t gen, long n)
{
	char line[64];
	int len = snprintf(line, sizeof(line), "ack %u %ld\n", gen, n);

	if (write(STDOUT_FILENO, line, len) != len)
		die("stdout");
}

/* MODE: "fua" -> 1 record per write, O_DSYNC; "syncN" -> N, fdatasync. */
static int parse_mode(const char *mode, int *dsync)
{
	int n;

	if (!strcmp(mode, "fua")) {
		*dsync = 1;
		return 1;
	}
	n = !strncmp(mode, "sync", 4) ? atoi(mode + 4) : 0;
	if (n < 1 || n > MAX_BATCH) {
		fprintf(stderr, "pc-record: bad mode %s (fua or syncN, N 1..%d)\n", mode, MAX_BATCH);
		exit(2);
	}
	*dsync = 0;
	return n;
}

static int cmd_write(const char *dev, uint32_t gen, const char *mode)
{
	int dsync, batch = parse_mode(mode, &dsync);
	int fd = open(dev, O_WRONLY | O_DIRECT | (dsync ? O_DSYNC : 0));
	uint8_t *buf;
	off_t size;
	long nrec;

	if (fd < 0)
		die(dev);
	size = lseek(fd, 0, SEEK_END);
	nrec = size / RECORD_SIZE;
	if (posix_memalign((void **)&buf, 4096, (size_t)RECORD_SIZE * batch))
		die("memory");
	printf("pc: writing gen %u mode %s on %s (%ld records)\n", gen, mode, dev, nrec);
	fflush(stdout);
	for (long n = 0; n + batch <= nrec; n += batch) {
		for (int i = 0; i < batch; i++)
			fill_record(buf + (size_t)i * RECORD_SIZE, gen, n + i);
		/* One record per pwrite: the batch is N separate block requests. */
		for (int i = 0; i < batch; i++)
			if (pwrite(fd, buf + (size_t)i * RECORD_SIZE, RECORD_SIZE,
				   (off_t)(n + i) * RECORD_SIZE) != RECORD_SIZE)
				die("pwrite");
		if (!dsync && fdatasync(fd))
			die("fdatasync");
		ack(gen, n + batch - 1);
	}
	printf("pc: device full\n");
	fflush(stdout);
	pause();
	return 0;
}

static int cmd_check(const char *dev, uint32_t gen, const char *mode, long acked)
{
	int dsync, batch = parse_mode(mode, &dsync);
	int fd = open(dev, O_RDONLY | O_DIRECT);
	long nrec, highest = -1, prefix = -1, mixed = 0, fails = 0;
	uint8_t *buf;
	char *state;		/* per record: 'n' all new, 'o' no new, 'm' mix */

	if (fd < 0)
		die(dev);
	nrec = lseek(fd, 0, SEEK_END) / RECORD_SIZE;
	state = calloc(nrec, 1);
	if (posix_memalign((void **)&buf, 4096, (size_t)RECORD_SIZE * CHECK_CHUNK) || !state)
		die("memory");
	for (long n = 0; n < nrec; n++) {
		uint8_t *rec = buf + (n % CHECK_CHUNK) * RECORD_SIZE;
		int nnew = 0;

		/* Big reads: the check runs under emulation at every boot. */
		if (n % CHECK_CHUNK == 0) {
			size_t len = (size_t)(nrec - n < CHECK_CHUNK ? nrec - n : CHECK_CHUNK) * RECORD_SIZE;

			if (pread(fd, buf, len, (off_t)n * RECORD_SIZE) != (ssize_t)len)
				die("pread");
		}
		for (uint32_t i = 0; i < SECTORS; i++) {
			long g = sector_gen(rec + i * SECTOR, n, i);

			if (g == -2 || g > (long)gen) {
				if (fails++ < 10)
					printf("pc: FAIL record %ld sector %u: %s\n", n, i,
					       g == -2 ? "garbage (torn or misplaced)" : "from the future");
				continue;
			}
			nnew += g == (long)gen;
		}
		state[n] = nnew == SECTORS ? 'n' : nnew ? 'm' : 'o';
		if (nnew)
			highest = n;
		mixed += state[n] == 'm';
		if (state[n] == 'n' && prefix == n - 1)
			prefix = n;
	}
	for (long n = 0; n <= acked && n < nrec; n++)
		if (state[n] != 'n' && fails++ < 20)
			printf("pc: FAIL acknowledged record %ld of gen %u is %s\n", n, gen,
			       state[n] == 'm' ? "torn (old and new sectors)" : "lost (old)");
	if (acked >= nrec) {
		printf("pc: FAIL acknowledged record %ld beyond the device\n", acked);
		fails++;
	}
	/* Every batch before the one holding the highest new sector is complete. */
	for (long n = 0; highest >= 0 && n < highest / batch * batch; n++)
		if (state[n] != 'n' && fails++ < 30)
			printf("pc: FAIL record %ld of gen %u is %s but record %ld is new: "
			       "writes reordered across an acknowledgement\n", n, gen,
			       state[n] == 'm' ? "torn" : "old", highest);
	printf("pc: check gen %u mode %s: acked %ld, new prefix %ld, highest new %ld, "
	       "mixed %ld, %s\n", gen, mode, acked, prefix, highest, mixed,
	       fails ? "FAILED" : "ok");
	fflush(stdout);
	return fails ? 1 : 0;
}

/* Files: DIR/GEN.N, 1..4 records of generation GEN, record numbers N*4+i. */
static size_t file_records(long n)
{
	return 1 + n % 4;
}

static int cmd_fswrite(const char *dir, uint32_t gen)
{
	uint8_t buf[RECORD_SIZE * 4];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);

	if (dfd < 0)
		die(dir);
	printf("pc: writing gen %u files in %s\n", gen, dir);
	fflush(stdout);
	for (long n = 0;; n++) {
		char name[64];
		size_t k = file_records(n);
		int fd;

		snprintf(name, sizeof(name), "%u.%ld", gen, n);
		fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			if (errno == ENOSPC)
				break;
			die(name);
		}
		for (size_t i = 0; i < k; i++)
			fill_record(buf + i * RECORD_SIZE, gen, n * 4 + i);
		if (write(fd, buf, k * RECORD_SIZE) != (ssize_t)(k * RECORD_SIZE)) {
			if (errno == ENOSPC)
				break;
			die("write");
		}
		/* The file's data and inode, then its name in the directory. */
		if (fsync(fd) || fsync(dfd))
			die("fsync");
		close(fd);
		ack(gen, n);
	}
	printf("pc: file system full\n");
	fflush(stdout);
	pause();
	return 0;
}

/*
 * Files 0..ACKED of GEN exist with their full contents. A later file may be
 * missing or hold any prefix of its contents, never other bytes (ext4's
 * ordered mode exposes no stale blocks). Files of other generations: none.
 */
static int cmd_fscheck(const char *dir, uint32_t gen, long acked)
{
	uint8_t want[RECORD_SIZE * 4], got[RECORD_SIZE * 4 + 1];
	long fails = 0, present = 0, partial = 0, highest = -1;
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		die(dir);
	while ((e = readdir(d))) {
		unsigned g;
		long n;
		char tail;
		size_t k;
		ssize_t len;
		int fd;

		if (e->d_name[0] == '.')
			continue;
		if (sscanf(e->d_name, "%u.%ld%c", &g, &n, &tail) != 2 || g != gen || n < 0) {
			printf("pc: FAIL unexpected file %s\n", e->d_name);
			fails++;
			continue;
		}
		k = file_records(n);
		for (size_t i = 0; i < k; i++)
			fill_record(want + i * RECORD_SIZE, gen, n * 4 + i);
		fd = openat(dirfd(d), e->d_name, O_RDONLY);
		if (fd < 0)
			die(e->d_name);
		len = read(fd, got, sizeof(got));
		close(fd);
		if (len < 0)
			die(e->d_name);
		present++;
		if (n > highest)
			highest = n;
		if ((size_t)len > k * RECORD_SIZE || memcmp(got, want, len)) {
			printf("pc: FAIL file %s: %zd bytes, not a prefix of its contents\n",
			       e->d_name, len);
			fails++;
		} else if ((size_t)len < k * RECORD_SIZE) {
			if (n <= acked) {
				printf("pc: FAIL acknowledged file %s has %zd of %zu bytes\n",
				       e->d_name, len, k * RECORD_SIZE);
				fails++;
			}
			partial++;
		}
	}
	closedir(d);
	for (long n = 0; n <= acked; n++) {
		char name[300];

		snprintf(name, sizeof(name), "%s/%u.%ld", dir, gen, n);
		if (access(name, F_OK)) {
			if (fails++ < 20)
				printf("pc: FAIL acknowledged file %u.%ld lost\n", gen, n);
		}
	}
	printf("pc: fscheck gen %u: acked %ld, files %ld, highest %ld, partial %ld, %s\n",
	       gen, acked, present, highest, partial, fails ? "FAILED" : "ok");
	fflush(stdout);
	return fails ? 1 : 0;
}

int main(int argc, char **argv)
{
	crc_init();
	if (argc == 4 && !strcmp(argv[1], "fswrite"))
		return cmd_fswrite(argv[2], strtoul(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "fscheck"))
		return cmd_fscheck(argv[2], strtoul(argv[3], NULL, 0), strtol(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "write"))
		return cmd_write(argv[2], strtoul(argv[3], NULL, 0), argv[4]);
	if (argc == 6 && !strcmp(argv[1], "check"))
		return cmd_check(argv[2], strtoul(argv[3], NULL, 0), argv[4],
				 strtol(argv[5], NULL, 0));
	fprintf(stderr, "usage: pc-record write DEV GEN fua|syncN\n"
		"       pc-record check DEV GEN fua|syncN ACKED\n"
		"       pc-record fswrite DIR GEN\n"
		"       pc-record fscheck DIR GEN ACKED\n");
	return 2;
}
