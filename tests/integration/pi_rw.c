// SPDX-License-Identifier: MIT
/*
 * pi_rw: write blocks with the application's own protection information
 * (io_uring's PI attribute, Linux 6.15+), read them back with it, and check
 * that data and metadata both come back as written.
 *
 *   pi_rw DEV LBA NBLOCKS METADATA_SIZE APP_TAG META_OUT
 *
 * DEV is opened O_DIRECT; blocks are 512 bytes (the protection interval).
 * Each block's metadata is METADATA_SIZE bytes: a T10 PI tuple at offset 0
 * (guard, APP_TAG, reference tag = its LBA, big endian) and the rest a
 * per-block pattern. No check flags are set, so nothing on the way checks
 * or regenerates the tuples: what comes back is what the device stored.
 * The metadata written is saved in META_OUT (to compare with the backing
 * store). Exit 0 when both match, 1 otherwise.
 *
 * Debian 12's liburing predates the attribute: its layout is defined here,
 * and the SQE fields it uses are addr3/__pad2 of the old header.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <liburing.h>

#define PI_BLOCK 512

/* include/uapi/linux/io_uring.h, Linux 6.15 */
#define PI_ATTR_FLAG_PI	(1ULL << 0)	/* IORING_RW_ATTR_FLAG_PI */
struct pi_attr {			/* struct io_uring_attr_pi */
	uint16_t flags;			/* IO_INTEGRITY_CHK_*: none here */
	uint16_t app_tag;
	uint32_t len;
	uint64_t addr;
	uint64_t seed;
	uint64_t rsvd;
};

static int rw(struct io_uring *ring, int fd, int write, void *buf, size_t len, uint64_t lba,
	      struct pi_attr *pi)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int ret;

	if (write)
		io_uring_prep_write(sqe, fd, buf, (unsigned int)len, lba * PI_BLOCK);
	else
		io_uring_prep_read(sqe, fd, buf, (unsigned int)len, lba * PI_BLOCK);
	sqe->addr3 = (uint64_t)(uintptr_t)pi;	/* attr_ptr */
	sqe->__pad2[0] = PI_ATTR_FLAG_PI;	/* attr_type_mask */
	ret = io_uring_submit(ring);
	if (ret != 1)
		return ret < 0 ? ret : -EIO;
	ret = io_uring_wait_cqe(ring, &cqe);
	if (ret)
		return ret;
	ret = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	if (ret >= 0 && (size_t)ret != len)
		return -EIO;
	return ret < 0 ? ret : 0;
}

int main(int argc, char **argv)
{
	unsigned long long lba, nblocks, msize, app_tag;
	unsigned char *data, *back, *meta, *mback;
	struct io_uring ring;
	struct pi_attr pi;
	size_t dlen, mlen, i;
	FILE *out;
	int fd, ret;

	if (argc != 7) {
		fprintf(stderr, "usage: %s DEV LBA NBLOCKS METADATA_SIZE APP_TAG META_OUT\n", argv[0]);
		return 2;
	}
	lba = strtoull(argv[2], NULL, 0);
	nblocks = strtoull(argv[3], NULL, 0);
	msize = strtoull(argv[4], NULL, 0);
	app_tag = strtoull(argv[5], NULL, 0);
	if (!nblocks || nblocks > 256 || msize < 8 || msize > 255 || app_tag > 0xffff) {
		fprintf(stderr, "pi_rw: bad arguments\n");
		return 2;
	}
	dlen = nblocks * PI_BLOCK;
	mlen = nblocks * msize;
	if (posix_memalign((void **)&data, 4096, dlen) || posix_memalign((void **)&back, 4096, dlen) ||
	    !(meta = malloc(mlen)) || !(mback = malloc(mlen))) {
		fprintf(stderr, "pi_rw: out of memory\n");
		return 2;
	}
	for (i = 0; i < dlen; i++)
		data[i] = (unsigned char)(i * 7 + lba);
	for (i = 0; i < nblocks; i++) {
		unsigned char *t = meta + i * msize;
		uint64_t ref = lba + i;
		size_t j;

		t[0] = 0xab;			/* guard: nobody checks it */
		t[1] = (unsigned char)i;
		t[2] = (unsigned char)(app_tag >> 8);
		t[3] = (unsigned char)app_tag;
		t[4] = (unsigned char)(ref >> 24);
		t[5] = (unsigned char)(ref >> 16);
		t[6] = (unsigned char)(ref >> 8);
		t[7] = (unsigned char)ref;
		for (j = 8; j < msize; j++)
			t[j] = (unsigned char)(j + i);
	}

	fd = open(argv[1], O_RDWR | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "pi_rw: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		fprintf(stderr, "pi_rw: io_uring: %s\n", strerror(-ret));
		return 1;
	}
	memset(&pi, 0, sizeof(pi));
	pi.app_tag = (uint16_t)app_tag;
	pi.len = (uint32_t)mlen;
	pi.addr = (uint64_t)(uintptr_t)meta;
	pi.seed = lba;
	ret = rw(&ring, fd, 1, data, dlen, lba, &pi);
	if (ret) {
		fprintf(stderr, "pi_rw: write with PI at LBA %llu: %s\n", lba, strerror(-ret));
		return 1;
	}
	memset(back, 0, dlen);
	memset(mback, 0, mlen);
	pi.addr = (uint64_t)(uintptr_t)mback;
	ret = rw(&ring, fd, 0, back, dlen, lba, &pi);
	if (ret) {
		fprintf(stderr, "pi_rw: read with PI at LBA %llu: %s\n", lba, strerror(-ret));
		return 1;
	}
	if (memcmp(data, back, dlen)) {
		fprintf(stderr, "pi_rw: data read back differs\n");
		return 1;
	}
	for (i = 0; i < nblocks; i++) {
		if (memcmp(meta + i * msize, mback + i * msize, msize)) {
			const unsigned char *t = mback + i * msize;

			fprintf(stderr, "pi_rw: LBA %llu: metadata read back differs (app tag %02x%02x, ref tag %02x%02x%02x%02x)\n",
				lba + i, t[2], t[3], t[4], t[5], t[6], t[7]);
			return 1;
		}
	}
	out = fopen(argv[6], "we");
	if (!out || fwrite(meta, 1, mlen, out) != mlen || fclose(out)) {
		fprintf(stderr, "pi_rw: %s: cannot save the metadata\n", argv[6]);
		return 1;
	}
	printf("pi_rw: %llu blocks at LBA %llu: data and %zu bytes of metadata (app tag 0x%04llx) read back as written\n",
	       nblocks, lba, mlen, app_tag);
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}
