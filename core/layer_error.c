// SPDX-License-Identifier: MIT
#include <stdio.h>

#include "layer_error.h"

static __thread char last_error[512];

const char *plugin_error(const char *fallback)
{
	return last_error[0] ? last_error : fallback;
}

void plugin_clear_error(void)
{
	last_error[0] = '\0';
}

void plugin_verror(const char *fmt, va_list ap)
{
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
}
