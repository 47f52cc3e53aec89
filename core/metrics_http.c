// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <microhttpd.h>

#include "log.h"
#include "metrics_http.h"
#include "stats_export.h"

#define METRICS_MAX_DEVS	256
#define METRICS_CONNECTIONS	16
#define METRICS_TIMEOUT_S	10

static struct MHD_Daemon *mhd;
static int listen_fd = -1;
static char *unix_path;

int metrics_listen_check(const char *listen, const char **why)
{
	const char *colon = strrchr(listen, ':');
	char *end;
	long port;

	if (listen[0] == '/') {
		if (strlen(listen) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
			*why = "the Unix socket path is too long";
			return -1;
		}
		return 0;
	}
	if (!colon || colon == listen) {
		*why = "expected HOST:PORT (127.0.0.1:9650) or an absolute Unix socket path";
		return -1;
	}
	port = strtol(colon + 1, &end, 10);
	if (*end || colon[1] == '\0' || port < 1 || port > 65535) {
		*why = "the port must be a number from 1 to 65535";
		return -1;
	}
	return 0;
}

static int listen_unix(const char *path, const char *origin)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A socket a previous daemon left behind; anything else is not ours to remove. */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		log_error("%s: metrics_listen = %s: %s", origin, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unix_path = strdup(path);
	return fd;
}

static int listen_inet(const char *listen_on, const char *origin)
{
	const char *colon = strrchr(listen_on, ':');
	struct addrinfo hints, *res = NULL, *ai;
	char host[256];
	int fd = -1, one = 1, ret, err = 0;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen_on), listen_on);
	/* "[::1]:9650": the brackets are not part of the address. */
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	ret = getaddrinfo(host[0] && strcmp(host, "*") ? host : NULL, colon + 1, &hints, &res);
	if (ret) {
		log_error("%s: metrics_listen = %s: %s", origin, listen_on, gai_strerror(ret));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) && !listen(fd, 16))
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		log_error("%s: metrics_listen = %s: %s", origin, listen_on, strerror(err));
	return fd;
}

/* The exposition of every device whose stats file names this process. */
static char *render(size_t *len)
{
	static struct stats_snapshot snaps[METRICS_MAX_DEVS];
	int ids[METRICS_MAX_DEVS], n, i, got = 0;
	char *buf = NULL;
	FILE *out;

	out = open_memstream(&buf, len);
	if (!out)
		return NULL;
	n = stats_list_ids(ids, METRICS_MAX_DEVS);
	for (i = 0; i < n; i++) {
		if (stats_snapshot_read(ids[i], &snaps[got]))
			continue;
		if (snaps[got].hdr.pid == getpid())
			got++;
		else
			stats_snapshot_free(&snaps[got]);
	}
	stats_write_prometheus(out, snaps, (unsigned int)got);
	for (i = 0; i < got; i++)
		stats_snapshot_free(&snaps[i]);
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned int status,
				  const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's thread: only this process's stats files are read, nothing blocks IO. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len = 0;
	char *body;

	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET /metrics\n");
	if (strcmp(url, "/metrics") && strcmp(url, "/"))
		return queue_text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	body = render(&len);
	if (!body)
		return queue_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

int metrics_http_start(const char *listen_on, const char *origin)
{
	const char *why;

	if (!listen_on)
		return 0;
	if (metrics_listen_check(listen_on, &why)) {
		log_error("%s: metrics_listen = %s: %s", origin, listen_on, why);
		return -1;
	}
	listen_fd = listen_on[0] == '/' ? listen_unix(listen_on, origin) :
					  listen_inet(listen_on, origin);
	if (listen_fd < 0)
		return -1;
	mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO,
			       0, NULL, NULL, handle, NULL,
			       MHD_OPTION_LISTEN_SOCKET, listen_fd,
			       MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_CONNECTIONS,
			       MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)METRICS_TIMEOUT_S,
			       MHD_OPTION_END);
	if (!mhd) {
		log_error("%s: metrics_listen = %s: the HTTP server did not start", origin,
			  listen_on);
		metrics_http_stop();
		return -1;
	}
	/* MHD_stop_daemon() closes the socket it was given. */
	listen_fd = -1;
	log_info("metrics: serving GET /metrics on %s", listen_on);
	return 0;
}

void metrics_http_stop(void)
{
	if (mhd) {
		MHD_stop_daemon(mhd);
		mhd = NULL;
	}
	if (listen_fd >= 0) {
		close(listen_fd);
		listen_fd = -1;
	}
	if (unix_path) {
		unlink(unix_path);
		free(unix_path);
		unix_path = NULL;
	}
}
