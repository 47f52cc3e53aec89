// SPDX-License-Identifier: MIT
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/signalfd.h>

#include "log.h"
#include "serve_loop.h"

int serve_signals(void)
{
	sigset_t sigs;
	int sfd;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	return sfd < 0 ? -errno : sfd;
}

int serve_loop(int sfd, const struct serve_ops *ops, void *ctx)
{
	struct pollfd *pfd = NULL;
	unsigned int *slot = NULL;
	int ret = -1;

	for (;;) {
		unsigned int i, nr = ops->nr_devices(ctx), n = 1;
		int r;
		struct signalfd_siginfo si;
		void *p;

		/* The set may change (a reload): the poll list is built each time. */
		p = realloc(pfd, (nr + 1) * sizeof(*pfd));
		if (p)
			pfd = p;
		p = realloc(slot, (nr + 1) * sizeof(*slot));
		if (p)
			slot = p;
		if (!pfd || !slot) {
			log_error("out of memory");
			break;
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		for (i = 0; i < nr; i++) {
			struct device *dev = ops->device(ctx, i);

			if (!dev)
				continue;
			pfd[n].fd = dev->done_efd;
			pfd[n].events = POLLIN;
			slot[n++] = i;
		}
		r = poll(pfd, n, ops->wait_ms ? ops->wait_ms(ctx) : -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			log_error("poll: %s", strerror(errno));
			break;
		}
		if (!r) {
			if (ops->tick && ops->tick(ctx)) {
				ret = 0;
				goto out;
			}
			continue;
		}
		for (i = 1; i < n; i++) {
			if (pfd[i].revents && ops->device_gone(ctx, slot[i])) {
				ret = 0;
				goto out;
			}
		}
		if (!pfd[0].revents || read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			if (ops->reload)
				ops->reload(ctx);
			continue;
		}
		ret = (int)si.ssi_signo;
		break;
	}
out:
	free(pfd);
	free(slot);
	return ret;
}
