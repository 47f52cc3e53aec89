/* SPDX-License-Identifier: MIT */
/*
 * The table of host services every layer receives (struct ublk_host):
 * logging, errors, parsing, and the IO services of io_loop.c and
 * device_resize.c. Only the loader hands it out.
 */
#ifndef UBLK_SERVER_HOST_SERVICES_H
#define UBLK_SERVER_HOST_SERVICES_H

#include <ublk/plugin.h>

extern const struct ublk_host host_services;

#endif
