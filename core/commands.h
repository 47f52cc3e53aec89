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
int cmd_features(struct cli_args *args);
int cmd_update_size(struct cli_args *args);
int cmd_quiesce(struct cli_args *args);
int cmd_stats(int argc, char **argv);
int cmd_daemon(struct cli_args *args);
int cmd_plugins(void);
/* kublk 7.3: stop -n ID [--safe] (cmd_stop.c), set_params (cmd_set_params.c). */
int cmd_stop(struct cli_args *args);
int cmd_set_params(struct cli_args *args);

/* Human-readable list entry, the seed's format (add and list print it). */
int device_print_info(struct ctrl *ctrl, int dev_id, FILE *out);

/* Ids of the ublk devices that exist, ascending; returns how many. */
int list_device_ids(int *ids, int max);

/* list --json and features --json (cmd_json.c). */
int cmd_list_json(struct cli_args *args);
int cmd_features_json(void);

#endif
