/* SPDX-License-Identifier: MIT */
/*
 * What a layer said with ublk_error() before returning -1, per thread, for
 * the host to print with the origin it knows (layer_error.c).
 */
#ifndef UBLK_SERVER_LAYER_ERROR_H
#define UBLK_SERVER_LAYER_ERROR_H

#include <stdarg.h>

/* The last ublk_error() of a plugin on this thread, or a generic text. */
const char *plugin_error(const char *fallback);
void plugin_clear_error(void);
/* Behind ublk_error(). */
void plugin_verror(const char *fmt, va_list ap);

#endif
