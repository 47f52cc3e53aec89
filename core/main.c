// SPDX-License-Identifier: MIT
/*
 * ublk-server: the command line. Thin over device.c (lifecycle), ctrl.c
 * (control commands) and daemon.c (INI-driven daemon mode).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_args.h"
#include "commands.h"
#include "log.h"
#include "loader.h"
#include "run_dir.h"

static void usage(FILE *out)
{
	fprintf(out,
"usage: ublk-server COMMAND [options]\n"
"\n"
"  add -t TARGET [-q queues] [-d depth] [-n dev_id] [--foreground] [--quiet]\n"
"      [-z] [--auto_zc] [--auto_zc_fallback] [-u] [-g] [--copy] [-b]\n"
"      [--debug_mask M]\n"
"      [-r 0|1] [-i 0|1] [-e 0|1] [--nthreads N] [--per_io_tasks]\n"
"      [--metadata_size N] [--csum_type ip|t10dif|nvme] [--pi_offset N] [--tag_size N]\n"
"      [--integrity_capable] [--integrity_reftag]\n"
"      [--rotate_auto_buf] [--io_desc_size SIZE]\n"
"      [--shmem_zc] [--htlb FILE] [--rdonly_shmem_buf] [--unprivileged]\n"
"      [--no_auto_part_scan] [--no_ublk_fixed_fd] [--dma_alignment M]\n"
"      [--seg_boundary_mask M] [--max_segment_size S] [--max_segments N]\n"
"      [--filter NAME]... [--KEY VALUE]... [backing files]\n"
"        create a device served by plugin TARGET.so; returns once it is LIVE\n"
"        --filter NAME stacks filter NAME.so over the target (repeat: outermost\n"
"        first); --NAME.KEY VALUE goes to layer NAME, a bare --KEY to the one\n"
"        layer that takes it, else to the target; without -z, --auto_zc, -u, -g\n"
"        or --copy the fastest data path is chosen (list shows which and why)\n"
"        --no_auto_part_scan: no partition scan at start (Linux 7.0);\n"
"        --no_ublk_fixed_fd: IO commands use /dev/ublkcN's plain fd;\n"
"        zero copy (-z, --auto_zc) advertises dma_alignment = logical block\n"
"        size - 1; segments are unlimited unless given\n"
"        --shmem_zc: serve IO from memory applications share over\n"
"        RUN_DIR/shmem/devN.sock (--htlb FILE: share FILE from the start);\n"
"        --unprivileged: a device of a user who is not root (udev rule needed)\n"
"        defaults: queues=%d (max %d), depth=%d (max %d), dev_id auto\n"
"  recover -n dev_id <the add arguments>\n"
"        attach a new daemon to a device whose daemon died (-r/-i/-e devices)\n"
"  del -n dev_id | -a          stop and delete a device, or all of them\n"
"  list [-n dev_id] [--json]   show devices (--json: with target, config, modes)\n"
"  features [--json]           show the ublk driver's features\n"
"  update_size -n dev_id -s BYTES\n"
"  quiesce -n dev_id\n"
"  stats [-n dev_id] [--json] [--watch [SECS]] [--prometheus] [--threads]\n"
"        per device IOPS, MB/s, latency (avg, p50, p99), in flight, errors;\n"
"        --watch refreshes every SECS (1); --threads: requests per IO thread\n"
"  plugins                     list the plugins of the plugin directory\n"
"  help [TARGET|FILTER]        this text, or a target's or filter's keys\n"
"  stop -n dev_id [--safe]     stop a device (it stays, DEAD, until del); --safe:\n"
"                              only if nobody has it open, else EBUSY (Linux 7.0)\n"
"  set_params [-n dev_id] [-q queues] [-d depth] [-u] [--zoned]\n"
"      [--param_types basic[,zoned,dma_align,segment]|none]\n"
"      [--logical_bs_shift N] [--physical_bs_shift N] [--io_min_shift N]\n"
"      [--io_opt_shift N] [--max_sectors N] [--chunk_sectors N] [--dev_sectors N]\n"
"      [--max_zone_append_sectors N] [--max_open_zones N] [--max_active_zones N]\n"
"      [--dma_alignment M] [--seg_boundary_mask M] [--max_segment_size S]\n"
"      [--max_segments N]\n"
"        ADD_DEV, SET_PARAMS and DEL_DEV without START_DEV: does the kernel\n"
"        take these parameters? Nothing is left behind\n"
"  -c FILE [--check] [--foreground]\n"
"        daemon mode: serve every device of an INI file (--check: validate only)\n"
"\n"
"  --plugin-dir DIR  where TARGET.so is found (else $UBLK_PLUGIN_DIR, else %s)\n"
"  --run-dir DIR     runtime state (else $UBLK_RUN_DIR, else " DEFAULT_RUN_DIR ")\n"
"\n"
"  UBLK_DEBUG_RING_ENTRIES=N  debugging only: IO rings of N (4..4096) entries,\n"
"                             to exercise waiting for SQEs; slows IO down\n",
		DEFAULT_QUEUES, MAX_QUEUES, DEFAULT_DEPTH, MAX_DEPTH, PLUGIN_DIR);
}

static int cmd_help(struct cli_args *args, int argc, char **argv)
{
	struct loaded_plugin *p;

	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	p = plugin_load(argv[2], "help");
	if (!p)
		return 1;
	printf("%s%s%s%s\n", p->name, p->is_filter ? " (filter)" : "",
	       p->description ? ": " : "", p->description ? p->description : "");
	if (p->config_help)
		printf("%s", p->config_help);
	plugin_put(p);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_args args;
	char **daemon_argv = NULL;
	const char *cmd;
	int ret;

	/* `ublk-server -c FILE` has no subcommand word. */
	if (argc >= 2 && argv[1][0] == '-' && strcmp(argv[1], "-h") &&
	    strcmp(argv[1], "--help")) {
		static char daemon_word[] = "daemon";
		char **v = calloc((size_t)argc + 2, sizeof(*v));

		if (!v)
			return 1;
		v[0] = argv[0];
		v[1] = daemon_word;
		memcpy(&v[2], &argv[1], (size_t)(argc - 1) * sizeof(*v));
		argv = daemon_argv = v;
		argc++;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	/* stats has options of its own (--watch takes an optional value). */
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(argc, argv);
	if (cli_parse(&args, argc, argv)) {
		cli_free(&args);
		free(daemon_argv);
		return 1;
	}
	if (args.quiet)
		log_level = LOG_LEVEL_ERROR;
	if (args.debug_mask)
		log_level = LOG_LEVEL_DEBUG;
	if (args.plugin_dir)
		plugin_set_dir(args.plugin_dir);
	if (args.run_dir)
		run_dir_set(args.run_dir);

	cmd = args.command;
	if (!strcmp(cmd, "add"))
		ret = cmd_add(&args, 0);
	else if (!strcmp(cmd, "recover"))
		ret = cmd_add(&args, 1);
	else if (!strcmp(cmd, "del"))
		ret = cmd_del(&args);
	else if (!strcmp(cmd, "list"))
		ret = cmd_list(&args);
	else if (!strcmp(cmd, "features"))
		ret = cmd_features(&args);
	else if (!strcmp(cmd, "update_size"))
		ret = cmd_update_size(&args);
	else if (!strcmp(cmd, "quiesce"))
		ret = cmd_quiesce(&args);
	else if (!strcmp(cmd, "daemon"))
		ret = cmd_daemon(&args);
	else if (!strcmp(cmd, "stop"))
		ret = cmd_stop(&args);
	else if (!strcmp(cmd, "set_params"))
		ret = cmd_set_params(&args);
	else if (!strcmp(cmd, "plugins"))
		ret = cmd_plugins();
	else if (!strcmp(cmd, "help"))
		ret = cmd_help(&args, argc, argv);
	else {
		log_error("unknown command '%s'; try 'ublk-server help'", cmd);
		ret = 1;
	}
	cli_free(&args);
	free(daemon_argv);	/* args points into it until here */
	return ret;
}
