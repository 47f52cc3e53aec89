/* SPDX-License-Identifier: MIT */
/*
 * The daemon's Prometheus endpoint ([global] metrics_listen): the text
 * exposition of the devices this process serves, over HTTP, answered by
 * libmicrohttpd on a thread of its own (never an IO thread). Off unless
 * configured.
 */
#ifndef UBLK_SERVER_METRICS_HTTP_H
#define UBLK_SERVER_METRICS_HTTP_H

/*
 * Is listen "HOST:PORT" ("127.0.0.1:9650", "[::1]:9650") or an absolute
 * Unix socket path? 0, or -1 with a reason in why.
 */
int metrics_listen_check(const char *listen, const char **why);

/*
 * Listen and serve GET /metrics. origin ("FILE:LINE") is what errors name.
 * 0, or -1 after logging. Call with the signals the daemon takes blocked:
 * the server thread inherits the mask.
 */
int metrics_http_start(const char *listen, const char *origin);
/* Stop serving and close the socket (a Unix socket file is removed). */
void metrics_http_stop(void);

#endif
