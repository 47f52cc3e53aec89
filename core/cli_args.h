/* SPDX-License-Identifier: MIT */
/*
 * Command line parsing, compatible with the kernel selftest server kublk:
 * `add -t null -q 2 --foreground --chunk_size 64K a.img b.img`. Core options
 * become core keys, unknown `--name value` pairs and positional files become
 * the target's keys: the same keys an INI stanza uses.
 */
#ifndef UBLK_SERVER_CLI_ARGS_H
#define UBLK_SERVER_CLI_ARGS_H

#include <stdint.h>

#include "dev_config.h"

struct cli_args {
	const char *command;
	struct dev_config dev;
	int dev_id;			/* -n for del/list/update_size/quiesce */
	int all;			/* -a */
	int foreground;
	int quiet;
	int debug_mask;
	int check_only;			/* --check */
	int json;			/* --json: list, features */
	uint64_t size;			/* -s for update_size */
	int have_size;
	const char *config_file;	/* -c */
	const char *plugin_dir;
	const char *run_dir;
	int safe;			/* stop --safe: TRY_STOP_DEV */
	int zoned;			/* set_params --zoned: UBLK_F_ZONED */
};

/* 0 on success; -1 after printing one line naming the bad option. */
int cli_parse(struct cli_args *args, int argc, char **argv);
void cli_free(struct cli_args *args);

#endif
