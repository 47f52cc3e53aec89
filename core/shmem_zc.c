// SPDX-License-Identifier: MIT
/*
 * Shared-memory zero copy: the buffer table the IO threads read, the
 * registrations that fill it, and the per-device socket applications
 * share their memory over (shmem_zc.h).
 *
 * Registration and the IO threads race once: the kernel may hand out a
 * request naming a buffer as soon as REG_BUF has inserted its pages, before
 * REG_BUF's answer (the index) reaches us. While a registration is in
 * flight, an IO thread that meets an index the table does not know yet
 * waits (yielding, at most SHMEM_WAIT_NS) for the listener to publish it;
 * registrations are serialised, so there is one to wait for. Bounded,
 * because the REG_BUF in flight may itself wait for that very request (it
 * freezes the queue), and then the index is not its: a stale one, -EIO.
 * Unregistration has no race: UNREG_BUF freezes the queue, so no request
 * names the buffer once it returns, and only then is the mapping removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "run_dir.h"
#include "shmem_zc.h"

#define SHMEM_MAX_CLIENTS	16
/* The kernel's limit is 4 GiB; Linux 7.1 carried the length in 32 bits. */
#define SHMEM_MAX_LEN		((1ULL << 32) - (1ULL << 21))
/* Recovery: stop looking for a dead daemon's buffers after this many gaps. */
#define SHMEM_SWEEP_GAP		8
#define SHMEM_SWEEP_MAX		1024
#define SHMEM_WAIT_NS		(100 * 1000 * 1000ULL)

struct shmem_client {
	int fd;				/* -1: free */
	uint64_t bufs;			/* bit i: this connection registered index i */
};

struct shmem_zc {
	struct device *dev;
	struct shmem_buf table[SHMEM_MAX_BUFS];
	int registering;		/* a REG_BUF is in flight: its index is not known yet */
	struct ctrl ctrl;		/* the listener's own: ctrl rings are single-threaded */
	int listen_fd;
	int stop_efd;
	pthread_t thread;
	int thread_started;
	struct shmem_client clients[SHMEM_MAX_CLIENTS];
	char sock_path[PATH_MAX];
};

void shmem_zc_sock_path(int dev_id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/shmem/dev%d.sock", run_dir_get(), dev_id);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Rare: an index not published yet, while a registration is in flight. */
static char *wait_published(struct shmem_zc *z, const struct shmem_buf *b)
{
	uint64_t deadline = now_ns() + SHMEM_WAIT_NS;
	char *base = NULL;

	while (__atomic_load_n(&z->registering, __ATOMIC_ACQUIRE) && now_ns() < deadline) {
		sched_yield();
		base = __atomic_load_n(&b->base, __ATOMIC_ACQUIRE);
		if (base)
			return base;
	}
	return __atomic_load_n(&b->base, __ATOMIC_ACQUIRE);
}

void *shmem_zc_lookup(struct shmem_zc *z, uint64_t desc_addr, uint32_t length)
{
	unsigned int index = ublk_shmem_zc_index(desc_addr);
	uint64_t off = ublk_shmem_zc_offset(desc_addr);
	const struct shmem_buf *b;
	char *base;

	if (!z || index >= SHMEM_MAX_BUFS)
		return NULL;
	b = &z->table[index];
	base = __atomic_load_n(&b->base, __ATOMIC_ACQUIRE);
	if (!base && !(base = wait_published(z, b)))
		return NULL;
	if (off + length > b->len)
		return NULL;
	return base + off;
}

/* Map fd's file and register it; the buffer index or -errno. */
static int register_fd(struct shmem_zc *z, int fd, int read_only)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	uint64_t len;
	void *base;
	int index;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;		/* memfd, hugetlbfs and tmpfs files are regular */
	len = (uint64_t)st.st_size & ~(uint64_t)(page - 1);
	if (!len)
		return -EINVAL;
	if (len > SHMEM_MAX_LEN)
		return -E2BIG;
	base = mmap(NULL, len, PROT_READ | (read_only ? 0 : PROT_WRITE),
		    MAP_SHARED | MAP_POPULATE, fd, 0);
	if (base == MAP_FAILED && !read_only && (errno == EACCES || errno == EPERM)) {
		/* A read-only fd or a write-sealed memfd: WRITE requests can still use it. */
		read_only = 1;
		base = mmap(NULL, len, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
	}
	if (base == MAP_FAILED)
		return -errno;

	__atomic_store_n(&z->registering, 1, __ATOMIC_RELEASE);
	index = ctrl_reg_buf(&z->ctrl, z->dev->dev_id, base, len,
			     read_only ? UBLK_SHMEM_BUF_READ_ONLY : 0);
	if (index >= SHMEM_MAX_BUFS) {
		ctrl_unreg_buf(&z->ctrl, z->dev->dev_id, (unsigned int)index);
		index = -ENOSPC;
	}
	if (index >= 0) {
		z->table[index].len = len;
		__atomic_store_n(&z->table[index].base, base, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&z->registering, 0, __ATOMIC_RELEASE);
	if (index < 0) {
		munmap(base, len);
		return index;
	}
	log_debug("dev %d: shared buffer %d registered: %llu bytes%s", z->dev->dev_id, index,
		 (unsigned long long)len, read_only ? ", read-only" : "");
	return index;
}

/* Drop our mapping of buffer index; unreg: tell the kernel first. */
static void release_buf(struct shmem_zc *z, unsigned int index, int unreg)
{
	struct shmem_buf *b = &z->table[index];
	void *base = b->base;
	int ret;

	if (!base)
		return;
	if (unreg) {
		ret = ctrl_unreg_buf(&z->ctrl, z->dev->dev_id, index);
		if (ret < 0 && ret != -ENODEV && ret != -ENOENT) {
			/* Still pinned and matched: keep the mapping the requests need. */
			log_error("dev %d: unregister shared buffer %u: %s", z->dev->dev_id, index,
				  strerror(-ret));
			return;
		}
	}
	__atomic_store_n(&b->base, NULL, __ATOMIC_RELEASE);
	munmap(base, b->len);
	b->len = 0;
}

/* A recovered device: the dead daemon's buffers are still pinned, under indexes we cannot map. */
static void sweep_stale(struct shmem_zc *z)
{
	unsigned int i, gap = 0, dropped = 0;
	int ret;

	for (i = 0; i < SHMEM_SWEEP_MAX && gap < SHMEM_SWEEP_GAP; i++) {
		ret = ctrl_unreg_buf(&z->ctrl, z->dev->dev_id, i);
		if (ret == -ENOENT) {
			gap++;
			continue;
		}
		if (ret < 0)
			break;
		gap = 0;
		dropped++;
	}
	if (dropped)
		log_info("dev %d: dropped %u shared buffer(s) of the previous daemon", z->dev->dev_id,
			 dropped);
}

static int register_htlb(struct shmem_zc *z)
{
	const struct dev_config *cfg = z->dev->cfg;
	int fd, index;

	fd = open(cfg->htlb, (cfg->rdonly_shmem_buf ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		log_error("%s: htlb: cannot open %s: %s", dev_config_origin(cfg, KEY_HTLB),
			  cfg->htlb, strerror(errno));
		return -1;
	}
	index = register_fd(z, fd, cfg->rdonly_shmem_buf);
	close(fd);
	if (index < 0) {
		log_error("%s: htlb: cannot share %s: %s", dev_config_origin(cfg, KEY_HTLB),
			  cfg->htlb, index == -EINVAL ? "not a regular file of at least one page" :
			  strerror(-index));
		return -1;
	}
	return 0;
}

/* RUN_DIR/shmem: ours and nobody else's, as the socket's only protection. */
static int private_dir(const char *dir)
{
	struct stat st;
	int ret = run_dir_ensure();

	if (ret < 0)
		return ret;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(dir, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return -EPERM;
	if ((st.st_mode & 077) && chmod(dir, 0700))
		return -errno;
	return 0;
}

static int listen_socket(struct shmem_zc *z)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	int fd, ret;

	snprintf(dir, sizeof(dir), "%s/shmem", run_dir_get());
	ret = private_dir(dir);
	if (ret < 0) {
		log_error("dev %d: shmem_zc: %s: %s", z->dev->dev_id, dir,
			  ret == -EPERM ? "not a directory of ours" : strerror(-ret));
		return -1;
	}
	shmem_zc_sock_path(z->dev->dev_id, z->sock_path, sizeof(z->sock_path));
	if (strlen(z->sock_path) >= sizeof(sa.sun_path)) {
		log_error("dev %d: shmem_zc: socket path too long: %s", z->dev->dev_id,
			  z->sock_path);
		return -1;
	}
	strcpy(sa.sun_path, z->sock_path);
	unlink(z->sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(z->sock_path, 0600) || listen(fd, SHMEM_MAX_CLIENTS)) {
		log_error("dev %d: shmem_zc: socket %s: %s", z->dev->dev_id, z->sock_path,
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(z->sock_path);
		z->sock_path[0] = '\0';
		return -1;
	}
	z->listen_fd = fd;
	return 0;
}

static void accept_client(struct shmem_zc *z)
{
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	unsigned int i;
	int fd;

	fd = accept4(z->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	/* The directory already keeps others out; this says so to a confused root. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) ||
	    (cred.uid != 0 && cred.uid != geteuid())) {
		close(fd);
		return;
	}
	for (i = 0; i < SHMEM_MAX_CLIENTS; i++) {
		if (z->clients[i].fd < 0) {
			z->clients[i].fd = fd;
			z->clients[i].bufs = 0;
			return;
		}
	}
	log_warn("dev %d: shmem_zc: more than %d connections, one refused", z->dev->dev_id,
		 SHMEM_MAX_CLIENTS);
	close(fd);
}

static void drop_client(struct shmem_zc *z, struct shmem_client *c)
{
	unsigned int i;

	for (i = 0; i < SHMEM_MAX_BUFS; i++)
		if (c->bufs & (1ULL << i))
			release_buf(z, i, 1);
	close(c->fd);
	c->fd = -1;
	c->bufs = 0;
}

/* One message: a byte ('R': read-only) and an fd; answer the index or -errno. */
static void serve_client(struct shmem_zc *z, struct shmem_client *c)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	char byte = 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int fds[4], nfds = 0, i;
	int32_t reply;
	ssize_t n;

	n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		drop_client(z, c);	/* closed: its buffers go */
		return;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		for (i = 0; (size_t)i < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int) && nfds < 4; i++)
			memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
	}
	if (nfds != 1 || (msg.msg_flags & MSG_CTRUNC)) {
		reply = -EINVAL;
	} else {
		reply = register_fd(z, fds[0], byte == 'R');
		if (reply >= 0)
			c->bufs |= 1ULL << reply;
	}
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	if (send(c->fd, &reply, sizeof(reply), MSG_NOSIGNAL) != sizeof(reply))
		drop_client(z, c);
}

static void *listener(void *arg)
{
	struct shmem_zc *z = arg;
	struct pollfd pfd[2 + SHMEM_MAX_CLIENTS];
	struct shmem_client *who[SHMEM_MAX_CLIENTS];
	unsigned int i, n;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = z->stop_efd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = z->listen_fd, .events = POLLIN };
		for (i = 0, n = 2; i < SHMEM_MAX_CLIENTS; i++) {
			if (z->clients[i].fd < 0)
				continue;
			who[n - 2] = &z->clients[i];
			pfd[n++] = (struct pollfd){ .fd = z->clients[i].fd, .events = POLLIN };
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents)
			break;
		for (i = 2; i < n; i++)
			if (pfd[i].revents)
				serve_client(z, who[i - 2]);
		if (pfd[1].revents)
			accept_client(z);
	}
	return NULL;
}

int shmem_zc_check(const struct dev_config *cfg)
{
	struct stat st;

	if (!cfg->htlb)
		return 0;
	if (stat(cfg->htlb, &st)) {
		log_error("%s: htlb: %s: %s", dev_config_origin(cfg, KEY_HTLB), cfg->htlb,
			  strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < sysconf(_SC_PAGESIZE)) {
		log_error("%s: htlb: %s is not a regular file of at least one page",
			  dev_config_origin(cfg, KEY_HTLB), cfg->htlb);
		return -1;
	}
	return 0;
}

int shmem_zc_start(struct device *dev)
{
	struct shmem_zc *z;
	unsigned int i;
	int ret;

	if (!(dev->info.flags & UBLK_F_SHMEM_ZC))
		return 0;
	z = calloc(1, sizeof(*z));
	if (!z) {
		log_error("dev %d: out of memory", dev->dev_id);
		return -1;
	}
	z->dev = dev;
	z->listen_fd = -1;
	z->stop_efd = -1;
	for (i = 0; i < SHMEM_MAX_CLIENTS; i++)
		z->clients[i].fd = -1;
	ret = ctrl_open(&z->ctrl);
	if (ret < 0) {
		log_error("dev %d: shmem_zc: %s: %s", dev->dev_id, UBLK_CONTROL_PATH,
			  strerror(-ret));
		free(z);
		return -1;
	}
	dev->shmem = z;
	if (!dev->added)
		sweep_stale(z);
	if (dev->cfg->htlb && register_htlb(z))
		goto err;
	if (listen_socket(z))
		goto err;
	z->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (z->stop_efd < 0 || pthread_create(&z->thread, NULL, listener, z)) {
		log_error("dev %d: shmem_zc: cannot start the listener", dev->dev_id);
		goto err;
	}
	z->thread_started = 1;
	return 0;
err:
	shmem_zc_stop(dev);
	return -1;
}

void shmem_zc_stop_listener(struct device *dev)
{
	struct shmem_zc *z = dev->shmem;
	uint64_t one = 1;

	if (!z || !z->thread_started)
		return;
	if (write(z->stop_efd, &one, sizeof(one)) != sizeof(one))
		log_warn("dev %d: shmem_zc: eventfd: %s", dev->dev_id, strerror(errno));
	pthread_join(z->thread, NULL);
	z->thread_started = 0;
}

void shmem_zc_stop(struct device *dev)
{
	struct shmem_zc *z = dev->shmem;
	unsigned int i;

	if (!z)
		return;
	shmem_zc_stop_listener(dev);
	for (i = 0; i < SHMEM_MAX_CLIENTS; i++)
		if (z->clients[i].fd >= 0)
			close(z->clients[i].fd);
	/*
	 * No UNREG_BUF here: the IO threads are gone, and on a device kept for
	 * recovery the queue freeze it does would wait for requests nobody
	 * serves. The kernel unpins at delete; a recovering daemon sweeps.
	 */
	for (i = 0; i < SHMEM_MAX_BUFS; i++)
		release_buf(z, i, 0);
	if (z->listen_fd >= 0)
		close(z->listen_fd);
	if (z->sock_path[0])
		unlink(z->sock_path);
	if (z->stop_efd >= 0)
		close(z->stop_efd);
	ctrl_close(&z->ctrl);
	dev->shmem = NULL;
	free(z);
}
