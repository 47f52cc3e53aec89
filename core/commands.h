/* SPDX-License-Identifier: MIT */
/* The subcommands; each returns the process exit status. */
#ifndef UBLK_SERVER_COMMANDS_H
#define UBLK_SERVER_COMMANDS_H

#include <stdio.h>

#include "cli_args.h"
#include "ctrl.h"

int cmd_add(struct cli_args *args, int recover);
int cmd_del(struct cli_args *args);
int cmd_list(struct cli_args *args);
int cmd_features(void);
int cmd_update_size(struct cli_args *args);
int cmd_quiesce(struct cli_args *args);
int cmd_stats(struct cli_args *args);
int cmd_daemon(struct cli_args *args);

/* Human-readable list entry, the seed's format (add and list print it). */
int device_print_info(struct ctrl *ctrl, int dev_id, FILE *out);

/* Ids of the ublk devices that exist, ascending; returns how many. */
int list_device_ids(int *ids, int max);

#endif
