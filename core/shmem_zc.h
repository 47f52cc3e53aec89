/* SPDX-License-Identifier: MIT */
/*
 * Shared-memory zero copy (UBLK_F_SHMEM_ZC, Linux 7.1).
 *
 * An application shares a memfd or hugetlbfs file with the server; the
 * server maps it and registers the mapping with UBLK_U_CMD_REG_BUF, so the
 * kernel pins its pages. From then on, an O_DIRECT request whose pages all
 * lie in that memory reaches us with UBLK_IO_F_SHMEM_ZC and, instead of our
 * buffer's address, (buffer index, byte offset): the kernel copies nothing,
 * and the layers read or write the application's memory through our own
 * mapping of it. Any other request takes the device's normal data path.
 *
 * Buffers come from `htlb = FILE` (kublk's --htlb, registered at start) and
 * from applications over RUN_DIR/shmem/devN.sock (SOCK_STREAM, root or the
 * daemon's user only): a message of at least one byte carrying one fd
 * (SCM_RIGHTS) registers the whole file, read-only if the first byte is
 * 'R'; the reply is an int32, the buffer index or -errno. A buffer stays
 * registered until its connection closes (--htlb: until the device stops).
 */
#ifndef UBLK_SERVER_SHMEM_ZC_H
#define UBLK_SERVER_SHMEM_ZC_H

#include <stdint.h>

#include "device.h"

#define SHMEM_MAX_BUFS		64	/* kernel indexes a device uses, lowest first */

struct shmem_buf {
	void *base;			/* NULL: free; published last (release) */
	uint64_t len;
};

struct shmem_zc;

/* Before any device exists: the htlb file is one we can share. -1 after one line. */
int shmem_zc_check(const struct dev_config *cfg);
/*
 * After ADD_DEV (or START_USER_RECOVERY): map and register cfg->htlb, listen
 * on the device's socket. On a recovered device, registrations the dead
 * daemon left in the kernel are dropped first. -1 after one line.
 */
int shmem_zc_start(struct device *dev);
/*
 * Stop listening: while the IO threads still serve, since an UNREG_BUF in
 * progress freezes the queue and waits for their requests.
 */
void shmem_zc_stop_listener(struct device *dev);
/* Stop listening, and unmap everything (after the IO threads left). */
void shmem_zc_stop(struct device *dev);
/* The socket path of a device, for messages and tests. */
void shmem_zc_sock_path(int dev_id, char *buf, size_t len);

/*
 * Hot path: the address of [offset, offset + length) of buffer index, or
 * NULL if no such buffer is known (or the range leaves it).
 */
void *shmem_zc_lookup(struct shmem_zc *z, uint64_t desc_addr, uint32_t length);

#endif
