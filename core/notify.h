/* SPDX-License-Identifier: MIT */
/*
 * Readiness notification for systemd (Type=notify): READY=1, RELOADING=1,
 * STOPPING=1, STATUS=... Through libsystemd's sd_notify() when built with
 * it, otherwise the same datagram sent by hand to $NOTIFY_SOCKET. Nothing
 * happens when $NOTIFY_SOCKET is unset (not started by systemd).
 */
#ifndef UBLK_SERVER_NOTIFY_H
#define UBLK_SERVER_NOTIFY_H

/* Send "A=1\nB=2" style state; 1 sent, 0 no socket, -1 error (logged at debug). */
int notify_send(const char *state);
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The libsystemd-free implementation, always built (unit-tested). */
int notify_send_datagram(const char *socket_path, const char *state);

#endif
