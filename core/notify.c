// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"
#include "notify.h"

/* The sd_notify protocol: one datagram on an AF_UNIX socket; '@' = abstract. */
int notify_send_datagram(const char *socket_path, const char *state)
{
	struct sockaddr_un sa;
	size_t len = socket_path ? strlen(socket_path) : 0;
	socklen_t salen;
	ssize_t n;
	int fd;

	if (!len)
		return 0;
	if ((socket_path[0] != '/' && socket_path[0] != '@') || len >= sizeof(sa.sun_path)) {
		log_debug("NOTIFY_SOCKET '%s' is not a unix socket path", socket_path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, socket_path, len);
	if (sa.sun_path[0] == '@')
		sa.sun_path[0] = '\0';
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			    (socket_path[0] == '/' ? 1 : 0));

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	if (n < 0)
		log_debug("sd_notify to %s: %s", socket_path, strerror(errno));
	close(fd);
	return n == (ssize_t)strlen(state) ? 1 : -1;
}

int notify_send(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int ret = sd_notify(0, state);

	if (ret < 0)
		log_debug("sd_notify: %s", strerror(-ret));
	return ret < 0 ? -1 : ret;
#else
	return notify_send_datagram(getenv("NOTIFY_SOCKET"), state);
#endif
}

int notify_sendf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return notify_send(buf);
}
