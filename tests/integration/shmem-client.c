// SPDX-License-Identifier: MIT
/*
 * An application of shared-memory zero copy, for shmem-zc.sh:
 *
 *   shmem-client SOCKET DEVICE SIZE_MB
 *
 * Makes a buffer (a hugetlb memfd, or a plain memfd where the kernel has no
 * huge pages), shares it with the server over SOCKET (SCM_RIGHTS), then
 * writes and reads DEVICE with O_DIRECT, fio-like: random block sizes and
 * offsets, every block stamped with its offset and a generation, some IO
 * from the shared buffer (the fast path), some from private memory (the
 * normal path), each read back through the other. It keeps a model of what
 * every 4 KiB block must hold and checks every byte it reads. Last, a
 * second buffer shared read-only: a WRITE from it takes the fast path, a
 * READ into it cannot.
 *
 * Prints "buffer: hugetlb|memfd", then "shared_ios=N" (the requests that
 * must have taken the fast path) and "ok"; exit 1 on any mismatch.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#define BLK		4096u
#define MAX_IO		(128u * 1024)	/* one request: below every split limit */
#define BUF_LEN		(4u << 20)	/* two 2 MiB huge pages */
#define ROUNDS		200

static uint32_t *gen;			/* per 4 KiB block of the device: 0 = never written */
static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what)
{
	fprintf(stderr, "shmem-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* What block b holds at generation g: its number and g in every 8 bytes. */
static void fill(void *p, uint64_t b, uint32_t g)
{
	uint64_t *w = p, v = (b << 20) ^ ((uint64_t)g << 44) ^ 0x5a5a5a5aULL;
	unsigned int i;

	for (i = 0; i < BLK / 8; i++)
		w[i] = v + i;
}

static int check(const void *p, uint64_t b)
{
	char want[BLK];

	if (gen[b])
		fill(want, b, gen[b]);
	else
		memset(want, 0, BLK);
	if (memcmp(p, want, BLK)) {
		fprintf(stderr, "shmem-client: block %llu (generation %u) differs\n",
			(unsigned long long)b, gen[b]);
		return -1;
	}
	return 0;
}

static int make_buffer(const char **kind)
{
	int fd = memfd_create("shmem-client", MFD_CLOEXEC | MFD_HUGETLB);

	*kind = "hugetlb";
	if (fd >= 0 && ftruncate(fd, BUF_LEN)) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		*kind = "memfd";
		fd = memfd_create("shmem-client", MFD_CLOEXEC);
		if (fd < 0 || ftruncate(fd, BUF_LEN))
			die("memfd");
	}
	return fd;
}

/* Share fd; the server's answer: the buffer index. The connection keeps it registered. */
static int share(const char *sock_path, int fd, char how)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &how, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int32_t index;
	int s;

	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die(sock_path);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(s, &msg, 0) != 1)
		die("sendmsg");
	if (recv(s, &index, sizeof(index), MSG_WAITALL) != sizeof(index))
		die("no answer from the server");
	if (index < 0) {
		errno = -index;
		die("the server refused the buffer");
	}
	return s;
}

static void io(int dev, int write, char *buf, size_t len, uint64_t off)
{
	ssize_t n = write ? pwrite(dev, buf, len, (off_t)off) : pread(dev, buf, len, (off_t)off);

	if (n != (ssize_t)len) {
		fprintf(stderr, "shmem-client: %s %zu at %llu: %s\n", write ? "write" : "read",
			len, (unsigned long long)off, n < 0 ? strerror(errno) : "short");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	uint64_t dev_len, nblocks, shared_ios = 0, b, i;
	char *shm, *priv, *ro;
	const char *kind;
	int dev, fd, rofd, s, rs, r;

	if (argc != 4) {
		fprintf(stderr, "usage: shmem-client SOCKET DEVICE SIZE_MB\n");
		return 2;
	}
	dev_len = strtoull(argv[3], NULL, 10) << 20;
	nblocks = dev_len / BLK;
	gen = calloc(nblocks, sizeof(*gen));
	fd = make_buffer(&kind);
	printf("buffer: %s\n", kind);
	shm = mmap(NULL, BUF_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (!gen || shm == MAP_FAILED || posix_memalign((void **)&priv, BLK, MAX_IO))
		die("memory");
	s = share(argv[1], fd, 'W');
	dev = open(argv[2], O_RDWR | O_DIRECT | O_CLOEXEC);
	if (dev < 0)
		die(argv[2]);

	for (r = 0; r < ROUNDS; r++) {
		uint64_t nb = 1 + next_rand() % (MAX_IO / BLK);
		uint64_t first = next_rand() % (nblocks - nb + 1);
		/* Anywhere in the shared buffer: the offset travels in the descriptor. */
		uint64_t at = (next_rand() % (BUF_LEN / BLK - nb + 1)) * BLK;
		int from_shared = next_rand() & 1, write = (next_rand() % 3) != 0;
		char *p = from_shared ? shm + at : priv;

		if (write) {
			for (b = 0; b < nb; b++) {
				gen[first + b]++;
				fill(p + b * BLK, first + b, gen[first + b]);
			}
		}
		io(dev, write, p, nb * BLK, first * BLK);
		shared_ios += from_shared;
		if (!write)
			for (b = 0; b < nb; b++)
				if (check(p + b * BLK, first + b))
					return 1;
	}
	/* Everything once more, through both paths, alternately. */
	for (b = 0; b < nblocks; b += MAX_IO / BLK) {
		uint64_t nb = nblocks - b < MAX_IO / BLK ? nblocks - b : MAX_IO / BLK;
		int from_shared = (b / (MAX_IO / BLK)) & 1;
		char *p = from_shared ? shm : priv;

		io(dev, 0, p, nb * BLK, b * BLK);
		shared_ios += from_shared;
		for (i = 0; i < nb; i++)
			if (check(p + i * BLK, b + i))
				return 1;
	}

	/* Read-only sharing: only WRITEs may take the fast path. */
	rofd = memfd_create("shmem-client-ro", MFD_CLOEXEC);
	if (rofd < 0 || ftruncate(rofd, 1 << 20))
		die("memfd");
	ro = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, rofd, 0);
	if (ro == MAP_FAILED)
		die("mmap");
	rs = share(argv[1], rofd, 'R');
	gen[0]++;
	fill(ro, 0, gen[0]);
	io(dev, 1, ro, BLK, 0);		/* fast path */
	shared_ios++;
	memset(ro, 0, BLK);
	io(dev, 0, ro, BLK, 0);		/* normal path: the kernel may not write there */
	if (check(ro, 0))
		return 1;

	printf("shared_ios=%llu\n", (unsigned long long)shared_ios);
	close(rs);
	close(s);
	printf("ok\n");
	return 0;
}
