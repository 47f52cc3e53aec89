// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the command line parser. The input is split at NUL
 * bytes into argv[1..] (argv[0] is the program), so every option, value and
 * positional shape is reachable.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1];
	struct cli_args args;
	char *buf, *p, *end;
	int argc = 0;

	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = (char *)"ublk-server";
	for (p = buf, end = buf + size; p <= end && argc < MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	memset(&args, 0, sizeof(args));
	cli_parse(&args, argc, argv);
	cli_free(&args);
	free(buf);
	return 0;
}
