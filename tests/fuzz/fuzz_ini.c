// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the daemon's INI reader and the configuration model it
 * fills (config_ini_parse_stream -> dev_config for every key and stanza).
 * Any input must give 0 or one error line, never a crash, leak or UB.
 */
#include <stdint.h>
#include <stdio.h>

#include "config_ini.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ini_config c = { 0 };
	FILE *f;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	config_ini_parse_stream(&c, f, "fuzz.ini");
	fclose(f);
	config_ini_free(&c);
	return 0;
}
