// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "log.h"
#include "parse.h"

enum opt_kind {
	OPT_KEY,		/* sets a core key with its argument */
	OPT_KEY_FLAG,		/* sets a core key to a fixed value, no argument */
	OPT_KEY_IF_TRUE,	/* "-r 1": sets a key to a fixed value if the argument is true */
	OPT_LOCAL,		/* handled here */
	OPT_LOCAL_FLAG,
};

struct cli_option {
	char short_name;
	const char *long_name;
	enum opt_kind kind;
	const char *key;	/* core key (OPT_KEY*) */
	const char *value;	/* fixed value (OPT_KEY_FLAG, OPT_KEY_IF_TRUE) */
};

static const struct cli_option options[] = {
	{ 't', "type", OPT_KEY, "target", NULL },
	{ 0, "target", OPT_KEY, "target", NULL },
	{ 'q', "queues", OPT_KEY, "queues", NULL },
	{ 'd', "depth", OPT_KEY, "depth", NULL },
	{ 0, "nthreads", OPT_KEY, "nthreads", NULL },
	{ 0, "workers", OPT_KEY, "workers", NULL },
	{ 0, "per_io_tasks", OPT_KEY_FLAG, "per_io_tasks", "1" },
	{ 'z', "zero_copy", OPT_KEY_FLAG, "zero_copy", "on" },
	{ 0, "auto_zc", OPT_KEY_FLAG, "zero_copy", "auto" },
	{ 0, "auto_zc_fallback", OPT_KEY_FLAG, "auto_zc_fallback", "1" },
	{ 'u', "user_copy", OPT_KEY_FLAG, "user_copy", "1" },
	{ 'g', "get_data", OPT_KEY_FLAG, "get_data", "1" },
	{ 'b', "batch", OPT_KEY_FLAG, "batch", "1" },
	{ 0, "integrity_capable", OPT_KEY_FLAG, "integrity_capable", "1" },
	{ 0, "integrity_reftag", OPT_KEY_FLAG, "integrity_reftag", "1" },
	{ 0, "rotate_auto_buf", OPT_KEY_FLAG, "rotate_auto_buf", "1" },
	{ 0, "io_desc_size", OPT_KEY, "io_desc_size", NULL },
	{ 0, "copy", OPT_KEY_FLAG, "data_path", "copy" },
	{ 'r', "recovery", OPT_KEY_IF_TRUE, "recovery", "on" },
	{ 'i', "recovery_reissue", OPT_KEY_IF_TRUE, "recovery", "reissue" },
	{ 'e', "recovery_fail_io", OPT_KEY_IF_TRUE, "recovery", "fail_io" },
	{ 0, "shmem_zc", OPT_KEY_FLAG, "shmem_zc", "on" },
	{ 0, "htlb", OPT_KEY, "htlb", NULL },
	{ 0, "rdonly_shmem_buf", OPT_KEY_FLAG, "rdonly_shmem_buf", "on" },
	{ 0, "unprivileged", OPT_KEY_FLAG, "unprivileged", "on" },
	{ 'n', "number", OPT_LOCAL, NULL, NULL },
	{ 's', "size", OPT_LOCAL, NULL, NULL },
	{ 'c', "config", OPT_LOCAL, NULL, NULL },
	{ 0, "debug_mask", OPT_LOCAL, NULL, NULL },
	{ 0, "plugin-dir", OPT_LOCAL, NULL, NULL },
	{ 0, "filter", OPT_LOCAL, NULL, NULL },
	{ 0, "run-dir", OPT_LOCAL, NULL, NULL },
	{ 'a', "all", OPT_LOCAL_FLAG, NULL, NULL },
	{ 0, "foreground", OPT_LOCAL_FLAG, NULL, NULL },
	{ 0, "quiet", OPT_LOCAL_FLAG, NULL, NULL },
	{ 0, "check", OPT_LOCAL_FLAG, NULL, NULL },
	{ 0, "json", OPT_LOCAL_FLAG, NULL, NULL },
	/* kublk 7.3 */
	{ 0, "safe", OPT_LOCAL_FLAG, NULL, NULL },
	{ 0, "zoned", OPT_LOCAL_FLAG, NULL, NULL },
	{ 0, "no_auto_part_scan", OPT_KEY_FLAG, "auto_part_scan", "off" },
	{ 0, "no_ublk_fixed_fd", OPT_KEY_FLAG, "ublk_fixed_fd", "off" },
};

#define NR_OPTIONS (sizeof(options) / sizeof(options[0]))

static const struct cli_option *find_short(char c)
{
	unsigned int i;

	for (i = 0; i < NR_OPTIONS; i++)
		if (options[i].short_name == c)
			return &options[i];
	return NULL;
}

static const struct cli_option *find_long(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < NR_OPTIONS; i++)
		if (strlen(options[i].long_name) == len &&
		    !strncmp(options[i].long_name, name, len))
			return &options[i];
	return NULL;
}

static int takes_argument(const struct cli_option *o)
{
	return o->kind == OPT_KEY || o->kind == OPT_KEY_IF_TRUE || o->kind == OPT_LOCAL;
}

static int apply_local(struct cli_args *args, const struct cli_option *o,
		       const char *value, const char *origin)
{
	uint64_t v;

	if (o->kind == OPT_LOCAL_FLAG) {
		if (o->short_name == 'a')
			args->all = 1;
		else if (!strcmp(o->long_name, "foreground"))
			args->foreground = 1;
		else if (!strcmp(o->long_name, "quiet"))
			args->quiet = 1;
		else if (!strcmp(o->long_name, "check"))
			args->check_only = 1;
		else if (!strcmp(o->long_name, "json"))
			args->json = 1;
		else if (!strcmp(o->long_name, "safe") || !strcmp(o->long_name, "zoned")) {
			/* Options of one command each: elsewhere they would be ignored. */
			const char *cmd = o->long_name[0] == 's' ? "stop" : "set_params";

			if (strcmp(args->command, cmd)) {
				log_error("%s is an option of '%s' only", origin, cmd);
				return -1;
			}
			*(o->long_name[0] == 's' ? &args->safe : &args->zoned) = 1;
		}
		return 0;
	}
	switch (o->short_name) {
	case 'n':
		if (parse_uint_range(value, 0, 1U << 20, &v)) {
			log_error("%s: '%s' is not a device id", origin, value);
			return -1;
		}
		args->dev_id = (int)v;
		/* add/recover: -n is also the device's dev_id key. */
		return dev_config_set(&args->dev, "dev_id", value, origin);
	case 's':
		/* add/recover: the target's size key; update_size: the new size. */
		if (strcmp(args->command, "update_size"))
			return dev_config_set(&args->dev, "size", value, origin);
		if (parse_size(value, &args->size)) {
			log_error("%s: '%s' is not a size", origin, value);
			return -1;
		}
		args->have_size = 1;
		return 0;
	case 'c':
		args->config_file = value;
		return 0;
	}
	if (!strcmp(o->long_name, "debug_mask")) {
		if (parse_uint(value, &v)) {
			log_error("%s: '%s' is not a number", origin, value);
			return -1;
		}
		args->debug_mask = (int)v;
	} else if (!strcmp(o->long_name, "filter")) {
		return dev_config_add_filter(&args->dev, value, origin);
	} else if (!strcmp(o->long_name, "plugin-dir")) {
		args->plugin_dir = value;
	} else if (!strcmp(o->long_name, "run-dir")) {
		args->run_dir = value;
	}
	return 0;
}

static int apply_option(struct cli_args *args, const struct cli_option *o,
			const char *value, const char *origin)
{
	int b;

	switch (o->kind) {
	case OPT_KEY:
		return dev_config_set(&args->dev, o->key, value, origin);
	case OPT_KEY_FLAG:
		return dev_config_set(&args->dev, o->key, o->value, origin);
	case OPT_KEY_IF_TRUE:
		if (parse_bool(value, &b)) {
			log_error("%s: expects 0 or 1, not '%s'", origin, value);
			return -1;
		}
		if (!b)
			return 0;
		/* kublk ORs -r/-i/-e: plain -r must not undo an earlier -i or -e. */
		if (!strcmp(o->value, "on") && args->dev.recovery != RECOVERY_NONE)
			return 0;
		return dev_config_set(&args->dev, o->key, o->value, origin);
	default:
		return apply_local(args, o, value, origin);
	}
}

int cli_parse(struct cli_args *args, int argc, char **argv)
{
	int i;

	memset(args, 0, sizeof(*args));
	dev_config_init(&args->dev);
	args->dev_id = -1;
	if (argc < 2) {
		log_error("no command given; try 'ublk-server help'");
		return -1;
	}
	args->command = argv[1];

	for (i = 2; i < argc; i++) {
		const char *arg = argv[i];
		const struct cli_option *o;
		const char *value = NULL;
		char origin[64];

		if (arg[0] == '-' && arg[1] == '-' && arg[2]) {
			const char *name = arg + 2;
			const char *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);

			snprintf(origin, sizeof(origin), "--%.*s", (int)len, name);
			o = find_long(name, len);
			if (eq)
				value = eq + 1;
			if (o && !takes_argument(o)) {
				if (value) {
					log_error("%s takes no value", origin);
					return -1;
				}
				if (apply_option(args, o, NULL, origin))
					return -1;
				continue;
			}
			if (!value) {
				if (i + 1 >= argc) {
					log_error("%s needs a value", origin);
					return -1;
				}
				value = argv[++i];
			}
			if (o) {
				if (apply_option(args, o, value, origin))
					return -1;
			} else {
				/* Not ours: a key for the target (or a core key by its name). */
				char key[64];

				snprintf(key, sizeof(key), "%.*s", (int)len, name);
				if (dev_config_set(&args->dev, key, value, origin))
					return -1;
			}
			continue;
		}
		if (arg[0] == '-' && arg[1] && arg[1] != '-') {
			const char *p;

			for (p = arg + 1; *p; p++) {
				snprintf(origin, sizeof(origin), "-%c", *p);
				o = find_short(*p);
				if (!o) {
					log_error("unknown option -%c; try 'ublk-server help'", *p);
					return -1;
				}
				if (!takes_argument(o)) {
					if (apply_option(args, o, NULL, origin))
						return -1;
					continue;
				}
				if (p[1]) {
					value = p + 1;
				} else if (i + 1 < argc) {
					value = argv[++i];
				} else {
					log_error("%s needs a value", origin);
					return -1;
				}
				if (apply_option(args, o, value, origin))
					return -1;
				break;
			}
			continue;
		}
		/* Positional: a backing file for the target. */
		snprintf(origin, sizeof(origin), "argument '%.40s'", arg);
		if (dev_config_set(&args->dev, "file", arg, origin))
			return -1;
	}
	return 0;
}

void cli_free(struct cli_args *args)
{
	dev_config_free(&args->dev);
}
